"""What placements must respect of a programme: the stay types it runs and its limits on a
stay's length and extensions, as the candidates service (which owns programmes) tells them.

Placements asks ``GET /v1/programmes/{id}`` with the caller's own token (every signed-in role
reads a programme) whenever a write could break a limit: publishing or changing a vacancy,
proposing a placement with its own dates, extending one. A field the answer lacks limits
nothing (a programme that sets none, or a candidates service older than these fields). Without
a token to forward (auth off: the service run alone) nobody is asked and nothing is limited, as
for a visa request's identity; an unknown programme is a 404, a candidates service that cannot
be asked a 503 (nothing changed).
"""

import uuid
from collections.abc import Sequence
from datetime import date

from services.placements.employers.exceptions import ProgrammeNotFound
from services.placements.matching.inputs import add_months
from services.placements.programme_rules import NO_LIMITS, ProgrammeRules
from services.placements.upstream import CandidatesAsCaller
from shared.errors import UnprocessableEntity
from shared.i18n import _


class ProgrammeLimitExceeded(UnprocessableEntity):
    """A stay the programme does not allow: a stay type it does not run, longer than its
    ``max_stay_months``, or extended beyond its ``max_extension_months``; names the field."""

    slug, title = "programme-limit-exceeded", "Beyond the programme's limits"




async def rules(caller: CandidatesAsCaller | None, programme_id: uuid.UUID) -> ProgrammeRules:
    """The programme's rules, asked with the caller's token; :data:`NO_LIMITS` when there is
    nobody to ask as. ProgrammeNotFound when the candidates service does not know it,
    CandidatesUnavailable when it cannot be asked."""
    if caller is None or caller.client is None or caller.authorization is None:
        return NO_LIMITS
    found = await caller.client.programme_rules(programme_id,
                                                authorization=caller.authorization)
    if found is None:
        raise ProgrammeNotFound(_("No programme {programme_id}.", programme_id=programme_id))
    return found


def _exceeded(detail: str, fields: Sequence[str], message: str,
              **limit: int | Sequence[str]) -> ProgrammeLimitExceeded:
    return ProgrammeLimitExceeded(detail, limit=limit, errors=[
        {"loc": ["body", name], "msg": message, "type": "programme_limit"} for name in fields])


def check_stay_type(programme: ProgrammeRules, stay_type: str) -> None:
    """ProgrammeLimitExceeded (naming ``stay_type``) unless the programme runs such stays."""
    allowed = programme.allowed_stay_types
    if stay_type not in allowed:
        raise _exceeded(_("The programme runs {allowed} stays, not {stay_type}.",
                          allowed=", ".join(allowed), stay_type=stay_type),
                        ["stay_type"], _("not among the programme's stay_types: {allowed}",
                                         allowed=", ".join(allowed)),
                        stay_types=list(allowed))


def check_stay_end(programme: ProgrammeRules, *, start: date, end: date,
                   fields: Sequence[str] = ("end_date",)) -> None:
    """ProgrammeLimitExceeded (naming ``fields``) when a stay from ``start`` to ``end`` is
    longer than the programme's ``max_stay_months``."""
    months = programme.max_stay_months
    if months is not None and end > (latest := add_months(start, months)):
        raise _exceeded(
            _("The stay would end on {end} (end_date); the programme allows stays of at most "
              "{months} months (max_stay_months): until {latest} from {start}.",
              end=end, months=months, latest=latest, start=start),
            fields, _("beyond the programme's max_stay_months ({months}): at most {latest}",
                      months=months, latest=latest),
            max_stay_months=months)


def check_extension(programme: ProgrammeRules, *, planned_end: date,
                    new_end: date) -> None:
    """ProgrammeLimitExceeded (naming ``new_end_date``) when extending a stay planned to end on
    ``planned_end`` (before any extension) to ``new_end`` goes beyond the programme's
    ``max_extension_months`` in all."""
    months = programme.max_extension_months
    if months is not None and new_end > (latest := add_months(planned_end, months)):
        raise _exceeded(
            _("new_end_date {new_end} extends the stay planned to end on {planned_end} by "
              "more than the programme's {months} months (max_extension_months) in all: at "
              "most {latest}.", new_end=new_end, planned_end=planned_end, months=months,
              latest=latest), ["new_end_date"],
            _("beyond the programme's max_extension_months ({months}) in all: at most "
              "{latest}", months=months, latest=latest),
            max_extension_months=months)
