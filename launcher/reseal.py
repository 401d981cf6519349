"""``pathways reseal``: every sealed secret rewrapped with the current sealing key.

What is sealed (shared.sealing): each service's partner webhook secrets
(``<service>.event_subscription.secret``) and the gateway's signing keys
(``gateway.signing_key.private_pem``). Rotating the key-encryption key without downtime:

1. add the new key to ``SEALING_KEYS`` and make it ``SEALING_KEY_ID``, keeping the old one, and
   restart every process (each now seals with the new key and still opens the old values);
2. run ``pathways reseal`` (with the same settings): every value is rewrapped with the new key;
3. remove the old key from ``SEALING_KEYS`` and restart again.

Values stored before sealing existed (plain) are sealed by the same command, and by
``pathways db prepare`` (which seals only those, so that it never wraps with a key that processes
still running may not have yet). Each schema is resealed in one transaction of its own role.
"""

import asyncio
import os
from collections.abc import Mapping

from gateway import identity
from launcher.topology import ServiceSpec
from shared import sealing
from shared.db import Database, service_metadata
from shared.events.subscriptions import reseal_partner_secrets
from shared.events.tables import event_tables


async def _reseal_service(spec: ServiceSpec, url: str, keyring: sealing.Keyring, *,
                          only_plain: bool) -> int:
    database = Database(url, application_name=f"{spec.name}-reseal", pool_size=1,
                        max_overflow=0)
    try:
        async with database.sessionmaker() as session, session.begin():
            # The tables' shapes only, on a MetaData of their own: the service is not imported.
            tables = event_tables(service_metadata(spec.schema))
            changed = await reseal_partner_secrets(session, tables, keyring,
                                                   only_plain=only_plain)
            if spec.name == "gateway":
                changed += await identity.reseal_signing_keys(session, keyring,
                                                              only_plain=only_plain)
            return changed
    finally:
        await database.dispose()


def reseal_all(urls: Mapping[ServiceSpec, str], *, keyring: sealing.Keyring | None = None,
               only_plain: bool = False) -> dict[str, int]:
    """Rewrap every sealed value of the services at ``urls`` (each its own role's URL) with
    ``keyring``'s current key (the environment's by default), sealing plain ones; with
    ``only_plain``, seal plain ones only. How many values changed, per service. Raises
    :class:`shared.sealing.UnknownSealingKey` (naming the key id) when a value's key is not in
    the keyring; that schema then keeps its values as they were."""
    return asyncio.run(reseal_services(urls, keyring=keyring, only_plain=only_plain))


async def reseal_services(urls: Mapping[ServiceSpec, str], *,
                          keyring: sealing.Keyring | None = None,
                          only_plain: bool = False) -> dict[str, int]:
    """:func:`reseal_all`, on the running event loop."""
    ring = keyring or sealing.load_keyring()
    return {spec.name: await _reseal_service(spec, url, ring, only_plain=only_plain)
            for spec, url in urls.items()}


def seal_plain_values(urls: Mapping[ServiceSpec, str]) -> None:
    """At prepare time: seal the values stored before sealing, when this process has the keys
    (a prepare without them leaves them to ``pathways reseal``: no process that needs them
    starts without the keys anyway)."""
    if os.environ.get(sealing.SEALING_KEYS):
        reseal_all(urls, only_plain=True)


def reseal(urls: Mapping[ServiceSpec, str]) -> int:
    """The command: reseal everything, say how many values changed; 1 when a key is missing."""
    try:
        counts = reseal_all(urls)
    except sealing.SealingError as error:
        print(f"Nothing more was resealed: {error}")
        return 1
    current = sealing.load_keyring().current
    print(f"Every sealed value is now wrapped with key {current!r} "
          f"({', '.join(f'{name}: {n} changed' for name, n in counts.items())}). Keys other "
          "than the current one may now be removed from SEALING_KEYS.")
    return 0
