"""Codes the reintegration service speaks: ISO countries and currencies, sector codes and
text from :mod:`shared.vocabulary`, and its own."""

from typing import Annotated

from pydantic import StringConstraints

from shared.vocabulary import CountryCode, CurrencyCode, LongText, Reason, Sector, ShortText

__all__ = ["UNKNOWN", "CountryCode", "CurrencyCode", "LongText", "Reason", "Sector",
           "ShortText", "Subject"]

# The ``sub`` of an officer's token: who a case is assigned to.
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]

UNKNOWN = "unknown"
"""What breakdowns call a gender, origin country or sector that nobody told us."""
