"""Likely duplicate people: found when a record is created or nominated, decided by officers.

Finding (:func:`detect`) runs in the transaction that creates the record (a sign-up, a
registration by staff or an institution, a line of an import) or nominates it, so a flag exists
exactly when its record does. It compares the record with the others sharing its birth date or
its phone's last digits by the rule of :mod:`matching`, and flags each likely pair once.
Nothing is merged here, and nothing is refused: a sign-up with a family's shared phone goes
through unflagged, and even a flagged one goes through.

Deciding is an officer's explicit action on a flag:

- **dismiss**: not the same person; the flag stays, dismissed, and is not raised again.
- **merge** (``keep``: one of the two): the other record is marked ``merged_into`` the one
  kept. It is then left out of the candidates' list, and reading it answers 404
  ``candidate-merged`` naming the record kept. Nothing else moves: its applications, consents,
  nominations, training and placements stay attached to its own id (and readable by their ids
  as before), its account still owns it, its data is not copied onto the record kept.
  Hence nothing is lost and nothing has to be put back.
- **unmerge**: the pointer is cleared and the flag is open again.

Every decision is appended to the flag's history (who, when, which record was kept). A record
merged into another is not merged again, nor is anything merged into a record that is itself
merged, so that each merge can be undone on its own.
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.candidates.candidates.models import Candidate
from services.candidates.duplicates import matching, phones, repository
from services.candidates.duplicates.exceptions import (
    DuplicateFlagNotFound,
    KeepNotInPair,
    MergeConflict,
)
from services.candidates.duplicates.models import DuplicateDecision, DuplicateFlag
from shared import concurrency
from shared.auth import Principal
from shared.errors import IllegalTransition
from shared.i18n import N_, _
from shared.pagination import PageParams


def person(candidate: Candidate | repository.Lookalike) -> matching.Person:
    """What the rule compares of a candidate record."""
    return matching.Person(given_name=candidate.given_name, family_name=candidate.family_name,
                           date_of_birth=candidate.date_of_birth, phone=candidate.phone,
                           residence_country=candidate.residence_country)


Identified = tuple[uuid.UUID, matching.Person]


def likely_pairs(new: Sequence[Identified], others: Sequence[Identified],
                 *, found_by: str) -> list[DuplicateFlag]:
    """The flags of the likely pairs among ``new`` and between ``new`` and ``others``, each
    pair once (``candidate_id`` the smaller id).

    The rule (:func:`matching.evidence`) only looks at records that share a birth date or a
    phone's last digits and a :func:`matching.name_key`, so the records are first grouped by
    those: a batch of thousands costs about one name key per record, whatever the file (a
    thousand people born on one placeholder date included), not one comparison per pair.
    """
    records = [*others, *new]
    shared = Counter(point for _, person in records for point in _meeting_points(person))
    groups: dict[tuple[Any, ...], list[Identified]] = {}
    flags: dict[tuple[uuid.UUID, uuid.UUID], DuplicateFlag] = {}
    fresh = len(others)
    for position, record in enumerate(records):
        points = [point for point in _meeting_points(record[1]) if shared[point] > 1]
        if not points or (key := matching.name_key(record[1].given_name,
                                                   record[1].family_name)) is None:
            continue
        for point in points:
            group = groups.setdefault((*point, key), [])
            if position >= fresh:  # a new record: compared with those grouped before it
                for other_id, other in group:
                    pair = _ordered(record[0], other_id)
                    if other_id == record[0] or pair in flags:
                        continue
                    if (evidence := matching.evidence(record[1], other)) is not None:
                        flags[pair] = DuplicateFlag(
                            candidate_id=pair[0], other_candidate_id=pair[1],
                            found_by=found_by, evidence=evidence)
            group.append(record)
    return list(flags.values())


def _meeting_points(person: matching.Person) -> list[tuple[str, Any]]:
    # What two records must share for the rule to look at them: the birth date, or the
    # phone's last digits (the evidence compares the whole numbers).
    tail = phones.tail(person.phone)
    return [("born", person.date_of_birth), *([("phone", tail)] if tail is not None else [])]


def _ordered(one: uuid.UUID, other: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (one, other) if one < other else (other, one)


async def detect(session: AsyncSession, *, candidate: Candidate,
                 found_by: str) -> int:
    """Flag the likely duplicates of ``candidate`` (in the caller's transaction); how many
    flags are new (a pair flagged before is not flagged again)."""
    others = await repository.lookalikes(session, candidate_id=candidate.id,
                                         date_of_birth=candidate.date_of_birth,
                                         phone_tail=phones.tail(candidate.phone))
    return await repository.add_flags(session, likely_pairs(
        [(candidate.id, person(candidate))], [(other.id, person(other)) for other in others],
        found_by=found_by))


async def detect_many(connection: asyncpg.Connection, people: Sequence[Identified], *,
                      found_by: str) -> int:
    """Flag the likely duplicates of ``people``, records just written in the caller's
    transaction on ``connection`` (a batch of an import): among themselves and with the
    other records, by the rule and with the evidence of :func:`detect`, in one lookup and one
    insert for the whole batch. The lookup asks for the records of the same name key only
    (with the same birth date or phone): on a large register a birth date is shared by
    dozens, nearly none of them with a similar name. How many flags are new."""
    if not people:
        return 0
    wanted = [(key, person.date_of_birth, phones.tail(person.phone)) for _, person in people
              if (key := matching.name_key(person.given_name, person.family_name)) is not None]
    others = await repository.lookalikes_of_many(
        connection, wanted=wanted, excluding=[candidate_id for candidate_id, _ in people])
    flags = likely_pairs(people, [(other.id, person(other)) for other in others],
                         found_by=found_by)
    return await repository.add_flags_on(connection, flags)


async def get(session: AsyncSession, *, principal: Principal, flag_id: uuid.UUID,
              lock: bool = False) -> DuplicateFlag:
    """The flag, or DuplicateFlagNotFound (also when one of its records is not the
    caller's)."""
    flag = await repository.get_flag(session, principal, flag_id, lock=lock)
    if flag is None:
        raise DuplicateFlagNotFound(_("No duplicate flag {flag_id}.", flag_id=flag_id))
    return flag


async def list_page(session: AsyncSession, *, principal: Principal, page: PageParams,
                    status: str | None,
                    candidate_id: uuid.UUID | None) -> list[DuplicateFlag]:
    """A page of the flags the caller may see, oldest first."""
    return await repository.list_page(session, principal, page, status=status,
                                      candidate_id=candidate_id)


async def history(session: AsyncSession, *,
                  flag_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[DuplicateDecision]]:
    """The decisions on each of ``flag_ids``, oldest first."""
    found: dict[uuid.UUID, list[DuplicateDecision]] = {flag_id: [] for flag_id in flag_ids}
    for decision in await repository.decisions(session, flag_ids):
        found[decision.flag_id].append(decision)
    return found


def _ensure(flag: DuplicateFlag, *, action: str, allowed_from: str,
            expected_version: int | None) -> None:
    if flag.status != allowed_from:
        raise IllegalTransition(action=action, current_state=flag.status,
                                allowed_from=[allowed_from])
    concurrency.ensure_version(expected_version, flag.version,
                               N_("The flag changed since version {version}; read it again."))


async def _record(session: AsyncSession, flag: DuplicateFlag, *, action: str,
                  principal: Principal, status: str, kept: uuid.UUID | None = None,
                  merged: uuid.UUID | None = None) -> DuplicateFlag:
    decided = await repository.decide(session, flag, status=status,
                                      kept_candidate_id=kept if action == "merge" else None)
    await repository.add_decision(session, DuplicateDecision(
        flag_id=flag.id, action=action, kept_candidate_id=kept, merged_candidate_id=merged,
        decided_by_subject=principal.subject, decided_by_role=principal.role))
    return decided


async def dismiss(session: AsyncSession, *, principal: Principal, flag_id: uuid.UUID,
                  expected_version: int | None) -> DuplicateFlag:
    """Record that the two are not the same person (an open flag only)."""
    flag = await get(session, principal=principal, flag_id=flag_id, lock=True)
    _ensure(flag, action="dismiss", allowed_from="open", expected_version=expected_version)
    return await _record(session, flag, action="dismiss", principal=principal,
                         status="dismissed")


async def merge(session: AsyncSession, *, principal: Principal, flag_id: uuid.UUID,
                keep: uuid.UUID, expected_version: int | None) -> DuplicateFlag:
    """Merge the other record of an open flag into ``keep`` (see the module's notes)."""
    flag = await get(session, principal=principal, flag_id=flag_id, lock=True)
    _ensure(flag, action="merge", allowed_from="open", expected_version=expected_version)
    pair = (flag.candidate_id, flag.other_candidate_id)
    if keep not in pair:
        raise KeepNotInPair(_("keep must be one of the flag's two candidates."), field="keep")
    merged = pair[1] if keep == pair[0] else pair[0]
    if await repository.merged_into(session, keep) is not None or \
            await repository.has_merged_records(session, merged) or \
            not await repository.point(session, merged, from_=None, to=keep):
        raise MergeConflict("One of the records is merged into another, or has records merged "
                            "into it: unmerge those first.")
    return await _record(session, flag, action="merge", principal=principal, status="merged",
                         kept=keep, merged=merged)


async def unmerge(session: AsyncSession, *, principal: Principal, flag_id: uuid.UUID,
                  expected_version: int | None) -> DuplicateFlag:
    """Undo a flag's merge: the merged record stands on its own again and the flag is open."""
    flag = await get(session, principal=principal, flag_id=flag_id, lock=True)
    _ensure(flag, action="unmerge", allowed_from="merged", expected_version=expected_version)
    kept = flag.kept_candidate_id
    merged = flag.other_candidate_id if kept == flag.candidate_id else flag.candidate_id
    # The pointer is this flag's (a record is merged once at most), so it is still there.
    await repository.point(session, merged, from_=kept, to=None)
    return await _record(session, flag, action="unmerge", principal=principal, status="open",
                         kept=kept, merged=merged)
