"""Asymmetric signing keys as Pathways makes and keeps them: the gateway's token keys and the
placements service's credential keys alike.

A key is made here (RS256: RSA 2048, or EdDSA: Ed25519), kept as a private PEM sealed with
:mod:`shared.sealing` and published as a public JWK carrying its ``kid``, ``alg`` and
``use: sig`` (what :mod:`shared.jwks` reads back).
"""

import uuid
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

from shared import sealing

ALGORITHMS: tuple[str, ...] = ("RS256", "EdDSA")


def generate_key(algorithm: str) -> tuple[str, str, dict[str, Any]]:
    """A new keypair: its kid, private key PEM (plain) and public JWK."""
    kid = uuid.uuid4().hex
    if algorithm == "EdDSA":
        private: Any = ed25519.Ed25519PrivateKey.generate()
        public_jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return kid, pem, {**public_jwk, "kid": kid, "alg": algorithm, "use": "sig"}


def private_key(stored_pem: str) -> Any:
    """The private key of a stored PEM, sealed or (from before sealing) plain."""
    pem = sealing.unseal(stored_pem)
    return serialization.load_pem_private_key(pem.encode(), password=None)
