"""The candidates service's matching-profile export, as matching runs read it over HTTP, and
the client placements asks the candidates service with (profiles, programmes, visa identities).

``GET {candidates}/v1/programmes/{id}/matching-profiles`` streams one JSON profile per line
(NDJSON) of the programme's selected candidates. This module keeps its own copy of the lines'
format (:class:`MatchingProfile`, only the fields matching uses; services never import each
other) and turns every way the call can go wrong into a :class:`RunFailure` with a stable
reason, so that a run fails with an explanation instead of an error reaching anyone.

The client lives in ``app.state.candidates_client``; tests put one on an in-process candidates
app there (``httpx.ASGITransport``).
"""

import asyncio
import gc
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from services.placements.matching.exceptions import RunFailure
from services.placements.matching.fairness import Groups
from services.placements.matching.inputs import CandidateProfile
from services.placements.placements.exceptions import CandidatesUnavailable
from services.placements.programme_rules import ProgrammeRules
from shared import esco
from shared.consent_states import ConsentsUnanswered, consent_states
from shared.events.signed_calls import SignedCaller
from shared.i18n import _
from shared.logs import request_id_var


class _Line(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Skill(_Line):
    uri: str | None = None
    label: str | None = None


class Language(_Line):
    language: str
    level: str


class Education(_Line):
    level: str
    field: str | None = None
    year: int | None = None


class MatchingProfile(_Line):
    """One line of the export (the fields matching uses; others are ignored).

    ``gender``, ``nationality`` and ``age_band`` never reach a score: :meth:`as_input` passes
    gender (for the optional minimum share per gender) and nationality (for the vacancies'
    eligible nationalities, a hard legal condition) to the engine, and the age band not at
    all; the three are counted for the run's fairness report (:meth:`groups`).
    """

    candidate_id: uuid.UUID
    gender: str
    nationality: str
    skill_keys: list[str]
    skills: list[Skill]
    languages: list[Language]
    education: list[Education]
    preferred_sectors: list[str]
    preferred_countries: list[str]
    available_from_date: date | None = None
    available_until_date: date | None = None
    # Absent from an export made before the candidates service sent it: unknown.
    age_band: str | None = None

    def groups(self) -> Groups:
        """The candidate's groups in the fairness report."""
        return Groups(gender=self.gender, nationality=self.nationality, age_band=self.age_band)

    def as_input(self) -> CandidateProfile:
        """The engine's view of this candidate: their ESCO skills count with every broader
        skill (ESCO's hierarchy), so a requirement for "computer programming" is met by
        "Python"; each concept's ancestors are computed once per process, not per pair."""
        return CandidateProfile(
            candidate_id=self.candidate_id, gender=self.gender, nationality=self.nationality,
            skill_keys=esco.classification().with_broader(self.skill_keys),
            languages=[(x.language, x.level) for x in self.languages],
            education=[(e.level, e.field) for e in self.education],
            preferred_sectors=self.preferred_sectors,
            preferred_countries=self.preferred_countries,
            available_from_date=self.available_from_date,
            available_until_date=self.available_until_date)

    def snapshot(self) -> dict[str, object]:
        """What an employer may see of the candidate: skills, languages, education only."""
        return {"skills": [{"uri": s.uri, "label": s.label} for s in self.skills],
                "languages": [{"language": x.language, "level": x.level}
                              for x in self.languages],
                "education": [{"level": e.level, "field": e.field, "year": e.year}
                              for e in self.education]}


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a run builds its objects in bulk.

    Building 10,000 profiles (or the proposals of 5,000 pairs) allocates hundreds of thousands
    of containers, which triggers full collections over the whole heap again and again: 2.2 s
    of 2.5 s when validating the profiles, ~1.3 s of a run's matching step. Reference counting
    still frees everything meanwhile; only cycles wait for the collector, turned on again at
    the end (by whichever paused it first, when runs overlap).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Profiles(list[MatchingProfile]):
    """The profiles of an export, and how many people it left out because a consent matching
    needs is not in force (its ``Pathways-Left-Out-For-Consent`` header)."""

    left_out_for_consent: int = 0


# The export's lines are validated in batches of about this many bytes (~1,000 profiles).
PARSE_BATCH_BYTES = 1 << 20
# The export's count of the people it left out for want of consent.
LEFT_OUT_HEADER = "pathways-left-out-for-consent"


def parse(body: bytes) -> Profiles:
    """The profiles of an NDJSON body, line by line; RunFailure when a line is not one."""
    try:
        with collector_paused():
            return Profiles(MatchingProfile.model_validate_json(line)
                            for line in body.splitlines() if line.strip())
    except ValidationError as exc:
        raise RunFailure("bad_profiles",
                         _("The candidates service sent profiles this service cannot read "
                           "({count} errors).", count=exc.error_count())) from exc


# What a visa file shows of the person (the candidates service's VisaIdentityOut, as read here).
VISA_IDENTITY_FIELDS = ("given_name", "family_name", "date_of_birth", "nationality", "gender")
# The candidates service's answers meaning "not for this caller" (or no such object).
_NOT_FOR_CALLER = frozenset({401, 403, 404})


def _headers(authorization: str | None) -> dict[str, str]:
    """The caller's Authorization header, forwarded as is, and the request id."""
    headers = {"authorization": authorization} if authorization else {}
    if (request_id := request_id_var.get()) != "-":
        headers["x-request-id"] = request_id
    return headers


def _check_export(response: httpx.Response, programme_id: uuid.UUID) -> None:
    """RunFailure unless the export answered 200."""
    if response.status_code == 404:
        raise RunFailure("programme_not_found",
                         _("The candidates service knows no programme {programme_id}.",
                           programme_id=programme_id))
    if response.status_code in (401, 403):
        raise RunFailure("candidates_refused",
                         _("The candidates service refused the export ({status}): the "
                           "requester may not read this programme's candidates.",
                           status=response.status_code))
    if response.status_code != 200:
        raise RunFailure("candidates_unavailable",
                         _("The candidates service answered {status}; run matching "
                           "again later.", status=response.status_code))


class CandidatesClient:
    """Calls the candidates service; ``http`` is an ``httpx.AsyncClient`` on its base URL;
    ``signer`` signs the questions this service asks as itself (None: it cannot ask them)."""

    def __init__(self, http: httpx.AsyncClient, signer: SignedCaller | None = None) -> None:
        self.http = http
        self.signer = signer

    async def matching_profiles(self, programme_id: uuid.UUID, *,
                                authorization: str | None) -> Profiles:
        """The programme's selected candidates; RunFailure when they cannot be had.

        ``authorization`` is the run's requester's header, forwarded as is (None when auth is
        off): the candidates service checks that the caller may export this programme.
        """
        path = f"/v1/programmes/{programme_id}/matching-profiles"
        headers = _headers(authorization)
        batches: list[asyncio.Future[Profiles]] = []
        try:
            async with self.http.stream("GET", path, params={"status": "selected"},
                                        headers=headers) as response:
                _check_export(response, programme_id)
                # Lines are validated off the event loop as they arrive, batch by batch,
                # while the candidates service still reads and sends the next ones.
                pending = bytearray()
                async for chunk in response.aiter_bytes():
                    pending += chunk
                    end = pending.rfind(b"\n")
                    if len(pending) >= PARSE_BATCH_BYTES and end >= 0:
                        batches.append(asyncio.ensure_future(
                            asyncio.to_thread(parse, bytes(pending[:end]))))
                        del pending[:end + 1]
                batches.append(asyncio.ensure_future(asyncio.to_thread(parse, bytes(pending))))
        except httpx.HTTPError as exc:
            # The batches already handed to threads finish first: none is left unawaited.
            await asyncio.gather(*batches, return_exceptions=True)
            raise RunFailure("candidates_unavailable",
                             _("The candidates service could not be reached ({error}); run "
                               "matching again later.", error=type(exc).__name__)) from exc
        profiles = Profiles(p for batch in await asyncio.gather(*batches) for p in batch)
        try:
            profiles.left_out_for_consent = int(response.headers.get(LEFT_OUT_HEADER, "0"))
        except ValueError:
            raise RunFailure("bad_profiles", _("The candidates service sent a count of "
                                               "people left out for consent this service "
                                               "cannot read.")) from None
        return profiles

    async def _ask(self, path: str, *, authorization: str | None, refused: frozenset[int],
                   params: dict[str, str] | None = None) -> httpx.Response | None:
        """GET ``path`` as the caller: its 200 answer, None for a ``refused`` status (the
        candidates service's "no" to this caller), CandidatesUnavailable for anything else
        (unreachable, another status)."""
        try:
            response = await self.http.get(path, headers=_headers(authorization), params=params)
        except httpx.HTTPError as exc:
            raise CandidatesUnavailable(_(
                "The candidates service could not be reached ({error}); try again later.",
                error=type(exc).__name__)) from exc
        if response.status_code in refused:
            return None
        if response.status_code != 200:
            raise CandidatesUnavailable(_(
                "The candidates service answered {status}; try again later.",
                status=response.status_code))
        return response

    async def selected_profile(self, programme_id: uuid.UUID, candidate_id: uuid.UUID, *,
                               authorization: str | None) -> MatchingProfile | None:
        """The candidate's profile if they have a selected application in the programme *and*
        the caller (``authorization`` forwarded as is) may export that programme's candidates;
        None when either is not so (the candidates service's 401, 403 or 404 included).
        CandidatesUnavailable when it cannot be asked."""
        response = await self._ask(
            f"/v1/programmes/{programme_id}/matching-profiles", authorization=authorization,
            refused=_NOT_FOR_CALLER, params={"status": "selected",
                                             "candidate_id": str(candidate_id)})
        if response is None:
            return None
        try:
            profiles = parse(response.content)
        except RunFailure as exc:
            raise CandidatesUnavailable(exc.detail) from exc
        return next((p for p in profiles if p.candidate_id == candidate_id), None)

    async def programme_rules(self, programme_id: uuid.UUID, *,
                              authorization: str | None) -> ProgrammeRules | None:
        """The programme's stay types and limits (``GET /v1/programmes/{id}``, with the
        caller's own token), or None when it does not know the programme or refuses the caller
        (401, 403, 404). CandidatesUnavailable when it cannot be asked."""
        response = await self._ask(f"/v1/programmes/{programme_id}",
                                   authorization=authorization, refused=_NOT_FOR_CALLER)
        if response is None:
            return None
        try:
            return ProgrammeRules.model_validate_json(response.content)
        except ValidationError as exc:
            raise CandidatesUnavailable(_(
                "The candidates service sent a programme this service cannot read "
                "({count} errors).", count=exc.error_count())) from exc

    async def visa_identity(self, candidate_id: uuid.UUID, *,
                            authorization: str | None) -> dict[str, Any] | None:
        """The identity the candidate consented to share for their visa file
        (``GET /v1/candidates/{id}/visa-identity``, with the caller's own token), or None when
        they have not consented (409) or the caller may not read them (401, 403, 404).
        CandidatesUnavailable when it cannot be asked."""
        response = await self._ask(f"/v1/candidates/{candidate_id}/visa-identity",
                                   authorization=authorization,
                                   refused=_NOT_FOR_CALLER | {409})
        if response is None:
            return None
        body: dict[str, Any] = response.json()
        return {name: body.get(name) for name in VISA_IDENTITY_FIELDS}

    async def consent_states(self, purpose: str,
                             candidate_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Each candidate's consent for ``purpose`` now: ``given`` (in force), ``withdrawn``,
        ``expired`` or ``missing``, asked as this service (a signed question to
        ``/internal/consents/in-force``: the caller's own token may not read the person, e.g.
        a visa authority). CandidatesUnavailable when it cannot be asked, so that a use of
        personal data never goes on unchecked."""
        try:
            return await consent_states(self.http, self.signer, purpose=purpose,
                                        candidate_ids=candidate_ids)
        except ConsentsUnanswered as exc:
            raise CandidatesUnavailable(str(exc)) from exc

