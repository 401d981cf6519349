"""The demo calendar: stays placed so that their follow-ups can be answered on the seeding day.

The services take most dates as given (intake windows, vacancy dates, arrival, visa decisions,
the end of a stay), but a follow-up answer counts only while its window is open *now*
(services/reintegration/followups/state.py). A story told entirely in 2023-2025 could record no
six-month answer, so every scenario is anchored on the day it is seeded: returns land about six
and a half months before that day, making the six-month follow-ups due, and everything else
(intake, selection, visas, stays) is placed before them as the programme ran it.
"""

import calendar
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

# Returns between these many days before the seeding day: the six-month follow-up is then
# due (add_months(return, 6) is at most ~184 days after it) and already open.
RETURN_DAYS_AGO = (186, 200)
# The last day of the month a stay ends on, at most: months of 29-31 days would shift the end
# when months are added back (31 January + 1 month is 28 February).
LAST_SAFE_DAY = 28


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (negative goes back), on the month's last day
    when it is shorter; the services compute vacancy ends and follow-up due dates this way."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class StayDates:
    """When one vacancy's stays start and end."""

    start: date  # the vacancy's start date
    months: int  # its planned length
    end: date  # the return: the planned end, or the extended one
    extension_months: int = 0

    @property
    def planned_end(self) -> date:
        """The end the vacancy states (start plus its months), before any extension."""
        return add_months(self.start, self.months)


def stay(rng: random.Random, today: date, *, months: int, extension_months: int = 0,
         months_earlier: int = 0) -> StayDates:
    """A stay of ``months`` (plus an extension) ending ~six and a half months before ``today``,
    or ``months_earlier`` more (an earlier season or edition: its follow-ups are answered on
    the days they were given, not on the seeding day)."""
    end = today - timedelta(days=rng.randint(*RETURN_DAYS_AGO))
    end = add_months(end.replace(day=min(end.day, LAST_SAFE_DAY)), -months_earlier)
    start = add_months(end, -(months + extension_months))
    return StayDates(start=start, months=months, end=end, extension_months=extension_months)


def birth_date(rng: random.Random, on: date, age: int) -> date:
    """A birthday making someone ``age`` years old on ``on``."""
    # Month and day from a common year: never 29 February, which most years lack.
    day = date(2001, 1, 1) + timedelta(days=rng.randint(0, 364))
    birthday_passed = (day.month, day.day) <= (on.month, on.day)
    return date(on.year - age - (0 if birthday_passed else 1), day.month, day.day)


def seeding_day() -> date:
    """Today in UTC, the API's calendar: the day scenarios are anchored on."""
    return datetime.now(UTC).date()


def intake_window(opens: date, closes: date) -> dict[str, str]:
    """A programme's intake fields: from the first day's start to the last day's end, UTC."""
    return {"intake_opens_at": datetime.combine(opens, time(0), UTC).isoformat(),
            "intake_closes_at": datetime.combine(closes, time(23, 59, 59), UTC).isoformat()}
