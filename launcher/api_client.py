"""A small client of the public API at the gateway: the demo scenarios and the CLI use it.

Every call goes through the gateway with a real bearer token, as any integration would: the
scenarios never touch a table. A non-2xx answer raises :class:`ApiError` naming the call and the
problem the API gave, so a command that goes wrong stops with a sentence, not a traceback deep
in httpx.
"""

import base64
import functools
import json
import ssl
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

# How often a call is retried when the gateway says "too many requests" or the connection
# drops; creating POSTs are retried only with their Idempotency-Key, so a retry never
# creates twice.
RETRIES = 5
TIMEOUT_SECONDS = 60.0


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every client of this process shares (httpx's defaults). Building them
    loads the CA bundle, some 20 ms of CPU, which httpx would otherwise do again for every
    client and every ``httpx.post``: a seeding makes thousands."""
    return httpx.create_ssl_context()


class ApiError(RuntimeError):
    """A call answered with a status the scenario did not expect."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        detail = body.get("detail") or body.get("title") if isinstance(body, dict) else body
        super().__init__(f"{method} {path} answered {status}: {detail}")
        self.status, self.body = status, body


class Api:
    """Calls through the gateway as one principal (a person's or a client's token)."""

    def __init__(self, gateway_url: str, token: str, *, label: str = "caller") -> None:
        self.gateway_url, self.token, self.label = gateway_url.rstrip("/"), token, label
        self.http = httpx.Client(base_url=self.gateway_url, timeout=TIMEOUT_SECONDS,
                                 headers={"Authorization": f"Bearer {token}"},
                                 verify=tls_context())

    @classmethod
    def login(cls, gateway_url: str, email: str, password: str) -> "Api":
        """A person's client, with a token from the password grant."""
        response = httpx.post(f"{gateway_url.rstrip('/')}/v1/auth/token", timeout=30.0, data={
            "grant_type": "password", "username": email, "password": password},
            verify=tls_context())
        if response.status_code != 200:
            raise ApiError("POST", f"/v1/auth/token ({email})", response.status_code,
                           response_body(response))
        return cls(gateway_url, response.json()["access_token"], label=email)

    @property
    def claims(self) -> dict[str, Any]:
        """The token's claims, read without checking the signature (the gateway gave it)."""
        payload = self.token.split(".")[1]
        found: dict[str, Any] = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return found

    @property
    def subject(self) -> str:
        """The token's subject: what the services know this caller by (caseworker ids)."""
        return str(self.claims["sub"])

    def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200, 201, 202),
             key: str | None = None, **kwargs: Any) -> Any:
        """Send one request; the decoded JSON answer, or ApiError on an unexpected status.

        ``key`` becomes the ``Idempotency-Key`` header: the same key and body replay the first
        answer, which makes the call safe to retry after a dropped connection.
        """
        return response_body(self.send(method, path, expect=expect, key=key, **kwargs))

    def send(self, method: str, path: str, *, expect: tuple[int, ...] = (200, 201, 202),
             key: str | None = None, **kwargs: Any) -> httpx.Response:
        """Send one request, retried as :meth:`call` says; the answer, or ApiError on an
        unexpected status."""
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers["Idempotency-Key"] = key
        retry_safe = method in ("GET", "PUT") or key is not None
        for attempt in range(RETRIES + 1):
            try:
                response = self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError:
                if not retry_safe or attempt == RETRIES:
                    raise
                time.sleep(0.5 * (attempt + 1))
                continue
            if response.status_code == 429 and attempt < RETRIES:
                time.sleep(float(response.headers.get("retry-after", "1")))
                continue
            if response.status_code not in expect:
                raise ApiError(method, path, response.status_code, response_body(response))
            return response
        raise AssertionError("unreachable")  # the loop returns or raises

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET ``path``; the JSON answer."""
        return self.call("GET", path, **kwargs)

    def change(self, method: str, path: str, body: Any, **kwargs: Any) -> Any:
        """PATCH or PUT ``body`` as JSON to ``path``; the JSON answer. The change names the
        version just read in ``If-Match``, as every change of a resource with an ETag must
        (the scenarios are its only writers, so the version read is the one changed)."""
        etag = self.send("GET", path).headers["etag"]
        headers = {**kwargs.pop("headers", {}), "If-Match": etag}
        return self.call(method, path, json=body, headers=headers, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """POST ``body`` as JSON to ``path``; the JSON answer."""
        return self.call("POST", path, json=body, **kwargs)

    def all_pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated list, following ``next_cursor``."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
            page = self.get(path, params=query)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()


class SignUpLimited(Exception):
    """The gateway takes no more sign-ups from this address for now (429)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"sign-ups from this address are limited: retry in {retry_after:.0f} s")
        self.retry_after = retry_after


def sign_up(gateway_url: str, email: str, password: str, profile: dict[str, Any]) -> None:
    """``POST /v1/auth/signup``: a person's own candidate account and profile (``profile``: a
    ``POST /v1/candidates`` body without ``email``). The gateway answers 202 whether or not the
    e-mail was known, so only signing in tells that the account is there.

    Retried after a dropped connection (a second sign-up of the same e-mail changes nothing);
    :class:`SignUpLimited` on a 429, never waited out here: the limit is per hour.
    """
    body = {"email": email, "password": password, "profile": profile}
    for attempt in range(RETRIES + 1):
        try:
            response = httpx.post(f"{gateway_url.rstrip('/')}/v1/auth/signup", json=body,
                                  timeout=TIMEOUT_SECONDS, verify=tls_context())
        except httpx.TransportError:
            if attempt == RETRIES:
                raise
            time.sleep(0.5 * (attempt + 1))
            continue
        if response.status_code == 429:
            raise SignUpLimited(float(response.headers.get("retry-after", "0")))
        if response.status_code != 202:
            raise ApiError("POST", f"/v1/auth/signup ({email})", response.status_code,
                           response_body(response))
        return


def response_body(response: httpx.Response) -> Any:
    """The answer's JSON, or its text when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return response.text


def wait_for(check: Callable[[], T | None], *, what: str, timeout: float = 120.0,
             interval: float = 0.25) -> T:
    """Poll ``check`` until it returns something truthy; TimeoutError naming ``what`` after
    ``timeout`` seconds. For effects that travel between services by events."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f}s for {what}; the services' events may be "
                               "stuck (see GET /admin/events/lag on each service)")
        time.sleep(interval)
