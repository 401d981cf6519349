"""Due dates and windows: calendar months, month ends, leap years, UTC day boundaries."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.reintegration.schedules.service import add_months, closes_at, opens_at, plan


class TestAddMonths:
    @pytest.mark.parametrize(("start", "months", "expected"), [
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),   # shorter month: its last day
        (date(2028, 1, 31), 1, date(2028, 2, 29)),   # leap year
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # across the year
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2027, 2, 28), 12, date(2028, 2, 28)),
    ])
    def test_calendar_months(self, start: date, months: int, expected: date) -> None:
        assert add_months(start, months) == expected


class TestWindow:
    def test_opens_at_the_start_of_the_due_date_utc(self) -> None:
        assert opens_at(date(2027, 1, 10)) == datetime(2027, 1, 10, tzinfo=UTC)

    def test_closes_at_the_end_of_its_last_day_utc(self) -> None:
        # Due 10 January, 30 days: answerable through 9 February, closed from 10 February.
        assert closes_at(date(2027, 1, 10), 30) == datetime(2027, 2, 10, tzinfo=UTC)
        assert closes_at(date(2027, 1, 10), 1) == datetime(2027, 1, 12, tzinfo=UTC)

    def test_instants_compare_whatever_their_offset(self) -> None:
        closing = closes_at(date(2027, 1, 10), 30)
        casablanca = timezone(timedelta(hours=1))
        lagos_evening = datetime(2027, 2, 10, 0, 30, tzinfo=casablanca)  # 23:30 UTC on the 9th
        assert lagos_evening < closing
        assert datetime(2027, 2, 9, 19, 0, tzinfo=timezone(timedelta(hours=-5))) >= closing


def test_plan_places_every_point() -> None:
    planned = plan(date(2026, 3, 31), points_months=[0, 1, 6], window_days=14)
    assert [(p.point_months, p.due_date, p.window_closes_at) for p in planned] == [
        (0, date(2026, 3, 31), datetime(2026, 4, 15, tzinfo=UTC)),
        (1, date(2026, 4, 30), datetime(2026, 5, 15, tzinfo=UTC)),
        (6, date(2026, 9, 30), datetime(2026, 10, 15, tzinfo=UTC)),
    ]
