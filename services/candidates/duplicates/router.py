"""HTTP routes of likely duplicate people: the flags, and officers' decisions on them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.candidates import access
from services.candidates.database import AccessRecorderDep
from services.candidates.duplicates import service
from services.candidates.duplicates.exceptions import (
    DuplicateFlagNotFound,
    KeepNotInPair,
    MergeConflict,
)
from services.candidates.duplicates.models import DuplicateDecision, DuplicateFlag
from services.candidates.duplicates.schemas import DuplicateFlagOut, FlagStatus, MergeBody
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.concurrency import IfMatchHeader, expected_version
from shared.db import SessionDep
from shared.errors import IllegalTransition, InvalidCursor, PreconditionFailed, responses
from shared.pagination import Page, PageDep, page_of
from shared.responses import json_response

router = APIRouter(prefix="/v1/duplicates", tags=["duplicates"], responses=AUTH_RESPONSES,
                   dependencies=[access.STAFF])
ACTION_ERRORS = (DuplicateFlagNotFound, IllegalTransition, PreconditionFailed)


def _out(flag: DuplicateFlag, decisions: list[DuplicateDecision]) -> DuplicateFlagOut:
    return DuplicateFlagOut.model_validate({
        "id": flag.id, "candidate_ids": [flag.candidate_id, flag.other_candidate_id],
        "found_by": flag.found_by, "evidence": flag.evidence, "status": flag.status,
        "kept_candidate_id": flag.kept_candidate_id, "decisions": decisions,
        "version": flag.version, "created_at": flag.created_at,
        "updated_at": flag.updated_at})


async def _answer(session: SessionDep, recorder: AccessRecorderDep,
                  flag: DuplicateFlag) -> Response:
    decisions = (await service.history(session, flag_ids=[flag.id]))[flag.id]
    recorder.read((flag.candidate_id, flag.other_candidate_id), "duplicate_flag", flag.id)
    return json_response(_out(flag, decisions), version=flag.version)


@router.get("", response_model=Page[DuplicateFlagOut], responses=responses(InvalidCursor))
async def list_duplicates(
    session: SessionDep, principal: PrincipalDep, page: PageDep, recorder: AccessRecorderDep,
    status: Annotated[FlagStatus | None, Query(
        description="Only flags in this status (`open`: still to review).")] = None,
    candidate_id: Annotated[uuid.UUID | None, Query(
        description="Only the flags of this candidate.")] = None,
) -> Response:
    """List the likely duplicate pairs the caller may review, oldest first, with their
    evidence.

    An officer sees a pair when both people are in their programmes (applied, nominated or
    registered); an admin sees every pair. The evidence says which fields matched and how,
    never their values: read the two candidates for those.
    """
    flags = await service.list_page(session, principal=principal, page=page, status=status,
                                    candidate_id=candidate_id)
    items, next_cursor = page_of(flags, page)
    decisions = await service.history(session, flag_ids=[flag.id for flag in items])
    recorder.read({c for flag in items for c in (flag.candidate_id, flag.other_candidate_id)},
                  "duplicate_flag")
    return json_response(Page[DuplicateFlagOut](
        items=[_out(flag, decisions[flag.id]) for flag in items], next_cursor=next_cursor))


@router.get("/{flag_id}", response_model=DuplicateFlagOut,
            responses=responses(DuplicateFlagNotFound))
async def get_duplicate(flag_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                        recorder: AccessRecorderDep) -> Response:
    """One likely duplicate pair: its evidence, status and decisions, with its ETag."""
    return await _answer(session, recorder,
                         await service.get(session, principal=principal, flag_id=flag_id))


@router.post("/{flag_id}/dismiss", response_model=DuplicateFlagOut,
             responses=responses(*ACTION_ERRORS))
async def dismiss_duplicate(flag_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                            recorder: AccessRecorderDep,
                            if_match: IfMatchHeader = None) -> Response:
    """Record that the two are not the same person: the flag is dismissed (from ``open``) and
    the pair is not flagged again."""
    flag = await service.dismiss(session, principal=principal, flag_id=flag_id,
                                 expected_version=expected_version(if_match))
    return await _answer(session, recorder, flag)


@router.post("/{flag_id}/merge", response_model=DuplicateFlagOut,
             responses=responses(*ACTION_ERRORS, KeepNotInPair, MergeConflict))
async def merge_duplicate(flag_id: uuid.UUID, data: MergeBody, session: SessionDep,
                          principal: PrincipalDep, recorder: AccessRecorderDep,
                          if_match: IfMatchHeader = None) -> Response:
    """Merge the pair of an open flag, keeping ``keep``: the other record is marked merged
    into it.

    The merged record leaves the candidates' list, and reading it answers 404
    ``candidate-merged`` naming the record kept. Nothing moves: its applications, consents,
    nominations, training and placements stay attached to its own id, readable by their ids,
    and its data is not copied. ``unmerge`` undoes it. A record already merged into another,
    or with records merged into it, is not merged (``merge-conflict``).
    """
    flag = await service.merge(session, principal=principal, flag_id=flag_id, keep=data.keep,
                               expected_version=expected_version(if_match))
    recorder.change((flag.candidate_id, flag.other_candidate_id), "candidate", flag.id)
    return await _answer(session, recorder, flag)


@router.post("/{flag_id}/unmerge", response_model=DuplicateFlagOut,
             responses=responses(*ACTION_ERRORS))
async def unmerge_duplicate(flag_id: uuid.UUID, session: SessionDep, principal: PrincipalDep,
                            recorder: AccessRecorderDep,
                            if_match: IfMatchHeader = None) -> Response:
    """Undo the merge of a flag: the merged record stands on its own again (in the list,
    readable) and the flag is open again, its history kept."""
    flag = await service.unmerge(session, principal=principal, flag_id=flag_id,
                                 expected_version=expected_version(if_match))
    recorder.change((flag.candidate_id, flag.other_candidate_id), "candidate", flag.id)
    return await _answer(session, recorder, flag)
