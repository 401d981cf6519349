"""Tokens of external OpenID Connect providers: algorithms and keys, claim mapping, issuer
choice and timed key refresh (shared.jwks, shared.auth.TokenVerifier, shared.trusted_issuers).

Keys are made here and published through a JWKS document the test holds: the verifier reads
it as it reads a provider's, through a StaticKeySource whose clock the tests advance.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from functools import partial
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from pydantic import ValidationError

from gateway.settings import Settings as GatewaySettings
from shared.auth import Forbidden, InvalidToken, Principal, TokenVerifier, Trust
from shared.jwks import StaticKeySource, discovery_key_source, fitting_algorithms, keys_of
from shared.trusted_issuers import (
    TrustedIssuer,
    TrustedIssuersSettings,
    claim_at,
    principal_of,
)

BUILT_IN = "http://gateway.test"
EXTERNAL = "https://sso.example.org/realms/pathways"
PROGRAMME = uuid.UUID("0b8f7a52-5a7e-4c57-8f61-3a3f3f0c2f11")


class Clock:
    """Monotonic seconds the test moves forward."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Provider:
    """An issuer's keys and the JWKS document it publishes (what the verifier reads)."""

    def __init__(self, issuer: str = EXTERNAL) -> None:
        self.issuer = issuer
        self.private: dict[str, Any] = {}
        self.published: list[dict[str, Any]] = []
        self.loads = 0

    def add(self, kind: str, *, kid: str | None = None, alg: str | None = None) -> str:
        """A new key of ``kind`` (rsa, ec, ed25519) published, with ``alg`` or without."""
        kid = kid or uuid.uuid4().hex[:8]
        if kind == "rsa":
            key: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        elif kind == "ec":
            key = ec.generate_private_key(ec.SECP256R1())
            public = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
        else:
            key = ed25519.Ed25519PrivateKey.generate()
            public = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
        self.private[kid] = key
        self.published.append({**public, "kid": kid, **({"alg": alg} if alg else {})})
        return kid

    def withdraw(self, kid: str) -> None:
        self.published = [k for k in self.published if k["kid"] != kid]

    async def load(self) -> dict[str, Any]:
        self.loads += 1
        return {"keys": list(self.published)}

    def token(self, kid: str, alg: str, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": "pathways", "sub": "f3c1", "iat": now,
                "exp": now + 300, **claims}
        return jwt.encode(body, self.private[kid], algorithm=alg, headers={"kid": kid})


def external(provider: Provider, clock: Clock, **config: Any) -> Trust:
    """The trust of ``provider`` configured as ``config`` says, its keys read from it."""
    settings = TrustedIssuer(issuer=provider.issuer, **config)
    keys = StaticKeySource(provider.load, refresh_seconds=settings.refresh_seconds, clock=clock)
    return Trust(issuer=settings.issuer, audience=settings.audience, keys=keys,
                 algorithms=settings.algorithms, principal=partial(principal_of, issuer=settings))


def verifier(provider: Provider, clock: Clock, **config: Any) -> TokenVerifier:
    """A verifier trusting a built-in issuer (keys of its own) and ``provider``."""
    built_in = Provider(BUILT_IN)
    built_in.add("rsa", kid="home", alg="RS256")
    return TokenVerifier(issuer=BUILT_IN, audience="pathways",
                         keys=StaticKeySource(built_in.load, clock=clock),
                         trusted=[external(provider, clock, **config)])


KEYCLOAK = {"claims": {"role": "realm_access.roles"},
            "roles": {"pathways-officer": "officer", "pathways-ministry": "ministry"}}


class TestAlgorithmsAndKeys:
    @pytest.mark.parametrize(("kind", "alg", "published_alg"), [
        ("ec", "ES256", "ES256"), ("ec", "ES256", None),
        ("rsa", "PS256", None), ("rsa", "PS256", "PS256"), ("rsa", "RS256", None),
        ("ed25519", "EdDSA", None), ("ed25519", "EdDSA", "EdDSA")])
    async def test_each_allowed_algorithm_with_or_without_alg_on_the_key(
            self, kind: str, alg: str, published_alg: str | None) -> None:
        provider, clock = Provider(), Clock()
        kid = provider.add(kind, alg=published_alg)
        token = provider.token(kid, alg, role="ministry", programme_ids=[str(PROGRAMME)])
        principal = await verifier(provider, clock).verify(token)
        assert principal.role == "ministry" and principal.programme_ids == (PROGRAMME,)
        assert principal.subject == f"{EXTERNAL}#f3c1"

    async def test_a_key_of_another_type_than_the_alg_is_refused(self) -> None:
        provider, clock = Provider(), Clock()
        ec_kid = provider.add("ec")
        rsa_kid = provider.add("rsa")
        trusting = verifier(provider, clock)
        # Signed with the RSA key, but naming the EC key: that key cannot verify RS256.
        forged = jwt.encode({"iss": EXTERNAL, "aud": "pathways", "sub": "x", "role": "ministry",
                             "iat": int(time.time()), "exp": int(time.time()) + 60},
                            provider.private[rsa_kid], algorithm="RS256",
                            headers={"kid": ec_kid})
        with pytest.raises(InvalidToken, match="does not fit its key"):
            await trusting.verify(forged)
        # An RSA key published for RS256 only does not verify PS256.
        only_rs = provider.add("rsa", alg="RS256")
        clock.now += 5  # past the least interval between two reads
        with pytest.raises(InvalidToken, match="does not fit its key"):
            await trusting.verify(provider.token(only_rs, "PS256", role="ministry"))

    def test_which_keys_are_kept(self) -> None:
        provider = Provider()
        provider.add("rsa", kid="rsa-bare")
        provider.add("ec", kid="ec-says-rs256", alg="RS256")  # alg that does not fit its type
        provider.add("rsa", kid="rsa-hs", alg="HS256")
        provider.add("ed25519", kid="for-encryption")
        provider.published[-1]["use"] = "enc"
        small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        provider.published.append({**RSAAlgorithm.to_jwk(small.public_key(), as_dict=True),
                                   "kid": "short"})
        provider.published.append({"kid": "junk", "kty": "EC", "crv": "P-256", "x": "AA"})
        kept = keys_of({"keys": provider.published})
        assert set(kept) == {"rsa-bare"}
        assert kept["rsa-bare"].algorithms == {"RS256", "PS256"}
        assert fitting_algorithms({"kty": "EC", "crv": "P-384"}) == set()
        assert fitting_algorithms({"kty": "OKP", "crv": "Ed25519"}) == {"EdDSA"}

    async def test_an_algorithm_the_issuer_does_not_allow_is_refused(self) -> None:
        provider, clock = Provider(), Clock()
        kid = provider.add("rsa")
        trusting = verifier(provider, clock, algorithms=["RS256"])
        assert (await trusting.verify(provider.token(kid, "RS256", role="ministry"))).role
        with pytest.raises(InvalidToken, match="'PS256' are not accepted"):
            await trusting.verify(provider.token(kid, "PS256", role="ministry"))

    async def test_none_and_hmac_are_refused(self) -> None:
        provider, clock = Provider(), Clock()
        kid = provider.add("rsa")
        trusting = verifier(provider, clock)
        claims = {"iss": EXTERNAL, "aud": "pathways", "sub": "x", "role": "admin",
                  "iat": int(time.time()), "exp": int(time.time()) + 60}

        def b64(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        with pytest.raises(InvalidToken):
            await trusting.verify(f"{b64({'alg': 'none', 'kid': kid})}.{b64(claims)}.")
        signing_input = f"{b64({'alg': 'HS256', 'kid': kid})}.{b64(claims)}"
        secret = json.dumps(provider.published[0]).encode()
        signature = base64.urlsafe_b64encode(hmac.new(secret, signing_input.encode(),
                                                       hashlib.sha256).digest()).rstrip(b"=")
        with pytest.raises(InvalidToken, match="'HS256' are not accepted"):
            await trusting.verify(f"{signing_input}.{signature.decode()}")


class TestIssuerChoice:
    async def test_unknown_issuer_is_refused(self) -> None:
        provider, stranger, clock = Provider(), Provider("https://elsewhere.example"), Clock()
        provider.add("rsa")
        kid = stranger.add("rsa")
        with pytest.raises(InvalidToken, match="issuer is not trusted"):
            await verifier(provider, clock).verify(stranger.token(kid, "RS256", role="admin"))

    async def test_each_issuer_only_with_its_own_keys_and_audience(self) -> None:
        provider, clock = Provider(), Clock()
        kid = provider.add("rsa")
        trusting = verifier(provider, clock)
        # The external key claiming the built-in issuer: not a key of that issuer.
        home = provider.token(kid, "RS256", iss=BUILT_IN, role="admin")
        with pytest.raises(InvalidToken, match="not signed by a key of this issuer"):
            await trusting.verify(home)
        with pytest.raises(InvalidToken, match="another audience"):
            await trusting.verify(provider.token(kid, "RS256", aud="account", role="ministry"))
        other = verifier(provider, clock, audience="pathways-prod")
        assert (await other.verify(provider.token(kid, "RS256", aud=["pathways-prod", "x"],
                                                  role="ministry"))).role == "ministry"

    async def test_built_in_tokens_keep_their_own_claims_and_subject(self) -> None:
        home, provider, clock = Provider(BUILT_IN), Provider(), Clock()
        home.add("rsa", kid="home", alg="RS256")
        provider.add("rsa")
        trusting = TokenVerifier(issuer=BUILT_IN, audience="pathways",
                                 keys=StaticKeySource(home.load, clock=clock),
                                 trusted=[external(provider, clock, **KEYCLOAK)])
        account = str(uuid.uuid4())
        principal = await trusting.verify(home.token("home", "RS256", sub=account,
                                                     role="officer"))
        assert principal.subject == account and principal.role == "officer"

    def test_an_issuer_trusted_twice_is_refused(self) -> None:
        provider, clock = Provider(BUILT_IN), Clock()
        with pytest.raises(ValueError, match="trusted twice"):
            TokenVerifier(issuer=BUILT_IN, audience="pathways",
                          keys=StaticKeySource(provider.load, clock=clock),
                          trusted=[external(provider, clock)])


class TestClaimMapping:
    def _issuer(self, **config: Any) -> TrustedIssuer:
        return TrustedIssuer(issuer=EXTERNAL, **{**KEYCLOAK, **config})

    def test_keycloak_realm_roles_first_that_maps_wins(self) -> None:
        claims = {"sub": "9d2e", "iat": 5,
                  "realm_access": {"roles": ["offline_access", "default-roles-pathways",
                                             "pathways-officer", "pathways-ministry"]},
                  "programme_ids": [str(PROGRAMME)]}
        principal = principal_of(claims, issuer=self._issuer())
        assert principal == Principal(subject=f"{EXTERNAL}#9d2e", role="officer",
                                      programme_ids=(PROGRAMME,), issued_at=5)

    def test_a_role_that_does_not_map_is_forbidden(self) -> None:
        claims = {"sub": "9d2e", "realm_access": {"roles": ["offline_access", "admin"]}}
        # With a map, only mapped names count: "admin" is no Pathways role of this issuer.
        with pytest.raises(Forbidden, match="no Pathways role"):
            principal_of(claims, issuer=self._issuer())
        with pytest.raises(Forbidden):
            principal_of({"sub": "9d2e"}, issuer=self._issuer())
        # Without a map, Pathways role names are taken as they are.
        plain = TrustedIssuer(issuer=EXTERNAL)
        assert principal_of({"sub": "a", "role": "ministry"}, issuer=plain).role == "ministry"
        with pytest.raises(Forbidden):
            principal_of({"sub": "a", "role": "superuser"}, issuer=plain)

    def test_paths_namespaced_claims_and_one_item_lists(self) -> None:
        employer = uuid.uuid4()
        issuer = self._issuer(claims={
            "role": "resource_access.pathways.roles",
            "employer_id": "https://pathways.example.org/employer",
            "programme_ids": "attributes.programmes"},
            roles={"host": "employer"})
        claims = {"sub": "e1", "resource_access": {"pathways": {"roles": ["host"]}},
                  "https://pathways.example.org/employer": [str(employer)],
                  "attributes": {"programmes": str(PROGRAMME)}}
        principal = principal_of(claims, issuer=issuer)
        assert principal.role == "employer" and principal.employer_id == employer
        assert principal.programme_ids == (PROGRAMME,)
        assert claim_at({"a": {"b": 1}}, "a.c") is None and claim_at({"a": 2}, "a.b") is None

    def test_fixed_values_and_required_links(self) -> None:
        visa = TrustedIssuer(issuer=EXTERNAL, fixed={"role": "visa_authority", "country": "FR",
                                                     "programme_ids": [str(PROGRAMME)]})
        principal = principal_of({"sub": "v", "role": "admin", "country": "IT",
                                  "programme_ids": [str(uuid.uuid4())]}, issuer=visa)
        assert (principal.role, principal.country, principal.programme_ids) == \
            ("visa_authority", "FR", (PROGRAMME,))
        with pytest.raises(Forbidden, match="needs employer_id"):
            principal_of({"sub": "e", "role": "employer"}, issuer=TrustedIssuer(issuer=EXTERNAL))
        # A country only means something for a visa authority.
        assert principal_of({"sub": "m", "role": "ministry", "country": "FR"},
                            issuer=TrustedIssuer(issuer=EXTERNAL)).country is None

    @pytest.mark.parametrize("claims", [
        {"sub": "x", "role": "ministry", "programme_ids": ["not-a-uuid"]},
        {"sub": "x", "role": "ministry", "programme_ids": {"a": 1}},
        {"sub": "x", "role": "employer", "employer_id": 7},
        {"sub": "", "role": "ministry"}])
    def test_malformed_values_are_invalid_tokens(self, claims: dict[str, Any]) -> None:
        with pytest.raises(InvalidToken):
            principal_of(claims, issuer=TrustedIssuer(issuer=EXTERNAL))

    async def test_through_the_verifier(self) -> None:
        provider, clock = Provider(), Clock()
        kid = provider.add("rsa")
        trusting = verifier(provider, clock, **KEYCLOAK)
        token = provider.token(kid, "RS256", realm_access={"roles": ["pathways-ministry"]})
        assert (await trusting.verify(token)).role == "ministry"
        unmapped = provider.token(kid, "RS256", realm_access={"roles": ["auditor"]})
        with pytest.raises(Forbidden):
            await trusting.verify(unmapped)


class TestSettings:
    def test_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AUTH_TRUSTED_ISSUERS", json.dumps([{
            "issuer": EXTERNAL, "audience": "pathways", "algorithms": ["RS256", "ES256"],
            "refresh_seconds": 60, **KEYCLOAK}]))
        [issuer] = TrustedIssuersSettings().auth_trusted_issuers
        assert issuer.claims.role == "realm_access.roles" and issuer.refresh_seconds == 60
        assert issuer.keys_url() == f"{EXTERNAL}/.well-known/openid-configuration"
        monkeypatch.setenv("AUTH_TRUSTED_ISSUERS", "")
        assert TrustedIssuersSettings().auth_trusted_issuers == []
        monkeypatch.delenv("AUTH_TRUSTED_ISSUERS")
        assert TrustedIssuersSettings().auth_trusted_issuers == []

    @pytest.mark.parametrize("entry", [
        {"issuer": EXTERNAL, "roles": {"boss": "emperor"}},
        {"issuer": EXTERNAL, "algorithms": ["HS256"]},
        {"issuer": EXTERNAL, "algorithms": []},
        {"issuer": EXTERNAL, "jwks_url": "https://a/jwks", "discovery_url": "https://a/d"},
        {"issuer": f"{EXTERNAL}#x"},
        {"issuer": "sso.example.org"},
        {"issuer": EXTERNAL, "claims": {"rol": "role"}},
        {"issuer": EXTERNAL, "fixed": {"candidate_id": str(uuid.uuid4())}},
        {"issuer": EXTERNAL, "refresh_seconds": 0}])
    def test_mistakes_are_refused(self, entry: dict[str, Any],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AUTH_TRUSTED_ISSUERS", json.dumps([entry]))
        with pytest.raises(ValidationError):
            TrustedIssuersSettings()


    def test_the_gateway_reads_the_same_setting(self, monkeypatch: pytest.MonkeyPatch) -> None:
        upstreams = {"candidates": "http://a", "placements": "http://b",
                     "reintegration": "http://c"}
        monkeypatch.setenv("AUTH_TRUSTED_ISSUERS", json.dumps([{"issuer": EXTERNAL}]))
        settings = GatewaySettings(upstreams=upstreams, database_url="postgresql://x@y/z")
        assert [t.issuer for t in settings.trusted_issuers] == [EXTERNAL]
        # Its own issuer, or one issuer twice, is a mistake.
        monkeypatch.setenv("GATEWAY_ISSUER", BUILT_IN)
        for issuers in ([{"issuer": BUILT_IN}], [{"issuer": EXTERNAL}, {"issuer": EXTERNAL}]):
            monkeypatch.setenv("AUTH_TRUSTED_ISSUERS", json.dumps(issuers))
            with pytest.raises(ValidationError, match="own issuer, or one issuer twice"):
                GatewaySettings(upstreams=upstreams, database_url="postgresql://x@y/z")


class TestKeyRefresh:
    async def test_a_withdrawn_key_is_refused_within_refresh_seconds(self) -> None:
        provider, clock = Provider(), Clock()
        old = provider.add("ec")
        trusting = verifier(provider, clock, refresh_seconds=60)
        token = provider.token(old, "ES256", role="ministry")
        assert (await trusting.verify(token)).role == "ministry"
        provider.withdraw(old)
        provider.add("ec")
        clock.now += 59  # not read again yet: the verified token is still good
        assert (await trusting.verify(token)).role == "ministry"
        clock.now += 1
        with pytest.raises(InvalidToken, match="not signed by a key of this issuer"):
            await trusting.verify(token)  # the cached one: dropped with its key
        with pytest.raises(InvalidToken):
            await trusting.verify(provider.token(old, "ES256", role="ministry"))

    async def test_unknown_kid_reads_again_at_most_every_min_interval(self) -> None:
        provider, clock = Provider(), Clock()
        provider.add("rsa")
        trusting = verifier(provider, clock)
        first = provider.add("rsa")  # a rotation: published after the first read
        assert (await trusting.verify(provider.token(first, "RS256", role="ministry"))).role
        loads = provider.loads
        for _ in range(5):  # made-up kids do not make it read again and again
            with pytest.raises(InvalidToken, match="not signed by a key of this issuer"):
                await trusting.verify(jwt.encode(
                    {"iss": EXTERNAL}, provider.private[first], algorithm="RS256",
                    headers={"kid": uuid.uuid4().hex}))
        assert provider.loads == loads
        clock.now += 5
        second = provider.add("rsa")
        assert (await trusting.verify(provider.token(second, "RS256", role="ministry"))).role

    async def test_keys_that_cannot_be_read_keep_the_last_known(self) -> None:
        provider, clock = Provider(), Clock()
        kid = provider.add("rsa")
        failing = False

        async def load() -> dict[str, Any]:
            if failing:
                raise httpx.ConnectError("down")
            return await provider.load()

        keys = StaticKeySource(load, refresh_seconds=60, clock=clock)
        assert await keys.key(kid) is not None
        failing = True
        clock.now += 120
        assert await keys.key(kid) is not None  # kept, and the failure did not escape

    async def test_discovery_must_name_the_issuer(self) -> None:
        provider = Provider()
        kid = provider.add("rsa")
        named = {"value": EXTERNAL}

        def serve(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/openid-configuration"):
                return httpx.Response(200, json={"issuer": named["value"],
                                                 "jwks_uri": "https://sso.example.org/jwks"})
            return httpx.Response(200, json={"keys": provider.published})

        # A stand-in for the provider's two documents.
        client = httpx.AsyncClient(transport=httpx.MockTransport(serve))
        keys = discovery_key_source(f"{EXTERNAL}/.well-known/openid-configuration",
                                    issuer=EXTERNAL, client=client)
        assert await keys.key(kid) is not None
        named["value"] = "https://impostor.example"
        impostor = discovery_key_source(f"{EXTERNAL}/.well-known/openid-configuration",
                                        issuer=EXTERNAL, client=client)
        assert await impostor.key(kid) is None
        await client.aclose()
