"""Secrets sealed at rest (envelope encryption) and keyed digests of personal identifiers.

**Sealing.** Each secret (a partner's webhook secret, a token signing key's private PEM) is
encrypted with a data key of its own, random, by AES-256-GCM; the data key is wrapped (RFC 3394
AES key wrap) by a key-encryption key from the keyring in settings. What is stored is one
self-describing string::

    sealed.v1.<key id>.<wrapped data key>.<nonce>.<ciphertext>      (base64url, no padding)

The keyring is ``SEALING_KEYS``, a JSON object of key id -> base64 32-byte key, and
``SEALING_KEY_ID`` names the one new values are sealed with (it may be left out when there is
only one key). Rotation without downtime: add a new key and make it current while the old one
is still listed (every value unseals, new ones use the new key), run ``pathways reseal`` (it
rewraps every sealed value with the current key; the data keys and ciphertexts stay), then
remove the old key. A value whose key is not in the keyring fails loudly, naming the key id.
Values stored before sealing (plain text) are still read, and sealed by the next reseal.

**Digests.** Unique constraints on e-mail addresses are on an HMAC-SHA256 of the normalised
address keyed by ``DIGEST_KEY`` (base64, 32 bytes or more), so a violation logged by the
database names a digest, never the address. It is its own setting, not derived from the
keyring: a digest must not change when the sealing key rotates.

There is no default key: a service, the gateway or a command that needs one and finds none
refuses to start (:class:`MissingKey`). ``make dev`` generates keys for the
development database once (``launcher.keys``), the test rigs generate theirs, and deployments
take them from their secrets.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

PREFIX = "sealed.v1."
KEY_BYTES = 32
_NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Bound into every ciphertext, so that a value sealed by another scheme or version never opens.
_AAD = b"pathways-sealed-v1"

SEALING_KEYS, SEALING_KEY_ID, DIGEST_KEY = "SEALING_KEYS", "SEALING_KEY_ID", "DIGEST_KEY"


class MissingKey(RuntimeError):
    """A key is not set, or not usable: the process refuses to go on (the settings of a
    service turn it into :class:`shared.settings.MissingSetting`)."""


class SealingError(RuntimeError):
    """A sealed value cannot be opened. The message names the key id, never the secret."""


class UnknownSealingKey(SealingError):
    """The value was sealed with a key that is not in the keyring."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"A value is sealed with key {key_id!r}, which is not in {SEALING_KEYS}: put that "
            f"key back in the keyring (then run `pathways reseal` before removing it).")
        self.key_id = key_id


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_sealed(value: str) -> bool:
    """Whether ``value`` is a sealed string (else it is a plain value from before sealing)."""
    return value.startswith(PREFIX)


def key_id_of(value: str) -> str | None:
    """The id of the key ``value`` is sealed with; None for a plain value."""
    return value[len(PREFIX):].split(".", 1)[0] if is_sealed(value) else None


@dataclass(frozen=True, slots=True)
class Keyring:
    """Key-encryption keys by id, and the id of the current one."""

    keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise MissingKey(f"{SEALING_KEY_ID} {self.current!r} is not in {SEALING_KEYS}.")
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise MissingKey(f"{SEALING_KEYS}: key ids are letters, digits, - and _ "
                                     f"(at most 64); {key_id!r} is not.")
            if len(key) != KEY_BYTES:
                raise MissingKey(f"{SEALING_KEYS}: key {key_id!r} must be {KEY_BYTES} "
                                     "bytes (base64-encoded).")

    def seal(self, plaintext: str) -> str:
        """``plaintext`` encrypted under a new data key wrapped by the current key."""
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _AAD)
        wrapped = aes_key_wrap(self.keys[self.current], data_key)
        return PREFIX + ".".join((self.current, _b64(wrapped), _b64(nonce), _b64(ciphertext)))

    def _parts(self, value: str) -> tuple[str, bytes, bytes, bytes]:
        parts = value[len(PREFIX):].split(".")
        if len(parts) != 4:
            raise SealingError("A sealed value is malformed.")
        key_id, wrapped, nonce, ciphertext = parts
        try:
            return key_id, _unb64(wrapped), _unb64(nonce), _unb64(ciphertext)
        except (binascii.Error, ValueError):
            raise SealingError(f"A value sealed with key {key_id!r} is malformed.") from None

    def _data_key(self, key_id: str, wrapped: bytes) -> bytes:
        kek = self.keys.get(key_id)
        if kek is None:
            raise UnknownSealingKey(key_id)
        try:
            return aes_key_unwrap(kek, wrapped)
        except InvalidUnwrap:
            raise SealingError(f"A value sealed with key {key_id!r} does not open with that "
                               "key: the key or the value was changed.") from None

    def unseal(self, value: str) -> str:
        """The plaintext of a sealed ``value``; a plain value (stored before sealing) as is."""
        if not is_sealed(value):
            return value
        key_id, wrapped, nonce, ciphertext = self._parts(value)
        data_key = self._data_key(key_id, wrapped)
        try:
            return AESGCM(data_key).decrypt(nonce, ciphertext, _AAD).decode()
        except InvalidTag:
            raise SealingError(f"A value sealed with key {key_id!r} was altered.") from None

    def resealed(self, value: str) -> str | None:
        """``value`` rewrapped with the current key (a plain one sealed); None when it already
        is. The data key and ciphertext of a sealed value stay: only the wrapping changes."""
        if not is_sealed(value):
            return self.seal(value)
        key_id, wrapped, nonce, ciphertext = self._parts(value)
        if key_id == self.current:
            return None
        data_key = self._data_key(key_id, wrapped)
        AESGCM(data_key).decrypt(nonce, ciphertext, _AAD)  # refuse to rewrap an altered value
        rewrapped = aes_key_wrap(self.keys[self.current], data_key)
        return PREFIX + ".".join((self.current, _b64(rewrapped), _b64(nonce), _b64(ciphertext)))


@dataclass(frozen=True, slots=True)
class DigestKey:
    """The key of the digests that unique constraints on personal identifiers are on."""

    key: bytes

    def digest(self, normalised: str) -> str:
        """HMAC-SHA256 of an already normalised value, in hex."""
        return hmac.new(self.key, normalised.encode(), hashlib.sha256).hexdigest()

    def email(self, email: str) -> str:
        """The digest of an e-mail address, normalised (trimmed, lower-cased) first."""
        return self.digest(normalised_email(email))


def normalised_email(email: str) -> str:
    """An e-mail as unique constraints compare it: trimmed, lower-cased."""
    return email.strip().lower()


@dataclass(frozen=True, slots=True)
class Keys:
    """What settings hold: the sealing keyring and the digest key."""

    keyring: Keyring
    digests: DigestKey


def _decode_key(name: str, text: str, *, minimum: int) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MissingKey(f"{name} is not valid base64.") from None
    if len(key) < minimum:
        raise MissingKey(f"{name} must decode to at least {minimum} bytes.")
    return key


def parse_keyring(keys_json: str | None, current: str | None) -> Keyring:
    """The keyring from ``SEALING_KEYS`` (JSON) and ``SEALING_KEY_ID``; MissingKey when
    absent or unusable."""
    if not keys_json or not keys_json.strip():
        raise MissingKey(
            f"No sealing key: set {SEALING_KEYS} to a JSON object of key id -> base64 32-byte "
            f"key, e.g. '{{\"k1\": \"<python -c 'import os,base64;print(base64.b64encode("
            f"os.urandom(32)).decode())'>\"}}' (and {SEALING_KEY_ID} when it holds several). "
            "`make dev` and the test rigs make their own; there is no default.")
    try:
        raw = orjson.loads(keys_json)
    except orjson.JSONDecodeError:
        raise MissingKey(f"{SEALING_KEYS} is not valid JSON.") from None
    if not isinstance(raw, dict) or not raw or \
            not all(isinstance(v, str) for v in raw.values()):
        raise MissingKey(f"{SEALING_KEYS} must be a non-empty JSON object of key id -> "
                             "base64 key.")
    keys = {k: _decode_key(f"{SEALING_KEYS}[{k!r}]", v, minimum=KEY_BYTES)
            for k, v in raw.items()}
    if not current:
        if len(keys) > 1:
            raise MissingKey(f"{SEALING_KEYS} holds several keys: set {SEALING_KEY_ID} to "
                                 "the one new values are sealed with.")
        current = next(iter(keys))
    return Keyring(keys=keys, current=current)


def parse_digest_key(text: str | None) -> DigestKey:
    """The digest key from ``DIGEST_KEY``; MissingKey when absent or short."""
    if not text or not text.strip():
        raise MissingKey(f"No digest key: set {DIGEST_KEY} (base64, at least 32 bytes). "
                             "It must never change once data is stored; there is no default.")
    return DigestKey(_decode_key(DIGEST_KEY, text, minimum=KEY_BYTES))


def load_keyring(environ: Mapping[str, str] | None = None) -> Keyring:
    """The keyring from ``environ`` (the process environment by default)."""
    env = os.environ if environ is None else environ
    return parse_keyring(env.get(SEALING_KEYS), env.get(SEALING_KEY_ID))


def load_digest_key(environ: Mapping[str, str] | None = None) -> DigestKey:
    """The digest key from ``environ`` (the process environment by default)."""
    env = os.environ if environ is None else environ
    return parse_digest_key(env.get(DIGEST_KEY))


def load(environ: Mapping[str, str] | None = None) -> Keys:
    """The keys from ``environ`` (the process environment by default)."""
    return Keys(keyring=load_keyring(environ), digests=load_digest_key(environ))


@functools.cache
def keys() -> Keys:
    """This process's keys, read from the environment once (MissingKey without them)."""
    return load()


def reload() -> Keys:
    """Read the keys from the environment again (after it changed: tests, a rotation)."""
    keys.cache_clear()
    return keys()


def seal(plaintext: str) -> str:
    """``plaintext`` sealed with this process's current key."""
    return keys().keyring.seal(plaintext)


def unseal(value: str) -> str:
    """The plaintext of ``value`` (sealed or, from before sealing, plain)."""
    return keys().keyring.unseal(value)


def email_digest(email: str) -> str:
    """The keyed digest of an e-mail address (normalised first), as unique indexes hold it."""
    return keys().digests.email(email)


def generate_key() -> str:
    """A new random 32-byte key, base64: for ``SEALING_KEYS`` or ``DIGEST_KEY``."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def generated_environment(key_id: str = "k1") -> dict[str, str]:
    """Fresh keys as environment variables: a one-key keyring and a digest key."""
    return {SEALING_KEYS: orjson.dumps({key_id: generate_key()}).decode(),
            SEALING_KEY_ID: key_id, DIGEST_KEY: generate_key()}
