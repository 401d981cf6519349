"""The clock of the API: now in UTC, and the calendar date (UTC) of a moment."""

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends


# async although it awaits nothing: a plain ``def`` dependency would run in a worker thread.
async def utc_now() -> datetime:
    """Now, in UTC: when a request happens. Tests override this dependency to move time."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(utc_now)]


def utc_date(now: datetime) -> date:
    """The calendar date of ``now`` in UTC, the API's calendar."""
    return now.astimezone(UTC).date()


def utc_today() -> date:
    """Today in UTC, the API's calendar."""
    return utc_date(datetime.now(UTC))
