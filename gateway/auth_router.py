"""The issuer's endpoints: tokens, the JWKS, discovery, and admin creation of principals."""

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from gateway import identity
from gateway.admin_router import account_out, client_out
from gateway.schemas import (
    AccountCreate,
    AccountOut,
    ClientCreate,
    ClientCreated,
    LanguageChoice,
    TokenOut,
)
from gateway.settings import Settings
from gateway.throttle import LoginThrottle
from shared.auth import Forbidden, InvalidToken, Principal, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.errors import PROBLEM_MEDIA_TYPE, Problem, problem_response, problem_type, responses
from shared.i18n import _, translate
from shared.responses import json_response
from shared.text import MESSAGE as NUL_MESSAGE
from shared.text import NUL

router = APIRouter(tags=["auth"])
AdminDep = Annotated[Principal, Depends(require_roles("admin"))]


def _oauth_error(status: int, error: str, detail: str) -> Response:
    # RFC 6749 section 5.2 wants ``error``; the rest is the usual problem document.
    headers = {"cache-control": "no-store"}
    if status == 401:
        headers["www-authenticate"] = 'Basic realm="pathways"'
    return problem_response({"type": problem_type(f"oauth-{error.replace('_', '-')}"),
                             "title": _("Token request refused"), "status": status,
                             "detail": detail, "error": error}, headers=headers)


def _holds_nul(*values: str) -> bool:
    # Looked up in PostgreSQL, which cannot hold a NUL: refused first, as malformed.
    return any(NUL in value for value in values)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote(client_id), unquote(secret)) if sep else None


def _oauth_example(status: int, error: str, detail: str, explanation: str) -> dict[str, Any]:
    slug = f"oauth-{error.replace('_', '-')}"
    return {slug: {"summary": error, "description": explanation, "value": {
        "type": problem_type(slug), "title": "Token request refused", "status": status,
        "detail": detail, "error": error}}}


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "invalid_request, invalid_grant or "
          "unsupported_grant_type", "content": {PROBLEM_MEDIA_TYPE: {"examples": {
              **_oauth_example(400, "invalid_request", "Send username and password.",
                               "A token request without the fields its grant needs."),
              **_oauth_example(400, "invalid_grant", "Wrong e-mail or password.",
                               "The e-mail and password do not match an enabled account."),
              **_oauth_example(400, "unsupported_grant_type",
                               "grant_type must be password or client_credentials.",
                               "A grant type other than password and client_credentials.")}}}},
    401: {"model": Problem, "description": "invalid_client",
          "content": {PROBLEM_MEDIA_TYPE: {"examples": _oauth_example(
              401, "invalid_client", "Unknown client or wrong secret.",
              "The client id and secret do not match an enabled machine client.")}}},
    429: {"model": Problem, "description": "Too many failed attempts for this account "
          "or from this address: wait `Retry-After` seconds",
          "content": {PROBLEM_MEDIA_TYPE: {"examples": {"login-throttled": {
              "summary": "Too many failed sign-ins",
              "description": "Too many failed sign-ins for one account or from one address "
                             "within the window: sign-ins wait, longer at each further lock.",
              "value": {"type": problem_type("login-throttled"),
                        "title": "Too many failed sign-ins", "status": 429,
                        "detail": "Too many failed attempts: retry in 5 s."}}}}}}}


def _throttled(wait: int) -> Response:
    return problem_response({"type": problem_type("login-throttled"),
                             "title": _("Too many failed sign-ins"), "status": 429,
                             "detail": _("Too many failed attempts: retry in {wait} s.",
                                         wait=wait)},
                            headers={"retry-after": str(wait), "cache-control": "no-store"})


@router.post("/v1/auth/token", response_model=TokenOut, responses=_ERRORS,
             openapi_extra={"security": []})
async def token(
    request: Request, session: SessionDep,
    grant_type: Annotated[str | None, Form()] = None,
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form()] = None,
) -> Response:
    """Get an access token (OAuth2, form-encoded): ``grant_type=password`` with ``username``
    (the e-mail) and ``password`` for people; ``grant_type=client_credentials`` with
    ``client_id`` and ``client_secret`` (in the form or HTTP Basic) for machine clients.

    The token carries the principal's links as they are now: after an admin changes them, or
    after an officer opens a programme, ask for a new token to carry them. Repeated failures
    for one account or from one address answer 429 with ``Retry-After`` for a while."""
    settings: Settings = request.app.state.settings
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "-"
    if grant_type == "password":
        if not username or not password:
            return _oauth_error(400, "invalid_request", _("Send username and password."))
        if _holds_nul(username, password):
            return _oauth_error(400, "invalid_request", translate(NUL_MESSAGE))
        account = username.strip().lower()
        if (wait := await throttle.wait(account=account, address=address)) is not None:
            return _throttled(wait)
        principal = await identity.authenticate_account(session, email=username,
                                                        password=password)
        if principal is None:
            await throttle.failed(account=account, address=address)
            return _oauth_error(400, "invalid_grant", _("Wrong e-mail or password."))
    elif grant_type == "client_credentials":
        basic = _basic_credentials(request.headers.get("authorization"))
        if basic is not None:
            client_id, client_secret = basic
        if not client_id or not client_secret:
            return _oauth_error(401, "invalid_client", _("Send client_id and client_secret."))
        if _holds_nul(client_id, client_secret):
            return _oauth_error(400, "invalid_request", translate(NUL_MESSAGE))
        account = identity.client_subject(client_id)
        if (wait := await throttle.wait(account=account, address=address)) is not None:
            return _throttled(wait)
        principal = await identity.authenticate_client(session, client_id=client_id,
                                                       secret=client_secret)
        if principal is None:
            await throttle.failed(account=account, address=address)
            return _oauth_error(401, "invalid_client", _("Unknown client or wrong secret."))
    else:
        return _oauth_error(400, "unsupported_grant_type",
                            _("grant_type must be password or client_credentials."))
    await throttle.succeeded(account=account)
    await identity.wait_past_revocation(session, subject=principal.subject,
                                        revocations=request.app.state.token_verifier.revocations)
    # Asked at every issue (one indexed read beside an argon2 check) so that a key rotated by
    # the CLI or another replica is used at once, before the old one leaves the JWKS.
    key = await identity.current_signing_key(session, cached=request.app.state.signing_key)
    if key is not request.app.state.signing_key:
        request.app.state.signing_key = key
        await request.app.state.token_verifier.keys.refresh()  # know the key it signs with
    access_token = identity.issue_token(
        principal, key=key, issuer=settings.issuer,
        audience=settings.audience, ttl_seconds=settings.token_ttl_seconds)
    response = json_response(TokenOut(access_token=access_token,
                                      expires_in=settings.token_ttl_seconds))
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/.well-known/jwks.json", openapi_extra={"security": []})
async def jwks(request: Request, session: SessionDep) -> dict[str, Any]:
    """The public keys tokens are signed with (current and recently rotated-out)."""
    settings: Settings = request.app.state.settings
    return await identity.published_keys(session, token_ttl_seconds=settings.token_ttl_seconds)


# The claims of the built-in issuer's tokens (shared.auth.Principal.claims and issue_token).
CLAIMS_SUPPORTED = ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "role", "programme_ids",
                    "candidate_id", "employer_id", "institution_id", "country", "client_id",
                    "locale"]


@router.get("/.well-known/openid-configuration", openapi_extra={"security": []})
async def openid_configuration(request: Request) -> dict[str, Any]:
    """Where the issuer's keys and token endpoint are (OpenID Connect Discovery 1.0).

    The issuer has a token endpoint only, no authorization endpoint (people sign in with the
    password grant, machines with client credentials): so no ``authorization_endpoint`` and
    no response type, as OAuth 2.0 Authorization Server Metadata (RFC 8414) allows. Its
    subjects are public: the same for every client."""
    settings: Settings = request.app.state.settings
    issuer = settings.issuer.rstrip("/")
    return {
        "issuer": settings.issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "token_endpoint": f"{issuer}/v1/auth/token",
        "grant_types_supported": ["password", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "response_types_supported": [],
        "subject_types_supported": ["public"],
        # Discovery wants RS256 listed always; the configured algorithm signs new tokens.
        "id_token_signing_alg_values_supported": sorted({"RS256", settings.signing_algorithm}),
        "claims_supported": CLAIMS_SUPPORTED,
    }


@router.post("/v1/admin/accounts", status_code=201, response_model=AccountOut, tags=["admin"],
             responses=responses(identity.AccountExists, identity.LinksInvalid, InvalidToken,
                                 Forbidden))
async def create_account(data: AccountCreate, session: SessionDep, admin: AdminDep) -> Response:
    """Create a person's account (admins only). A role needs its link: an employer its
    ``employer_id``, an institution its ``institution_id``, a visa authority its ``country``;
    an officer may start with no programme (they open their own)."""
    row = await identity.create_account(session, **data.model_dump())
    return json_response(account_out(row), status_code=201,
                         location=f"/v1/admin/accounts/{row.id}")


@router.post("/v1/admin/clients", status_code=201, response_model=ClientCreated, tags=["admin"],
             responses=responses(identity.LinksInvalid, InvalidToken, Forbidden))
async def create_client(data: ClientCreate, session: SessionDep, admin: AdminDep) -> Response:
    """Create a machine client (admins only); its secret is in this answer and nowhere else."""
    row, secret = await identity.create_client(session, **data.model_dump())
    return json_response(ClientCreated(client_secret=secret, **client_out(row).model_dump()),
                         status_code=201, location=f"/v1/admin/clients/{row.client_id}")


@router.put("/v1/auth/me/language", response_model=LanguageChoice,
            responses=responses(identity.AccountNotFound, InvalidToken, Forbidden))
async def set_language(data: LanguageChoice, session: SessionDep,
                       principal: PrincipalDep) -> Response:
    """Save the signed-in account's language (`en`, `fr`, `ar`, or `null` for none): the API
    answers the account in it whenever a request sends no `Accept-Language`. Tokens carry it
    as their `locale` claim, so it applies to the tokens issued from now on: get a new one
    (`POST /v1/auth/token`). Only an account of this gateway has one (404 otherwise)."""
    row = await identity.set_language(session, subject=principal.subject,
                                      language=data.language)
    return json_response(LanguageChoice(language=row.language))
