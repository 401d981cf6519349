"""Errors of a programme's partnerships: its consortium and its partners' agreements."""

from collections.abc import Sequence

from services.candidates.institutions.exceptions import (
    InstitutionNotFound as InstitutionNotFound,  # one 404 for a missing institution
)
from services.candidates.programmes.exceptions import (
    ProgrammeNotFound as ProgrammeNotFound,  # one 404 for a missing programme
)
from shared.errors import Conflict, NotFound, UnprocessableEntity


class AgreementNotFound(NotFound):
    slug, title = "agreement-not-found", "Agreement not found"


class ConsortiumMemberNotFound(NotFound):
    slug, title = "consortium-member-not-found", "Institution not in the consortium"


class AlreadyMember(Conflict):
    slug, title = "already-member", "Institution already in the consortium"


class _PartiesProblem(UnprocessableEntity):
    """A 422 naming ``party_ids`` (at ``positions``, its offending entries, when given) like a
    validation error names a field."""

    def __init__(self, detail: str, *, msg: str, positions: Sequence[int] = ()) -> None:
        locs: list[list[str | int]] = [["body", "party_ids", p] for p in positions] \
            or [["body", "party_ids"]]
        super().__init__(detail, errors=[{"loc": loc, "msg": msg, "type": self.slug}
                                         for loc in locs])


class PartyNotInConsortium(_PartiesProblem):
    """A party that is not a member of the programme's consortium: agreements are recorded
    between a programme's partners."""

    slug, title = "party-not-in-consortium", "Party not in the programme's consortium"


class NotAParty(_PartiesProblem):
    """An institution recording an agreement it did not sign."""

    slug, title = "not-a-party", "Your institution is not a party"
