"""The migrations to keyed digests (cand0011, gate0004) give existing rows their digest, make
it the unique one, and go back down cleanly (a sealed signing key is opened again)."""

import asyncio
import json
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from launcher import migrate
from launcher.bootstrap import drop_database
from launcher.database import prepare_database, service_database_url
from launcher.topology import service
from shared import sealing, signing_keys
from tests.conftest import RunDatabase


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def admin_url(database: RunDatabase) -> Iterator[str]:
    name = f"pathways_digests_{uuid.uuid4().hex[:10]}"
    url = make_url(database.admin_url).set(database=name).render_as_string(hide_password=False)
    prepare_database(url)
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


def test_existing_rows_get_their_digest_and_downgrade_works(admin_url: str) -> None:
    candidates, gateway = service("candidates"), service("gateway")
    candidates_url = service_database_url(admin_url, candidates)
    gateway_url = service_database_url(admin_url, gateway)
    migrate.downgrade(candidates, candidates_url, "cand0010")
    migrate.downgrade(gateway, gateway_url, "gate0003")
    kid, pem, jwk = signing_keys.generate_key("EdDSA")

    async def before() -> None:
        connection = await asyncpg.connect(_dsn(candidates_url))
        try:
            for email in ("Amina.Digest@Example.org", "erased-1@erased.invalid"):
                await connection.execute(
                    "INSERT INTO candidates.candidate (id, given_name, family_name, email, "
                    "date_of_birth, gender, nationality, residence_country) "
                    "VALUES ($1, 'A', 'B', $2, '2000-01-01', 'female', 'MA', 'MA')",
                    uuid.uuid4(), email)
        finally:
            await connection.close()
        connection = await asyncpg.connect(_dsn(gateway_url))
        try:
            await connection.execute(
                "INSERT INTO gateway.account (email, password_hash, role) "
                "VALUES ('officer.digest@example.org', 'x', 'officer')")
            await connection.execute(
                "INSERT INTO gateway.signing_key (kid, algorithm, private_pem, public_jwk) "
                "VALUES ($1, 'EdDSA', $2, $3::jsonb)", kid, pem, json.dumps(jwk))
        finally:
            await connection.close()

    asyncio.run(before())
    prepare_database(admin_url)  # up to head again: digests filled, plain key sealed

    async def after() -> tuple[list[asyncpg.Record], list[asyncpg.Record], str]:
        connection = await asyncpg.connect(_dsn(candidates_url))
        try:
            people = list(await connection.fetch(
                "SELECT email, email_digest FROM candidates.candidate ORDER BY email"))
        finally:
            await connection.close()
        connection = await asyncpg.connect(_dsn(gateway_url))
        try:
            accounts = list(await connection.fetch(
                "SELECT email, email_digest FROM gateway.account"))
            stored = await connection.fetchval(
                "SELECT private_pem FROM gateway.signing_key WHERE kid = $1", kid)
        finally:
            await connection.close()
        return people, accounts, stored

    people, accounts, stored = asyncio.run(after())
    by_email = {row["email"]: row["email_digest"] for row in people}
    assert by_email["Amina.Digest@Example.org"] == sealing.email_digest("amina.digest@example.org")
    assert by_email["erased-1@erased.invalid"] is None
    assert [r["email_digest"] for r in accounts] == [
        sealing.email_digest("officer.digest@example.org")]
    assert sealing.is_sealed(stored) and sealing.unseal(stored) == pem

    async def clash() -> None:
        connection = await asyncpg.connect(_dsn(candidates_url))
        try:
            with pytest.raises(asyncpg.UniqueViolationError) as error:
                await connection.execute(
                    "INSERT INTO candidates.candidate (id, given_name, family_name, email, "
                    "email_digest, date_of_birth, gender, nationality, residence_country) "
                    "VALUES ($1, 'C', 'D', 'amina.digest@example.org', $2, '2000-01-01', "
                    "'female', 'MA', 'MA')",
                    uuid.uuid4(), sealing.email_digest("amina.digest@example.org"))
            assert "@" not in str(error.value.detail)
        finally:
            await connection.close()

    asyncio.run(clash())
    migrate.downgrade(candidates, candidates_url, "cand0010")
    migrate.downgrade(gateway, gateway_url, "gate0003")

    async def opened() -> str:
        connection = await asyncpg.connect(_dsn(gateway_url))
        try:
            return str(await connection.fetchval(
                "SELECT private_pem FROM gateway.signing_key WHERE kid = $1", kid))
        finally:
            await connection.close()

    assert asyncio.run(opened()) == pem
