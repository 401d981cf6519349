"""Webhook target URLs a partner may register: no way into our own network (SSRF).

A URL must be ``https`` (``http`` only with the development setting), carry no credentials, and
every address its host resolves to must be public: loopback, private, link-local (which holds
the cloud metadata address 169.254.169.254), shared (100.64/10), multicast, reserved and
unspecified addresses are refused, in IPv4 and IPv6 (IPv4-mapped addresses are checked as
IPv4). The relay checks again before each delivery, since DNS answers can change.
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from shared.i18n import _

METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


class UnsafeTarget(ValueError):
    """The URL may not be used as a webhook target; the message says why."""


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved
                                       or address.is_loopback or address.is_link_local
                                       or address.is_private or address.is_unspecified)


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeTarget(_("host '{host}' does not resolve", host=host)) from error
    return sorted({str(info[4][0]) for info in infos})


def check_target_sync(url: str, *, allow_private: bool = False) -> None:
    """Raise UnsafeTarget unless ``url`` is a safe webhook target (blocking: resolves DNS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise UnsafeTarget(_("the URL must use https"))
    if parts.scheme == "http" and not allow_private:
        raise UnsafeTarget(_("the URL must use https"))
    if parts.username or parts.password:
        raise UnsafeTarget(_("the URL must not carry credentials"))
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeTarget(_("the URL has no host"))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeTarget(_("the URL's port is invalid")) from error
    if allow_private:
        return
    if host in METADATA_HOSTS or host == "localhost" or host.endswith(".localhost"):
        raise UnsafeTarget(_("host '{host}' is not allowed", host=host))
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else _resolve(host, port)
    for address in addresses:
        if not _is_public(ipaddress.ip_address(address.split("%")[0])):
            raise UnsafeTarget(
                _("host '{host}' resolves to {address}, which is not a public address",
                  host=host, address=address))


async def check_target(url: str, *, allow_private: bool = False) -> None:
    """:func:`check_target_sync` off the event loop."""
    await asyncio.to_thread(check_target_sync, url, allow_private=allow_private)
