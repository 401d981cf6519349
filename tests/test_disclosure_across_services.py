"""One figure two services publish: the candidates service's applications returned and
reintegration's returnees are the same people in a programme without repeat stays. Each
release treats it as known to the reader: withheld only when it is small itself (then in both),
never chosen to protect another cell, which the other release would give away."""

import uuid
from datetime import UTC, datetime

from services.candidates.statistics import service as statistics
from services.candidates.statistics.schemas import ProgrammeStatistics
from services.reintegration.indicators import disclosure as indicators
from services.reintegration.indicators.schemas import IndicatorCell, Indicators
from shared.disclosure import suppress
from tests.linear_system import recoverable


def _statistics(returned: int) -> ProgrammeStatistics:
    # 2 selected must go; the smallest cell beside them is the returned, which the other
    # service publishes: another one must be withheld instead.
    by_status = {"selected": 2, "returned": returned, "rejected": 30 - 2 - returned}
    return ProgrammeStatistics(programme_id=uuid.uuid4(), applications_total=30,
                               by_status=by_status, by_gender={"female": 10, "male": 20},
                               by_nationality={"MA": 30})


def test_the_returned_are_never_a_complement_in_the_statistics() -> None:
    release = statistics.release(_statistics(returned=6))
    result = suppress(release)
    assert ("by_status", "selected") in result.hidden
    assert ("by_status", "returned") not in result.hidden
    assert ("by_status", "rejected") in result.hidden
    assert not recoverable(release.sums, result.hidden, release.equations)


def _indicators(returnees: int) -> Indicators:
    return Indicators(programme_id=uuid.uuid4(), computed_at=datetime.now(UTC),
                      small_cell_threshold=None, total=IndicatorCell(
                          returnees=returnees, people=returnees, stays=returnees,
                          businesses_created=0, by_point=[], support_spend=[]),
                      by_gender=[], by_origin_country=[], by_sector=[],
                      by_destination_country=[], support=[])


def test_few_returned_are_withheld_in_both() -> None:
    release = statistics.release(_statistics(returned=3))
    assert ("by_status", "returned") in suppress(release).hidden
    assert (*indicators.TOTAL, "returnees") in suppress(
        indicators.release(_indicators(3))).hidden


def test_the_returnees_are_never_a_complement_in_the_indicators() -> None:
    release = indicators.release(_indicators(6))
    assert (*indicators.TOTAL, "returnees") in release.known
    assert (*indicators.TOTAL, "returnees") not in suppress(release).hidden
