"""Application rules: one per candidate and programme, explicit actions, screening, selection.

Every status change goes through :mod:`state` (which actions are legal from where) and is
recorded as an ``application_transition`` row in the same transaction, bumping the version;
reaching submitted, selected or withdrawn also records an event in the outbox (:func:`_emit`).
Nothing here commits: the request's session does.
"""

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates import access as candidates_access
from services.candidates.applications import repository, scoring, screening, selection, state
from services.candidates.applications.exceptions import (
    ApplicationExists,
    ApplicationNotFound,
    CandidateNotFound,
    ConsentRequired,
    HistoricalEntryForbidden,
    IntakeClosed,
    InvalidDates,
    OriginSuspended,
)
from services.candidates.applications.models import Application, ApplicationTransition
from services.candidates.applications.repository import Move
from services.candidates.applications.schemas import ApplicationCreate
from services.candidates.candidates.models import Candidate
from services.candidates.erasure import service as erasure_service
from services.candidates.events import APPLICATION_EVENTS, ApplicationEvent, outbox
from services.candidates.programmes import service as programme_service
from services.candidates.programmes import targets as programme_targets
from services.candidates.programmes.models import Programme
from services.candidates.programmes.schemas import OriginSuspensionCreate
from shared import access, concurrency
from shared.auth import Principal
from shared.events.outbox import NewEvent
from shared.i18n import N_, _
from shared.lifecycle import Lifecycle
from shared.pagination import PageParams

# Applications a selection run ranks; "selected" ones keep their seat and are only counted.
SELECTION_POOL = ("eligible", "shortlisted", "waitlisted")


@dataclass(frozen=True, slots=True)
class Screened:
    """One application after screening, with the outcome that decided its status."""

    application: Application
    outcome: screening.Outcome


@dataclass(frozen=True, slots=True)
class Selected:
    """One pool application after a selection run."""

    application: Application
    candidate: Candidate
    score: scoring.Score
    decision: selection.Decision


@dataclass(frozen=True, slots=True)
class SelectionResult:
    """Everything a selection run decided, in rank order, and its summary."""

    decisions: list[Selected]
    summary: selection.Summary


def candidate_facts(candidate: Candidate, *,
                    placed_in: Sequence[str] = ()) -> screening.CandidateFacts:
    """The parts of a profile screening and scoring read (``placed_in``: codes of the other
    programmes that placed the candidate, read only when a rule needs them)."""
    return screening.CandidateFacts(
        date_of_birth=candidate.date_of_birth,
        nationality=candidate.nationality,
        gender=candidate.gender,
        education_levels=tuple(e["level"] for e in candidate.education
                               if isinstance(e, dict) and isinstance(e.get("level"), str)),
        languages=screening.best_levels(e for e in candidate.languages if isinstance(e, dict)),
        preferred_sectors=tuple(candidate.preferred_sectors),
        residence_country=candidate.residence_country,
        placed_in=tuple(placed_in),
    )


# --- reads ----------------------------------------------------------------------------------


async def get(session: AsyncSession, *, application_id: uuid.UUID) -> Application:
    """The application, or ApplicationNotFound."""
    application = await repository.get(session, application_id)
    if application is None:
        raise ApplicationNotFound(_("No application {application_id}.",
                                    application_id=application_id))
    return application


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    programme_id: uuid.UUID | None, candidate_id: uuid.UUID | None,
                    status: str | None) -> list[Application]:
    """A page of the applications ``principal`` may read matching the filters."""
    candidates_access.ensure_sees_people(principal)
    return await repository.list_page(session, page, principal=principal,
                                      programme_id=programme_id, candidate_id=candidate_id,
                                      status=status)


async def ensure_visible(session: AsyncSession, *, principal: Principal,
                         application_id: uuid.UUID) -> None:
    """ApplicationNotFound unless the application exists and ``principal`` may read it."""
    candidates_access.ensure_sees_people(principal)
    if await repository.readable_id(session, principal, application_id) is None:
        raise ApplicationNotFound(_("No application {application_id}.",
                                    application_id=application_id))


async def transitions(session: AsyncSession, *, application_id: uuid.UUID,
                      ) -> tuple[Application, list[ApplicationTransition]]:
    """The application and its status history, oldest first (404 for an unknown one)."""
    application = await get(session, application_id=application_id)
    return application, await repository.transitions(session, application_id)


# --- create ---------------------------------------------------------------------------------


def _intake_closed(programme: Programme, at: datetime, *, what: str) -> IntakeClosed:
    return IntakeClosed(
        f"Programme {programme.code} takes applications from "
        f"{programme.intake_opens_at.isoformat()} until "
        f"{programme.intake_closes_at.isoformat()}; {what} {at.isoformat()}.",
        intake_opens_at=programme.intake_opens_at.isoformat(),
        intake_closes_at=programme.intake_closes_at.isoformat(),
    )


def _ensure_origin_open(programme: Programme, nationality: str) -> None:
    """OriginSuspended when the programme suspended the candidate's nationality as an origin."""
    suspension = programme_service.suspension_of(programme, nationality)
    if suspension is not None:
        raise OriginSuspended(
            _("Programme {code} suspended applications from {nationality} on "
              "{suspended_on}: {reason}",
              code=programme.code, nationality=nationality,
              suspended_on=suspension["suspended_on"], reason=suspension["reason"]),
            country=nationality, suspended_on=suspension["suspended_on"])


async def create(session: AsyncSession, *, data: ApplicationCreate, principal: Principal,
                 now: datetime) -> Application:
    """Create a draft application; candidate and programme must exist, the pair must be new.

    Once the intake has closed, only staff start drafts (they record past applications); the
    candidate's nationality must not be an origin the programme suspended.
    """
    programme = await programme_service.get(session, programme_id=data.programme_id)
    if principal.role not in access.STAFF and now >= programme.intake_closes_at:
        raise _intake_closed(programme, now, what="it is now")
    candidate = await repository.get_candidate(session, data.candidate_id, key_share=True)
    if candidate is None:
        raise CandidateNotFound(_("No candidate {candidate_id}.", candidate_id=data.candidate_id))
    _ensure_origin_open(programme, candidate.nationality)
    # Checked first for a clear answer; the unique constraint settles a race between two
    # requests that both pass this check.
    existing = await repository.find_pair(session, candidate_id=data.candidate_id,
                                          programme_id=data.programme_id)
    if existing is None:
        created = await repository.add(session, Application(**data.model_dump()))
        if created is not None:
            return created
        existing = await repository.find_pair(session, candidate_id=data.candidate_id,
                                              programme_id=data.programme_id)
    raise ApplicationExists(
        _("Candidate {candidate_id} already applied to programme {programme_id}.",
          candidate_id=data.candidate_id, programme_id=data.programme_id),
        **({"application_id": str(existing)} if existing else {}),
    )


# --- single-application actions -------------------------------------------------------------


async def _load_for(session: AsyncSession, *, application_id: uuid.UUID, action: str,
                    expected_version: int | None) -> Application:
    """Lock the application and check, in this order: it exists, If-Match, the action is legal."""
    application = await repository.get(session, application_id, for_update=True)
    if application is None:
        raise ApplicationNotFound(_("No application {application_id}.",
                                    application_id=application_id))
    concurrency.ensure_version(expected_version, application.version,
                               N_("The application changed since version {version}"
                                  "; read it again."))
    state.check(action, application.status)
    return application


async def _emit(session: AsyncSession,
                changes: Sequence[tuple[Application, Sequence[Move]]]) -> None:
    """Record the events of these moves in the outbox, in the changes' transaction.

    The applications are locked (the moves were made under their row locks), so the events of
    one application are recorded in the order of its moves.
    """
    events = [
        NewEvent(type=APPLICATION_EVENTS[m.to_status], subject_id=application.id,
                 payload=ApplicationEvent(
                     application_id=application.id, candidate_id=application.candidate_id,
                     programme_id=application.programme_id, status=m.to_status,
                     previous_status=m.from_status, action=m.action).model_dump(mode="json"))
        for application, moves in changes for m in moves if m.to_status in APPLICATION_EVENTS
    ]
    await outbox.record_many(session, events)


async def _act(session: AsyncSession, application: Application, action: str, *,
               to: str | None = None, reason: str | None = None,
               values: repository.ApplicationChanges | None = None,
               lifecycle: Lifecycle = state.LIFECYCLE) -> Application:
    new_status = lifecycle.target(action, application.status, to)
    moves = [Move(action, application.status, new_status, reason)]
    updated = await repository.move(session, application, moves, values or {})
    await _emit(session, [(application, moves)])
    return updated


def _intake_open(programme: Programme, at: datetime) -> bool:
    # Same half-open window as the programmes list's "open_for_intake" filter.
    return programme.intake_opens_at <= at < programme.intake_closes_at


def ensure_submittable(programme: Programme, *, at: datetime, now: datetime, dated: bool,
                       nationality: str, consents: Mapping[str, str]) -> None:
    """The programme's rules for a submission at ``at`` (``dated``: a past moment staff gave):
    not in the future, inside the intake window, from an origin the programme has not
    suspended, with every consent it requires given (``consents``: purpose → latest action).

    Raises the first that fails: InvalidDates, IntakeClosed, OriginSuspended, ConsentRequired.
    The bulk import of applications holds its lines to the same rules.
    """
    if at > now:
        raise InvalidDates.of("submitted_at", _("must not be in the future"))
    if not _intake_open(programme, at):
        raise _intake_closed(programme, at, what="it was submitted at" if dated
                             else "it is now")
    _ensure_origin_open(programme, nationality)
    missing = [p for p in programme.required_consents if consents.get(p) != "given"]
    if missing:
        raise ConsentRequired(
            _("The programme requires consent for: {missing}; the candidate has not "
              "given it (or withdrew it).", missing=', '.join(missing)),
            missing_purposes=missing,
        )


async def submit(session: AsyncSession, *, application_id: uuid.UUID,
                 expected_version: int | None, principal: Principal, now: datetime,
                 submitted_at: datetime | None = None) -> Application:
    """Submit a draft inside the intake window, with every consent the programme requires, from
    an origin the programme has not suspended (:func:`ensure_submittable`).

    Staff recording a past submission give ``submitted_at`` (not in the future): the intake
    window is checked against it instead of the clock, and it is stored as the submission time.
    """
    if submitted_at is not None and principal.role not in access.STAFF:
        raise HistoricalEntryForbidden(
            _("Only staff record a past submission (submitted_at); this one is dated now."))
    application = await _load_for(session, application_id=application_id, action="submit",
                                  expected_version=expected_version)
    programme = await programme_service.get(session, programme_id=application.programme_id)
    candidate = await repository.get_candidate(session, application.candidate_id)
    assert candidate is not None  # the foreign key cascades: no application without candidate
    latest = await repository.latest_consents(session, candidate_id=application.candidate_id,
                                              purposes=programme.required_consents)
    at = submitted_at or now
    ensure_submittable(programme, at=at, now=now, dated=submitted_at is not None,
                       nationality=candidate.nationality, consents=latest)
    return await _act(session, application, "submit", values={"submitted_at": at})


async def _placed_elsewhere(session: AsyncSession, programme: Programme,
                            candidate_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    # Only first-time-only programmes ask, so the others screen without the extra query.
    if not programme.eligibility.get("first_time_only"):
        return {}
    return await repository.placed_elsewhere(session, programme_id=programme.id,
                                             candidate_ids=candidate_ids)


def _screen_one(candidate: Candidate, programme: Programme,
                placed: dict[uuid.UUID, list[str]]) -> screening.Outcome:
    return screening.screen(
        candidate_facts(candidate, placed_in=placed.get(candidate.id, ())),
        rules=programme.eligibility,
        origin_countries=programme.origin_countries,
        # Ages count on the intake's closing day, the same for every applicant.
        reference_date=programme.intake_closes_at.astimezone(UTC).date(),
        suspended_origins=[s["country"] for s in programme.suspended_origins],
    )


def _screening_note(outcome: screening.Outcome) -> str:
    if outcome.eligible:
        return f"screening: all {len(outcome.reasons)} rules passed"
    return "screening: failed " + ", ".join(r.code for r in outcome.reasons)


def _screening_values(outcome: screening.Outcome,
                      at: datetime) -> repository.ApplicationChanges:
    return {"screened_at": at, "screening_reasons": [r.as_dict() for r in outcome.reasons]}


async def screen(session: AsyncSession, *, application_id: uuid.UUID,
                 expected_version: int | None) -> Screened:
    """Check a submitted application against the programme's rules: eligible or ineligible."""
    application = await _load_for(session, application_id=application_id, action="screen",
                                  expected_version=expected_version)
    programme = await programme_service.get(session, programme_id=application.programme_id)
    candidate = await repository.get_candidate(session, application.candidate_id)
    assert candidate is not None  # the foreign key cascades: no application without candidate
    placed = await _placed_elsewhere(session, programme, [candidate.id])
    outcome = _screen_one(candidate, programme, placed)
    updated = await _act(session, application, "screen", to=outcome.status,
                         reason=_screening_note(outcome),
                         values=_screening_values(outcome, datetime.now(UTC)))
    return Screened(updated, outcome)


async def shortlist(session: AsyncSession, *, application_id: uuid.UUID,
                    expected_version: int | None) -> Application:
    """Put an eligible application on the shortlist."""
    application = await _load_for(session, application_id=application_id, action="shortlist",
                                  expected_version=expected_version)
    return await _act(session, application, "shortlist")


async def reject(session: AsyncSession, *, application_id: uuid.UUID, reason: str,
                 expected_version: int | None) -> Application:
    """Reject a shortlisted or waitlisted application, saying why."""
    application = await _load_for(session, application_id=application_id, action="reject",
                                  expected_version=expected_version)
    await erasure_service.refuse_free_text(session, candidate_id=application.candidate_id,
                                           texts=[reason], doing="reason")
    return await _act(session, application, "reject", reason=reason,
                      values={"decision_reason": f"rejected: {reason}"})


async def withdraw(session: AsyncSession, *, application_id: uuid.UUID, reason: str | None,
                   expected_version: int | None) -> Application:
    """Withdraw an open application (its seat, if selected, frees for the next selection run)."""
    application = await _load_for(session, application_id=application_id, action="withdraw",
                                  expected_version=expected_version)
    await erasure_service.refuse_free_text(session, candidate_id=application.candidate_id,
                                           texts=[reason], doing="reason")
    return await _act(session, application, "withdraw", reason=reason,
                      values={"decision_reason": "withdrawn" + (f": {reason}" if reason else "")})


# --- whole-programme runs -------------------------------------------------------------------


async def suspend_origin(session: AsyncSession, *, programme_id: uuid.UUID,
                         data: OriginSuspensionCreate, today: date) -> tuple[Programme, int]:
    """Suspend an origin country and, in the same transaction, withdraw the pending
    applications (draft up to waitlisted) of its nationals, each with its transition and
    ``application.withdrawn`` event as a withdrawal has; selected ones keep their seat.

    The programme with its new suspension, and how many applications were withdrawn.
    """
    programme = await programme_service.suspend_origin(session, programme_id=programme_id,
                                                       data=data, today=today)
    rows = await repository.lock_with_candidates(
        session, programme_id=programme_id, statuses=state.PENDING_STATES,
        nationality=data.country)
    reason = f"origin suspended: {data.reason}"
    changes = [(application, [Move("withdraw", application.status,
                                   state.target("withdraw", application.status), reason)],
                repository.ApplicationChanges(decision_reason=f"withdrawn: {reason}"))
               for application, _ in rows]
    await repository.move_many(session, changes)
    await _emit(session, [(a, moves) for a, moves, _ in changes])
    return programme, len(changes)


async def screen_programme(session: AsyncSession, *, programme_id: uuid.UUID) -> list[Screened]:
    """Screen every submitted application of the programme at once."""
    programme = await programme_service.get(session, programme_id=programme_id)
    rows = await repository.lock_with_candidates(session, programme_id=programme_id,
                                                 statuses=["submitted"])
    placed = await _placed_elsewhere(session, programme, [c.id for _, c in rows])
    now = datetime.now(UTC)
    outcomes: dict[uuid.UUID, screening.Outcome] = {}
    changes = []
    for application, candidate in rows:
        outcome = _screen_one(candidate, programme, placed)
        outcomes[application.id] = outcome
        to = state.target("screen", application.status, outcome.status)
        changes.append((application,
                        [Move("screen", application.status, to, _screening_note(outcome))],
                        _screening_values(outcome, now)))
    await repository.move_many(session, changes)
    await _emit(session, [(a, moves) for a, moves, _ in changes])
    fresh = await repository.by_ids(session, outcomes)
    return [Screened(fresh[a.id], outcomes[a.id]) for a, _ in rows]


def _selection_values(decision: selection.Decision,
                      score: scoring.Score) -> repository.ApplicationChanges:
    return {
        "score": score.total,
        "score_parts": score.parts_json(),
        # Selected: the rank that won the seat; waitlisted: the place in the queue.
        "selection_rank": (decision.rank if decision.outcome == "selected"
                           else decision.waitlist_position),
        "decision_reason": decision.reason,
    }


def _selection_moves(application: Application, decision: selection.Decision) -> list[Move]:
    moves: list[Move] = []
    current = application.status
    if current == "eligible":  # eligible applications pass through the shortlist
        moves.append(Move("shortlist", current, state.target("shortlist", current),
                          "selection run"))
        current = moves[-1].to_status
    if decision.outcome == "selected":
        moves.append(Move("select", current, state.target("select", current), decision.reason))
    elif current != "waitlisted":
        moves.append(Move("waitlist", current, state.target("waitlist", current),
                          decision.reason))
    return moves


async def select_cohort(session: AsyncSession, *, programme_id: uuid.UUID) -> SelectionResult:
    """Rank the pool, fill the free seats (gender targets first) and waitlist the rest.

    The programme's pool and selected rows are locked first, so concurrent runs take turns and
    the second counts the seats the first filled. Re-running promotes from the waitlist when
    seats have freed up (a selected candidate withdrew, capacity grew).
    """
    programme = await programme_service.get(session, programme_id=programme_id)
    rows = await repository.lock_with_candidates(session, programme_id=programme_id,
                                                 statuses=[*SELECTION_POOL, "selected"])
    already = Counter(c.gender for a, c in rows if a.status == "selected")
    pool = [(a, c) for a, c in rows if a.status in SELECTION_POOL]
    nominated = await repository.nominated_candidates(
        session, programme_id=programme_id, candidate_ids=[c.id for _, c in pool])
    required_languages = programme.eligibility.get("required_languages") or []

    scores: dict[uuid.UUID, scoring.Score] = {}
    by_id: dict[uuid.UUID, tuple[Application, Candidate]] = {}
    entries = []
    for application, candidate in pool:
        score = scoring.score(candidate_facts(candidate), required_languages=required_languages,
                              programme_sectors=programme.sectors,
                              nominated=candidate.id in nominated)
        scores[application.id] = score
        by_id[application.id] = (application, candidate)
        entries.append(selection.Entry(application.id, candidate.gender, score.total,
                                       application.submitted_at))

    decisions, summary = selection.decide(
        selection.rank(entries), capacity=programme.capacity,
        share=programme.gender_balance_min_share, split=programme.gender_targets,
        balanced=programme_targets.balanced_genders(programme.eligibility.get("genders")),
        already_selected=already)

    changes = []
    for decision in decisions:
        application, _ = by_id[decision.entry.key]
        moves = _selection_moves(application, decision)
        values = _selection_values(decision, scores[application.id])
        unchanged = not moves and all(getattr(application, k) == v for k, v in values.items())
        if not unchanged:  # a rerun that changes nothing leaves versions (ETags) alone
            changes.append((application, moves, values))
    await repository.move_many(session, changes)
    await _emit(session, [(a, moves) for a, moves, _ in changes])

    fresh = await repository.by_ids(session, by_id)
    return SelectionResult(
        decisions=[Selected(fresh[d.entry.key], by_id[d.entry.key][1], scores[d.entry.key], d)
                   for d in decisions],
        summary=summary,
    )


# --- the stay abroad, as placements reports it ----------------------------------------------


async def follow_placement(session: AsyncSession, *, candidate_id: uuid.UUID,
                           programme_id: uuid.UUID, action: str, reason: str) -> bool:
    """Move the candidate's application in the programme by ``action`` (``place`` or
    ``return``), from a placements event; False, with no change, when it cannot apply.

    An event is a fact that already happened elsewhere, so it never fails here: an application
    withdrawn, erased or already moved (a replay) is left as it is.
    """
    found = await repository.find_pair(session, candidate_id=candidate_id,
                                       programme_id=programme_id)
    if found is None:
        return False
    application = await repository.get(session, found, for_update=True)
    if application is None:
        return False
    programme = await programme_service.get(session, programme_id=programme_id)
    lifecycle = state.lifecycle(programme.repeat_stays)
    if not lifecycle.can(action, application.status):
        return False
    await _act(session, application, action, reason=reason, lifecycle=lifecycle)
    return True
