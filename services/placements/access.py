"""Who may see and do what in the placements service: one place for every permission check.

An object is *related* to a caller through its owners: officers and ministries through the
object's programme(s) (``principal.programme_ids``), a visa authority through the programme
*and* the destination country (``principal.country``), an employer through its own employer
id, a candidate through their own candidate id; admins and internal services relate to
everything.

Each resource has a :class:`Policy`: the roles that may read it and, per action, the roles that
may do it. The answers follow one rule everywhere:

- an object the caller is not related to, or may not read, does not exist for them: 404;
- a related object they may read (or act on) but an action their role may not do: 403;
- a list shows only related objects (:meth:`Policy.scope`), and is a 403 for a role that may
  read none of them;
- a role in :attr:`Policy.refuses` (a ministry on a placement: it never sees a person) gets a
  403 for every read and every action outside its own, before anything is looked up.

A write that *names* an object (a ``vacancy_id``, ``candidate_id``, ``programme_id`` in a body)
loads it through the same rule: not readable by the caller means 404.

When auth is off, ``PrincipalDep`` yields an admin, so everything is allowed.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, false

from shared.auth import Forbidden, Principal
from shared.errors import NotFound, PreconditionFailed, UnprocessableEntity

Row = TypeVar("Row")

Roles = frozenset[str]
# Roles related to every object: operators, and other services reading with a machine token.
UNRESTRICTED: Roles = frozenset({"admin", "service"})
STAFF: Roles = frozenset({"admin", "officer"})


class FieldNotAllowed(UnprocessableEntity):
    """The caller's role may not set a field it sent; names the fields like a validation error."""

    slug, title = "field-not-allowed", "Field not allowed for this role"


@dataclass(frozen=True, slots=True)
class Owners:
    """Whom an object belongs to: its programme(s), employer and candidate, where it has them."""

    programme_ids: tuple[uuid.UUID, ...] = ()
    employer_id: uuid.UUID | None = None
    candidate_id: uuid.UUID | None = None
    # Where the stay takes place (a placement's destination): what a visa authority is for.
    country: str | None = None


def _who(principal: Principal) -> str:
    """"An officer", "A candidate": the caller as a 403's detail names them."""
    role = principal.role or "caller without a role"
    return f"{'An' if role[0] in 'aeiou' else 'A'} {role}"


def relates(principal: Principal, owners: Owners) -> bool:
    """Whether ``owners`` make the object the caller's business (see the module docstring)."""
    role = principal.role
    if role in UNRESTRICTED:
        return True
    if role in ("officer", "ministry"):
        return not set(principal.programme_ids).isdisjoint(owners.programme_ids)
    if role == "visa_authority":
        return (principal.country is not None and owners.country == principal.country
                and not set(principal.programme_ids).isdisjoint(owners.programme_ids))
    if role == "employer":
        return principal.employer_id is not None and principal.employer_id == owners.employer_id
    if role == "candidate":
        return principal.candidate_id is not None and principal.candidate_id == owners.candidate_id
    return False


@dataclass(frozen=True, slots=True)
class Scope:
    """The rows of a list a caller may see; :meth:`conditions` turns it into SQL."""

    principal: Principal

    def conditions(
        self, *, programme: Callable[[list[uuid.UUID]], ColumnElement[bool]] | None = None,
        employer: Any = None, candidate: Any = None, country: Any = None,
    ) -> list[ColumnElement[bool]]:
        """WHERE clauses for a table whose programme test, employer, candidate and
        destination country columns are given (a resource without one of them shows nothing
        to the roles related by it)."""
        role, p = self.principal.role, self.principal
        if role in UNRESTRICTED:
            return []
        if role in ("officer", "ministry") and programme is not None and p.programme_ids:
            return [programme(list(p.programme_ids))]
        if (role == "visa_authority" and programme is not None and country is not None
                and p.programme_ids and p.country):
            return [programme(list(p.programme_ids)), country == p.country]
        if role == "employer" and employer is not None and p.employer_id is not None:
            return [employer == p.employer_id]
        if role == "candidate" and candidate is not None and p.candidate_id is not None:
            return [candidate == p.candidate_id]
        return [false()]


@dataclass(frozen=True, slots=True)
class Policy(Generic[Row]):
    """Who may read one kind of object, and who may do each action on it."""

    name: str  # what the 404 calls it: "employer", "placement"…
    not_found: type[NotFound]
    owners: Callable[[Row], Owners]
    read: Roles
    actions: Mapping[str, Roles]
    # Roles that never see this kind of object: 403 for any read and for any action not
    # theirs, before the object is looked up (e.g. a ministry and a person's placement).
    refuses: Roles = frozenset()

    def check(self, row: Row | None, *, principal: Principal, object_id: uuid.UUID,
              action: str | None = None, expected_version: int | None = None) -> Row:
        """``row`` (as loaded, maybe None) after the checks, in this order: it exists for the
        caller (404), their role may do ``action`` (403; None: read it), If-Match (412); a
        role in :attr:`refuses` gets its 403 first."""
        self.ensure_not_refused(principal, action)
        if row is None:
            raise self._missing(object_id)
        if action is None:
            self.ensure_readable(principal, self.owners(row), object_id)
        else:
            self.ensure_allowed(principal, self.owners(row), object_id, action)
        version = getattr(row, "version", None)
        if expected_version is not None and version != expected_version:
            raise PreconditionFailed(
                f"The {self.name} changed since version {expected_version}; read it again.",
                current_version=version)
        return row

    def ensure_not_refused(self, principal: Principal, action: str | None = None) -> None:
        """403 for a role in :attr:`refuses` reading, or doing an action that is not its own."""
        if principal.role in self.refuses and (
                action is None or principal.role not in self.actions[action]):
            ensure_role(principal, frozenset(), f"see a {self.name}'s details"
                        if action is None else f"{action} this {self.name}")

    def _missing(self, object_id: uuid.UUID) -> NotFound:
        return self.not_found(f"No {self.name} {object_id}.")

    def ensure_readable(self, principal: Principal, owners: Owners,
                        object_id: uuid.UUID) -> None:
        """404 unless the caller may read this object."""
        if principal.role not in self.read or not relates(principal, owners):
            raise self._missing(object_id)

    def ensure_allowed(self, principal: Principal, owners: Owners, object_id: uuid.UUID,
                       action: str) -> None:
        """404 for an object the caller cannot see, 403 for an action their role may not do."""
        allowed = self.actions[action]
        if not relates(principal, owners) or (
                principal.role not in self.read and principal.role not in allowed):
            raise self._missing(object_id)
        ensure_role(principal, allowed, f"{action} this {self.name}")

    def scope(self, principal: Principal) -> Scope:
        """The part of a list the caller may see; 403 for a role that may read none of it."""
        self.ensure_not_refused(principal)
        ensure_role(principal, self.read, f"list {self.name}s")
        return Scope(principal)

    def may(self, principal: Principal, action: str) -> bool:
        """Whether the caller's role may do ``action`` at all (before looking at an object)."""
        return principal.role in self.actions[action]


def ensure_role(principal: Principal, roles: Roles, doing: str) -> None:
    """403 unless the caller has one of ``roles``; ``doing`` completes "may not …"."""
    if principal.role not in roles:
        raise Forbidden(f"{_who(principal)} may not {doing}.")


def ensure_programmes(principal: Principal, programme_ids: Iterable[uuid.UUID],
                      doing: str) -> None:
    """403 unless an officer (or ministry) manages every one of ``programme_ids``."""
    if principal.role in UNRESTRICTED:
        return
    foreign = sorted(str(p) for p in set(programme_ids) - set(principal.programme_ids))
    if foreign:
        raise Forbidden(f"You may not {doing} for programmes you do not manage: "
                        f"{', '.join(foreign)}.", programme_ids=foreign)


class ProgrammeNotFound(NotFound):
    """A programme the caller does not manage, named in a write: as if it did not exist."""

    slug, title = "programme-not-found", "Programme not found"


def ensure_programmes_visible(principal: Principal, programme_ids: Iterable[uuid.UUID]) -> None:
    """404 naming the first of ``programme_ids`` an officer does not manage: a write that
    names another party's programme is answered as if it did not exist."""
    if principal.role in UNRESTRICTED:
        return
    foreign = sorted(str(p) for p in set(programme_ids) - set(principal.programme_ids))
    if foreign:
        raise ProgrammeNotFound(f"No programme {foreign[0]} among yours.")


def reject_fields(principal: Principal, sent: Iterable[str],
                  not_allowed: Mapping[str, frozenset[str]]) -> None:
    """422 naming the fields of ``sent`` that ``not_allowed[role]`` forbids the caller to set."""
    refused = sorted(set(sent) & not_allowed.get(principal.role, frozenset()))
    if refused:
        raise FieldNotAllowed(
            f"{_who(principal)} may not set: {', '.join(refused)}.",
            errors=[{"loc": ["body", name], "msg": f"not allowed for role {principal.role}",
                     "type": "field_not_allowed"} for name in refused])
