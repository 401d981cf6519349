"""Queries of erasure in placements: what the service wrote about an erased candidate in free
text, blanked; codes, ratings, dates and statuses kept."""

import uuid

from sqlalchemy import Text, and_, case, delete, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.placements.database import idempotency_keys
from services.placements.erasure.models import ErasedCandidate
from services.placements.monitoring.models import CheckIn, Evaluation
from services.placements.placements.models import (
    Placement,
    PlacementExtension,
    PlacementTransition,
)
from services.placements.recruitment_costs.models import PlacementEarnings, RecruitmentCost

# What replaces the token subject of the person's own (deleted) account where it was recorded.
ERASED_SUBJECT = "erased"
# Transition reasons written by the service itself, with no one's words in them.
_OWN_REASONS = ("extend",)
# Transitions whose reason is a code, then ": " and a person's words.
_CODED_REASONS = ("decline", "end-early")


async def record_erasure(session: AsyncSession, candidate_id: uuid.UUID) -> None:
    """Remember the erasure (once), for free text sent later."""
    await session.execute(insert(ErasedCandidate).values(candidate_id=candidate_id)
                          .on_conflict_do_nothing())


async def is_erased(session: AsyncSession, candidate_id: uuid.UUID) -> bool:
    """Whether the candidate's personal data was erased."""
    return await session.get(ErasedCandidate, candidate_id) is not None


async def placement_ids(session: AsyncSession, candidate_id: uuid.UUID) -> list[uuid.UUID]:
    """The candidate's placements."""
    return list((await session.scalars(
        select(Placement.id).where(Placement.candidate_id == candidate_id))).all())


async def candidate_of(session: AsyncSession, placement_id: uuid.UUID) -> uuid.UUID | None:
    """The candidate of a placement."""
    return await session.scalar(select(Placement.candidate_id)
                                .where(Placement.id == placement_id))


async def blank_free_text(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    """Blank the free text of these placements: references naming the person (visa,
    enrolment), check-in and housing-check notes and incident descriptions, evaluation
    comments, extension offers, the people's words in status-change reasons, and recruitment
    costs' notes, evidence references and withdrawal reasons; the person's own account subject
    where it recorded something. Amounts, currencies, dates and codes stay (SDG 10.7.1 counts
    them)."""
    if not ids:
        return
    await session.execute(
        update(Placement).where(Placement.id.in_(ids))
        .values(visa_reference=None, enrolment_reference=None, visa_identity=None)
        .execution_options(synchronize_session=False))
    await session.execute(
        update(CheckIn).where(CheckIn.placement_id.in_(ids))
        .values(notes=None, housing_note=None,
                housing_check=CheckIn.housing_check.op("-", return_type=JSONB)(
                    literal("note", Text)),
                incidents=text("(SELECT coalesce(jsonb_agg(i - 'description'), '[]'::jsonb) "
                               "FROM jsonb_array_elements(placements.check_in.incidents) i)"),
                recorded_by=case((CheckIn.recorded_by_role == "candidate", ERASED_SUBJECT),
                                 else_=CheckIn.recorded_by))
        .execution_options(synchronize_session=False))
    await session.execute(
        update(Evaluation).where(Evaluation.placement_id.in_(ids)).values(comments=None)
        .execution_options(synchronize_session=False))
    await session.execute(
        update(PlacementExtension).where(PlacementExtension.placement_id.in_(ids))
        .values(offer_text=None, offer_reference=None)
        .execution_options(synchronize_session=False))
    by_person = RecruitmentCost.recorded_by_role == "candidate"
    await session.execute(
        update(RecruitmentCost).where(RecruitmentCost.placement_id.in_(ids))
        .values(note=None, evidence_reference=None, withdrawal_reason=None,
                recorded_by=case((by_person, ERASED_SUBJECT), else_=RecruitmentCost.recorded_by),
                withdrawn_by=case(
                    (and_(by_person, RecruitmentCost.withdrawn_by == RecruitmentCost.recorded_by),
                     ERASED_SUBJECT), else_=RecruitmentCost.withdrawn_by))
        .execution_options(synchronize_session=False))
    await session.execute(
        update(PlacementEarnings).where(PlacementEarnings.placement_id.in_(ids),
                                        PlacementEarnings.reported_by == "worker")
        .values(recorded_by=ERASED_SUBJECT).execution_options(synchronize_session=False))
    await session.execute(
        update(PlacementTransition).where(PlacementTransition.placement_id.in_(ids))
        .values(
            reason=case(
                (PlacementTransition.action.in_(_OWN_REASONS), PlacementTransition.reason),
                (PlacementTransition.action.in_(_CODED_REASONS),
                 func.split_part(PlacementTransition.reason, ":", 1)),
                else_=None),
            actor=case((PlacementTransition.actor_role == "candidate", ERASED_SUBJECT),
                       else_=PlacementTransition.actor))
        .execution_options(synchronize_session=False))


async def forget_stored_answers(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    """Delete the answers kept for idempotent retries that name any of ``ids`` (the person, their
    placements): copies of what was blanked."""
    if ids:
        table = idempotency_keys
        await session.execute(delete(table).where(or_(
            *(table.c.response_body.contains(str(i)) for i in ids))))
