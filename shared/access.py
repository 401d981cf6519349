"""The one access model of every service: who is related to an object, who may read it and who
may do each action on it. Services declare their rules with it (a :class:`Policy` per kind of
object, the columns of their tables in :func:`conditions`) and nothing more.

**Relations** (data: :data:`TIES`). An object names its owners (:class:`Owners`); a caller is
related to it through the field of their token their role is tied by:

==============  ===============================================================
role            related to an object through
==============  ===============================================================
admin, service  everything (operators; services calling each other)
officer         one of its programmes (the token's ``programme_ids``)
ministry        one of its programmes
visa_authority  one of its programmes *and* its destination ``country``
employer        its ``employer_id``
candidate       its ``candidate_id``
institution     its ``institution_id``
==============  ===============================================================

The same ties give :func:`relates` (one loaded object) and :func:`conditions` (the WHERE clauses
of a repository's "readable by this principal" statement), so a lookup and a list cannot
disagree.

**Answers.** An object the caller is not related to, or may not read, does not exist for them
(404); an action their role may not do on an object they see is a 403; a stale ``If-Match`` a
412 — checked in that order by :meth:`Policy.check`.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, false

from shared import concurrency
from shared.auth import Forbidden, Principal
from shared.errors import NotFound, UnprocessableEntity
from shared.i18n import N_, _, translate

Row = TypeVar("Row")
Roles = frozenset[str]

# Roles related to every object: operators, and other services reading with a machine token.
UNRESTRICTED: Roles = frozenset({"admin", "service"})
STAFF: Roles = frozenset({"admin", "officer"})


@dataclass(frozen=True, slots=True)
class Relation:
    """One way to be related to an object: a field of the token matched with an owner field.

    ``name`` is also the keyword :func:`conditions` takes the matching column under.
    """

    name: str
    # Principal's field; a tuple (programme_ids) relates when it holds the owner's value.
    principal_field: str
    # Owners' field; a tuple (programme_ids) relates when it shares a value with the token.
    owner_field: str

    def value(self, principal: Principal) -> Any:
        """The principal's value for this relation (None or () when it has none)."""
        return getattr(principal, self.principal_field)

    def holds(self, principal: Principal, owners: "Owners") -> bool:
        """Whether this relation ties ``principal`` to an object owned by ``owners``."""
        mine, theirs = self.value(principal), getattr(owners, self.owner_field)
        if isinstance(mine, tuple):
            return not set(mine).isdisjoint(theirs or ())
        return mine is not None and mine == theirs


PROGRAMME = Relation("programme", "programme_ids", "programme_ids")
COUNTRY = Relation("country", "country", "country")
EMPLOYER = Relation("employer", "employer_id", "employer_id")
CANDIDATE = Relation("candidate", "candidate_id", "candidate_id")
INSTITUTION = Relation("institution", "institution_id", "institution_id")

# Role -> the relations that must all hold. A role absent here (and not UNRESTRICTED) is
# related to nothing.
TIES: Mapping[str, tuple[Relation, ...]] = {
    "officer": (PROGRAMME,),
    "ministry": (PROGRAMME,),
    "visa_authority": (PROGRAMME, COUNTRY),
    "employer": (EMPLOYER,),
    "candidate": (CANDIDATE,),
    "institution": (INSTITUTION,),
}
# Roles tied to objects by the token's programme_ids alone.
PROGRAMME_ROLES: Roles = frozenset(role for role, ties in TIES.items() if ties == (PROGRAMME,))


@dataclass(frozen=True, slots=True)
class Owners:
    """Whom an object belongs to, where it has such an owner."""

    programme_ids: tuple[uuid.UUID, ...] = ()
    employer_id: uuid.UUID | None = None
    candidate_id: uuid.UUID | None = None
    institution_id: uuid.UUID | None = None
    # Where the stay takes place (a placement's destination): what a visa authority is for.
    country: str | None = None


def relates(principal: Principal, owners: Owners) -> bool:
    """Whether ``owners`` make the object the caller's business (see :data:`TIES`)."""
    if principal.role in UNRESTRICTED:
        return True
    ties = TIES.get(principal.role)
    return bool(ties) and all(tie.holds(principal, owners) for tie in ties or ())


# What :func:`conditions` takes per relation: a column (compared with the token's value), or a
# function of the token's value returning the condition (for owners reached through another
# table, or several columns).
Target = SQLColumnExpression[Any] | Callable[[Any], ColumnElement[bool]]


def _condition(target: Target, value: Any) -> ColumnElement[bool]:
    if isinstance(target, SQLColumnExpression):
        # A column: no value on the token relates to no row.
        if value is None or value == ():
            return false()
        return target.in_(list(value)) if isinstance(value, tuple) else target == value
    # A function decides itself what a missing value means (e.g. a candidate account that
    # created its profile before its token carried the id).
    return target(list(value) if isinstance(value, tuple) else value)


def conditions(principal: Principal, **targets: Target) -> list[ColumnElement[bool]]:
    """The WHERE clauses of "readable by ``principal``" for a table whose owner columns are
    given by relation name (``programme=``, ``country=``, ``employer=``, ``candidate=``,
    ``institution=``): empty for the unrestricted roles; ``false()`` for a role tied by a
    relation the table does not have.

    A column is compared with the token's value (``in_`` for programme_ids); a callable gets
    the token's value (a list for programme_ids, maybe None or empty) and returns the condition
    — it must answer a None itself (``column == None`` is SQL's IS NULL, not "nothing").
    """
    if unknown := set(targets) - {tie.name for ties in TIES.values() for tie in ties}:
        raise TypeError(f"No relation named {', '.join(sorted(unknown))}.")
    if principal.role in UNRESTRICTED:
        return []
    ties = TIES.get(principal.role, ())
    if not ties or any(targets.get(tie.name) is None for tie in ties):
        return [false()]
    return [_condition(targets[tie.name], tie.value(principal)) for tie in ties]


# A 403's sentence for each role, whole: "A candidate may not {doing}." (see ensure_role).
_MAY_NOT: dict[str, str] = {
    "admin": N_("An admin may not {doing}."),
    "officer": N_("An officer may not {doing}."),
    "candidate": N_("A candidate may not {doing}."),
    "employer": N_("An employer may not {doing}."),
    "institution": N_("An institution may not {doing}."),
    "ministry": N_("A ministry may not {doing}."),
    "visa_authority": N_("A visa_authority may not {doing}."),
    "service": N_("A service may not {doing}."),
    "data_protection_officer": N_("A data_protection_officer may not {doing}."),
}
_MAY_NOT_WITHOUT_ROLE = N_("A caller without a role may not {doing}.")
# What a Policy's refusal says when its declaration words none (codes filled in).
_SEE_DETAILS = N_("see a {name}'s details")
_DO_ACTION = N_("{action} this {name}")
_LIST = N_("list {name}s")


def ensure_role(principal: Principal, roles: Roles, doing: str) -> None:
    """403 unless the caller has one of ``roles``.

    ``doing`` completes "may not …": a verb phrase ("register employers"), marked with
    ``N_`` where it is written so that it is translated as a whole (in French as an infinitive,
    in Arabic as a verbal noun: it follows "may not" in each language's sentence). A phrase
    without a translation stays English.
    """
    if principal.role not in roles:
        sentence = _MAY_NOT.get(principal.role, _MAY_NOT_WITHOUT_ROLE)
        raise Forbidden(translate(sentence, doing=translate(doing)))


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
    # What a refused role "may not …" (default: "see a <name>'s details", "<action> this <name>").
    refusal: str | None = None

    def check(self, row: Row | None, *, principal: Principal, object_id: uuid.UUID,
              action: str | None = None, expected_version: int | None = None) -> Row:
        """``row`` (as loaded, maybe None) after the checks, in this order: a role in
        :attr:`refuses` (403), it exists for the caller (404), their role may do ``action``
        (403; None: read it), If-Match (412)."""
        self.ensure_not_refused(principal, action)
        if row is None:
            raise self.missing(object_id)
        if action is None:
            self.ensure_readable(principal, self.owners(row), object_id)
        else:
            self.ensure_allowed(principal, self.owners(row), object_id, action)
        concurrency.ensure_version(
            expected_version, getattr(row, "version", None),
            N_("The {name} changed since version {version}; read it again."), name=self.name)
        return row

    def ensure_not_refused(self, principal: Principal, action: str | None = None) -> None:
        """403 for a role in :attr:`refuses` reading, or doing an action that is not its own."""
        if principal.role in self.refuses and (
                action is None or principal.role not in self.actions[action]):
            ensure_role(principal, frozenset(), self.refusal or (
                translate(_SEE_DETAILS, name=self.name) if action is None
                else translate(_DO_ACTION, action=action, name=self.name)))

    def missing(self, object_id: uuid.UUID) -> NotFound:
        """The 404 of an object of this kind that does not exist for the caller."""
        return self.not_found(_("No {name} {object_id}.", name=self.name, object_id=object_id))

    def ensure_readable(self, principal: Principal, owners: Owners,
                        object_id: uuid.UUID) -> None:
        """404 unless the caller may read this object."""
        if principal.role not in self.read or not relates(principal, owners):
            raise self.missing(object_id)

    def ensure_allowed(self, principal: Principal, owners: Owners, object_id: uuid.UUID,
                       action: str) -> None:
        """404 for an object the caller cannot see, 403 for an action their role may not do."""
        allowed = self.actions[action]
        if not relates(principal, owners) or (
                principal.role not in self.read and principal.role not in allowed):
            raise self.missing(object_id)
        ensure_role(principal, allowed, translate(_DO_ACTION, action=action, name=self.name))

    def ensure_lists(self, principal: Principal, doing: str | None = None) -> None:
        """403 for a role that may read none of these objects, before a list is queried;
        ``doing`` completes its "may not …" (default: as :meth:`check` words it)."""
        if principal.role in self.refuses:
            ensure_role(principal, frozenset(), doing or self.refusal
                        or translate(_SEE_DETAILS, name=self.name))
        ensure_role(principal, self.read, doing or translate(_LIST, name=self.name))

    def may(self, principal: Principal, action: str) -> bool:
        """Whether the caller's role may do ``action`` at all (before looking at an object)."""
        return principal.role in self.actions[action]


def programme_scope(principal: Principal) -> Sequence[uuid.UUID] | None:
    """The programmes a programme-bound role (officer, ministry) is limited to; None for the
    others."""
    return principal.programme_ids if principal.role in PROGRAMME_ROLES else None


def ensure_programmes_visible(principal: Principal, programme_ids: Iterable[uuid.UUID],
                              not_found: type[NotFound]) -> None:
    """``not_found`` naming the first of ``programme_ids`` outside a programme-bound caller's
    programmes: a write that names another party's programme is answered as if it did not
    exist."""
    if (mine := programme_scope(principal)) is None:
        return
    if foreign := sorted(str(p) for p in set(programme_ids) - set(mine)):
        raise not_found(_("No programme {foreign} among yours.", foreign=foreign[0]))


def ensure_programmes(principal: Principal, programme_ids: Iterable[uuid.UUID],
                      doing: str) -> None:
    """403 unless a programme-bound caller manages every one of ``programme_ids``."""
    if (mine := programme_scope(principal)) is None:
        return
    if foreign := sorted(str(p) for p in set(programme_ids) - set(mine)):
        raise Forbidden(_("You may not {doing} for programmes you do not manage: {foreign}.",
                          doing=translate(doing), foreign=", ".join(foreign)),
                        programme_ids=foreign)


class FieldNotAllowed(UnprocessableEntity):
    """The caller's role may not set a field it sent; names the fields like a validation error."""

    slug, title = "field-not-allowed", "Field not allowed for this role"


def reject_fields(principal: Principal, sent: Iterable[str],
                  not_allowed: Mapping[str, frozenset[str]]) -> None:
    """422 naming the fields of ``sent`` that ``not_allowed[role]`` forbids the caller to set."""
    refused = sorted(set(sent) & not_allowed.get(principal.role, frozenset()))
    if refused:
        raise FieldNotAllowed(
            _("The role {role} may not set: {fields}.", role=principal.role,
              fields=", ".join(refused)),
            errors=[{"loc": ["body", name],
                     "msg": _("not allowed for role {role}", role=principal.role),
                     "type": "field_not_allowed"} for name in refused])
