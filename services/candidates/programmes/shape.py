"""A programme's shape fields that must agree with each other, checked in one place for a new
programme and after a PATCH alike (each field alone is checked by its schema):

- every ``destination_regions`` code lies in one of the ``destination_countries`` ("BE-VLG"
  needs "BE");
- ``seasons`` belong to a programme whose ``stay_types`` include ``seasonal``;
- a suspended origin stays among the ``origin_countries`` (lift the suspension first).
"""

from collections.abc import Sequence
from typing import Any

from services.candidates.programmes.exceptions import InvalidProgrammeShape


def check(*, destination_countries: Sequence[str], destination_regions: Sequence[str],
          stay_types: Sequence[str], seasons: Sequence[Any],
          origin_countries: Sequence[str] = (), suspended: Sequence[str] = ()) -> None:
    """InvalidProgrammeShape (422, naming each field) when the fields disagree."""
    problems: dict[str, str] = {}
    if dropped := [c for c in suspended if c not in origin_countries]:
        problems["origin_countries"] = (
            f"{', '.join(dropped)} is suspended: lift the suspension before removing it")
    # ISO 3166-2: a subdivision code starts with its country's alpha-2 code.
    outside = [r for r in destination_regions if r[:2] not in destination_countries]
    if outside:
        problems["destination_regions"] = (
            f"{', '.join(outside)} not in the destination countries "
            f"({', '.join(destination_countries)})")
    if seasons and "seasonal" not in stay_types:
        problems["seasons"] = "only a programme with seasonal stays runs seasons"
    if problems:
        raise InvalidProgrammeShape(
            "; ".join(f"{name}: {message}" for name, message in sorted(problems.items())),
            errors=[{"loc": ["body", name], "msg": message, "type": "programme_shape"}
                    for name, message in sorted(problems.items())])
