"""A person signs up as a candidate: their account at the gateway, their profile in candidates.

One gateway transaction: the account is created, a short-lived token for it asks the candidates
service to create the profile, and the account is linked to that profile before the commit. A
profile the candidates service refuses rolls the account back and its problem is answered as it
is. Whether the e-mail was already registered (here, or in candidates) is never told: those
answers are the same 202 as a sign-up that worked, and a registered e-mail's profile is still
checked by the candidates service (``validate_only``), so that a profile it refuses is refused
alike either way. The person then signs in with the password
grant; that token carries their ``candidate_id``.
"""

import logging
import uuid
from typing import Any

import aiohttp
import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway import identity
from gateway.overview import UpstreamFailed
from gateway.proxy import Proxy
from gateway.ratelimit import RateLimiterUnavailable
from gateway.schemas import SignUp, SignUpReceived
from gateway.settings import Settings
from shared.auth import Principal
from shared.db import SessionDep
from shared.errors import PROBLEM_MEDIA_TYPE, Problem, problem_response, problem_type, responses
from shared.i18n import N_, _, available, current_language, translate
from shared.logs import request_id_var
from shared.responses import json_response

log = logging.getLogger("pathways.gateway.signup")
router = APIRouter(tags=["auth"])

# The token the gateway asks the candidates service with, in the new person's name.
SIGNUP_TOKEN_SECONDS = 60
RECEIVED = N_("If this e-mail was not registered yet, the account and profile are made: sign "
              "in with your e-mail and password at POST /v1/auth/token (grant_type=password).")


def _received() -> Response:
    return json_response(SignUpReceived(detail=translate(RECEIVED)), status_code=202)


_RESPONSES: dict[int | str, dict[str, Any]] = {
    **responses(UpstreamFailed),
    429: {"model": Problem, "description": "Too many sign-ups from this address",
          "content": {PROBLEM_MEDIA_TYPE: {}}},
}


@router.post("/v1/auth/signup", status_code=202, response_model=SignUpReceived,
             responses=_RESPONSES, openapi_extra={"security": []})
async def sign_up(data: SignUp, request: Request, session: SessionDep) -> Response:
    """Sign up as a candidate (no token needed): an account with ``email`` and ``password``, and
    a candidate profile (``profile``: the fields of ``POST /v1/candidates`` but ``email``).

    Answers 202 whether or not the e-mail was already registered, so that nobody learns who
    has an account; then sign in with the password grant to get a token carrying your
    ``candidate_id``. A profile the candidates service refuses is answered with its 422
    problem (whether or not the e-mail is registered), and nothing is created. Limited per
    client address.
    """
    settings: Settings = request.app.state.settings
    address = request.client.host if request.client else "-"
    try:
        wait = await request.app.state.signup_limiter.hit(f"signup:{address}")
    except RateLimiterUnavailable as exc:  # fails closed, as the gateway's limiter does
        return problem_response({"type": problem_type("rate-limiter-unavailable"),
                                 "title": _("Rate limiter unavailable"), "status": 503,
                                 "detail": _("Sign-ups cannot be counted right now: retry in "
                                             "{seconds} s.", seconds=exc.retry_after)},
                                headers={"retry-after": str(exc.retry_after)})
    if wait is not None:
        return problem_response({"type": problem_type("rate-limited"),
                                 "title": _("Too many requests"), "status": 429,
                                 "detail": _("Too many sign-ups: retry in {seconds:.0f} s.",
                                             seconds=wait)},
                                headers={"retry-after": f"{wait:.0f}"})
    email = data.email.strip().lower()
    profile = {**data.profile, "email": email}
    if await identity.email_registered(session, email=email):
        # As for a new e-mail, the password is hashed and the profile checked by the candidates
        # service (nothing made): a profile it refuses is refused alike, a good one gets the
        # same 202, and the time taken is alike too.
        await identity.hash_secret(data.password)
        status, body = await _create_profile(request, settings, subject=str(uuid.uuid4()),
                                             profile=profile, validate_only=True)
        return _received() if status == 204 else _refused(status, body)
    try:
        # Saved as the person asked, else as the sign-up's Accept-Language does (when it names
        # one of the API's languages; an unknown one saves none).
        language = data.language or available(request.headers.get("accept-language"))
        account = await identity.create_account(session, email=email, password=data.password,
                                                role="candidate", language=language)
    except identity.AccountExists:  # registered a moment ago by a concurrent request
        return _received()
    status, body = await _create_profile(request, settings, subject=str(account.id),
                                         profile=profile)
    if status == 201:
        account.candidate_id = uuid.UUID(orjson.loads(body)["id"])
        await session.flush()
        return _received()
    # Nothing of the person is kept: the account goes with the refused profile.
    await session.rollback()
    if status == 409:  # the e-mail has a profile already (made by an officer, an import…)
        return _received()
    return _refused(status, body)


def _refused(status: int, body: bytes) -> Response:
    """The candidates service's 4xx problem as it is; anything else is its failure."""
    if 400 <= status < 500:
        try:
            return problem_response(orjson.loads(body))
        except (orjson.JSONDecodeError, KeyError, TypeError):
            pass
    log.warning("sign-up: the candidates service answered %s", status)
    raise UpstreamFailed(_("The candidates service could not take the profile; try again later."),
                         service="candidates")


async def _create_profile(request: Request, settings: Settings, *, subject: str,
                          profile: dict[str, object],
                          validate_only: bool = False) -> tuple[int, bytes]:
    """``POST /v1/candidates`` in the new person's name (the account ``subject``); its status
    and body. With ``validate_only`` the profile is only checked (204)."""
    proxy: Proxy = request.app.state.proxy
    # The key this replica signs with; a key rotated since stays published until its tokens
    # expire, so the candidates service accepts it either way.
    key = request.app.state.signing_key
    token = identity.issue_token(
        Principal(subject=subject, role="candidate"), key=key,
        issuer=settings.issuer, audience=settings.audience, ttl_seconds=SIGNUP_TOKEN_SECONDS)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Accept": "application/json", "X-Request-ID": request_id_var.get(),
               # its refusal, relayed as it is, in the sign-up's language
               "Accept-Language": current_language()}
    try:
        url = f"{proxy.upstreams.base('candidates')}/v1/candidates"
        async with proxy.session.post(url, data=orjson.dumps(profile), headers=headers,
                                      params={"validate_only": "true"} if validate_only else None,
                                      ) as response:
            return response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UpstreamFailed(_("The candidates service could not be reached."),
                             service="candidates") from exc
