"""Errors of the credentials domain: proof-of-skills credentials and their revocation."""

from shared.errors import Conflict, NotFound


class CredentialNotFound(NotFound):
    """No credential was issued for the placement yet (its returnee has not downloaded it)."""

    slug, title = "credential-not-found", "Credential not found"


class CredentialRevoked(Conflict):
    """The placement's credential was revoked: it is not handed out again, nor revoked twice.
    Names when (``revoked_at``); the reason is for the programme, not for the problem body."""

    slug, title = "credential-revoked", "Credential revoked"


class StatusListNotFound(NotFound):
    """No credential has its revocation bit in this status list."""

    slug, title = "status-list-not-found", "Status list not found"
