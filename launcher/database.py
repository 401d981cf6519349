"""The launcher's database: where it is, each service's connection to it, and a fresh one.

``DATABASE_URL`` when set, else an embedded PostgreSQL; bootstrapped (roles and schemas) and
migrated before any process starts.
"""

import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from launcher import migrate
from launcher.bootstrap import bootstrap, drop_database, ensure_database, prepare_lock
from launcher.embedded_db import start_embedded
from launcher.reseal import seal_plain_values
from launcher.topology import SERVICES, ServiceSpec
from shared.settings import role_url


def admin_database_url(*, data_dir: Path, throwaway: bool = False) -> str:
    """``DATABASE_URL`` if set, else the URL of an embedded server on ``data_dir``."""
    return os.environ.get("DATABASE_URL") or start_embedded(data_dir, throwaway=throwaway)


def service_database_url(admin_url: str, spec: ServiceSpec) -> str:
    """The URL ``spec`` connects with: its own override, else its role on the admin's database."""
    override = os.environ.get(f"{spec.env_prefix}DATABASE_URL")
    if override:
        return override
    return role_url(admin_url, role=spec.role,
                    password=os.environ.get(f"{spec.env_prefix}DATABASE_PASSWORD"))


def prepare_database(admin_url: str, services: tuple[ServiceSpec, ...] = SERVICES) -> None:
    """Bootstrap roles and schemas, migrate ``services`` to head, seal plain secrets.

    Idempotent, and safe to run from several processes at once (every replica's init step does):
    they take turns under the database's prepare lock, the later ones finding everything done.
    """
    asyncio.run(_prepare(admin_url, services))


async def _prepare(admin_url: str, services: tuple[ServiceSpec, ...]) -> None:
    await ensure_database(admin_url)  # the lock lives in the database
    async with prepare_lock(admin_url):
        await bootstrap(admin_url, services)
        # Alembic and the sealing run event loops of their own: in a thread, the lock held here.
        await asyncio.to_thread(_migrate_and_seal, admin_url, services)


def _migrate_and_seal(admin_url: str, services: tuple[ServiceSpec, ...]) -> None:
    for spec in services:
        migrate.upgrade(spec, service_database_url(admin_url, spec))
    # Secrets stored before sealing existed are sealed now (launcher.reseal).
    seal_plain_values({spec: service_database_url(admin_url, spec) for spec in services})


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A fresh, bootstrapped and migrated database (its admin URL), gone afterwards.

    On ``DATABASE_URL``'s cluster when it is set (a new database, dropped at the end), else on an
    embedded PostgreSQL in a temporary directory deleted when the process exits. For the tests
    and the benchmarks.
    """
    external = os.environ.get("DATABASE_URL")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    if external:
        admin_url = make_url(external).set(database=name).render_as_string(hide_password=False)
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"{prefix.replace('_', '-')}-"))
        admin_url = start_embedded(folder / "pgdata", throwaway=True, database=name)
    prepare_database(admin_url)
    try:
        yield admin_url
    finally:
        if external:
            asyncio.run(drop_database(admin_url))
