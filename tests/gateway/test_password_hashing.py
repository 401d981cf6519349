"""Password hashing: argon2id at the production cost unless the environment lowers it, and a
hash verifies whatever cost it was made at (the test suite's are cheap, an operator's real)."""

import pytest
from argon2 import PasswordHasher

from gateway import identity


def test_default_cost_is_rfc_9106s_second_option(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TIME_COST", "MEMORY_KIB", "PARALLELISM"):
        monkeypatch.delenv(f"GATEWAY_PASSWORD_HASH_{name}", raising=False)
    cost = identity.HashCost()
    assert (cost.time_cost, cost.memory_kib, cost.parallelism) == (3, 65536, 4)
    default = PasswordHasher()  # argon2-cffi's own: what the gateway used before it was set
    assert (default.time_cost, default.memory_cost, default.parallelism) == (3, 65536, 4)


def test_the_environment_sets_the_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PASSWORD_HASH_TIME_COST", "2")
    monkeypatch.setenv("GATEWAY_PASSWORD_HASH_MEMORY_KIB", "128")
    cost = identity.HashCost()
    assert (cost.time_cost, cost.memory_kib) == (2, 128)
    monkeypatch.setenv("GATEWAY_PASSWORD_HASH_TIME_COST", "0")
    with pytest.raises(ValueError, match="time_cost"):
        identity.HashCost()


async def test_a_hash_verifies_at_the_cost_it_was_made_at() -> None:
    made_here = await identity.hash_secret("a long enough passphrase")
    assert made_here.startswith("$argon2id$v=19$m=64,t=1,p=4$")  # tests/conftest.py's cost
    at_production_cost = PasswordHasher().hash("a long enough passphrase")
    for hashed in (made_here, at_production_cost):
        assert await identity.verify_secret(hashed, "a long enough passphrase")
        assert not await identity.verify_secret(hashed, "a long enough passphrasE")
