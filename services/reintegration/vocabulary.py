"""Codes the reintegration service speaks: ISO countries and currencies, sector codes, text.

This service's own copies of what the other services validate (services never import each
other); keep them in step.
"""

from typing import Annotated

import pycountry
from pydantic import AfterValidator, StringConstraints

_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)
_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)


def _member(codes: frozenset[str], what: str):  # type: ignore[no-untyped-def]
    def check(value: str) -> str:
        if value not in codes:
            raise ValueError(f"'{value}' is not {what}")
        return value

    return check


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"),
                        AfterValidator(_member(_COUNTRIES, "an ISO 3166-1 alpha-2 country code"))]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"),
                         AfterValidator(_member(_CURRENCIES, "an ISO 4217 currency code"))]
Sector = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
# The ``sub`` of an officer's token: who a case is assigned to.
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]

UNKNOWN = "unknown"
"""What breakdowns call a gender, origin country or sector that nobody told us."""
