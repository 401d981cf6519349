"""Accounts made from the command line: ``pathways create-admin`` (the first admin),
``pathways rotate-keys``, and the demo's seeding admin."""

import asyncio
import contextlib

from gateway import identity
from launcher.database import prepare_database, service_database_url
from launcher.topology import service
from shared.db import Database
from shared.errors import ProblemError


async def _create(url: str, *, email: str, password: str) -> None:
    database = Database(url, application_name="gateway-cli", pool_size=1, max_overflow=0)
    try:
        async with database.sessionmaker() as session, session.begin():
            await identity.create_account(session, email=email, password=password, role="admin")
    finally:
        await database.dispose()


async def _rotate(url: str, *, algorithm: str) -> str:
    database = Database(url, application_name="gateway-cli", pool_size=1, max_overflow=0)
    try:
        async with database.sessionmaker() as session, session.begin():
            return (await identity.rotate_signing_key(session, algorithm=algorithm)).kid
    finally:
        await database.dispose()


def ensure_admin(admin_url: str, *, email: str, password: str) -> tuple[str, str]:
    """Create an admin account unless one with ``email`` exists (the demo's seeding admin: the
    first admin cannot be made through the API). Returns its e-mail and password."""
    with contextlib.suppress(identity.AccountExists):  # made by an earlier run
        asyncio.run(_create(service_database_url(admin_url, service("gateway")),
                            email=email, password=password))
    return email, password


def rotate_keys(admin_url: str, *, algorithm: str) -> int:
    """Start a new signing key; the old one stays published until its tokens have expired."""
    prepare_database(admin_url)
    kid = asyncio.run(_rotate(service_database_url(admin_url, service("gateway")),
                              algorithm=algorithm))
    print(f"New signing key {kid} ({algorithm}). Tokens signed with the previous key stay "
          "valid until they expire; running gateways sign with the new one from their next "
          "token, and services fetch it from the JWKS when they first meet it.")
    return 0


def create_admin(admin_url: str, *, email: str, password: str, gateway_url: str) -> int:
    """Create an admin account and print how to get a token for it."""
    if len(password) < 12:
        print("The password must have at least 12 characters.")
        return 2
    prepare_database(admin_url)  # idempotent: roles, schemas and migrations are in place
    try:
        asyncio.run(_create(service_database_url(admin_url, service("gateway")),
                            email=email, password=password))
    except ProblemError as exc:
        print(exc.detail)
        return 1
    print(f"Admin {email.strip().lower()} created. Get a token (while `make dev` runs):\n\n"
          f"  curl -s {gateway_url}/v1/auth/token -d grant_type=password \\\n"
          f"       --data-urlencode username='{email}' --data-urlencode password='…'\n\n"
          "then call the API with -H \"Authorization: Bearer $TOKEN\"; docs at "
          f"{gateway_url}/docs.")
    return 0
