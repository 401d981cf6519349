"""The HOMERe demo scenario: its data drawn from a seed, and played through the real system.

HOMERe is entered after the fact in its real period (May 2019 - December 2020): the intake of
2019, the internships of 2020, and every follow-up (at return, six and twelve months) in the
past, recorded with the days things happened. The first tests need no database: the same seed
gives the same people whatever the seeding day, and the plan holds the pilot's figures and
calendar. The end-to-end test seeds HOMERe through the gateway of real processes and reads the
figures back as the programme's ministry does (small cells suppressed), compared with what an
officer of the programme reads (every cell). The system runs two replicas of every process.
"""

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from demo.dates import add_months
from demo.plan import Plan, figures
from demo.scenarios import SCENARIOS, build
from demo.seed import Result, seed
from launcher.api_client import Api, ApiError
from launcher.cli import DEMO_SCENARIOS
from shared.disclosure import withheld
from tests.conftest import RunDatabase
from tests.reintegration.indicators.release import check, exact_for_ministry, flatten
from tests.system import ADMIN, PASSWORD, admin_token, running_system

DAY = date(2026, 11, 23)
SMALL_SECTORS = {"mechanical_engineering", "civil_engineering", "agrifood",
                 "tourism_hospitality", "logistics", "renewable_energy", "healthcare", "finance",
                 "marketing", "chemistry"}
POINTS = (0, 6, 12)


# --- the plan, without a database -------------------------------------------------------------


def test_same_seed_same_scenario_whatever_the_day() -> None:
    assert build("homere", today=DAY) == build("homere", today=DAY)
    other = build("homere", seed=7, today=DAY)
    assert other.applicants != build("homere", today=DAY).applicants
    # Its real period: seeded on another day, the same people and the same dates.
    later = build("homere", today=DAY + timedelta(days=400))
    assert (later.applicants, later.vacancies) == (build("homere", today=DAY).applicants,
                                                    build("homere", today=DAY).vacancies)


def test_homere_plan_holds_the_pilot_figures() -> None:
    plan = build("homere", today=DAY)
    found = figures(plan)
    assert found["applicants"] == 300
    assert found["selected"] == found["returnees"] == 50
    assert found["selected_by_gender"] == {"female": 24, "male": 26}
    sectors = found["selected_by_sector"]
    assert (sectors["ict"], sectors["electrical_engineering"]) == (30, 5)  # 60 %, 10 %
    assert set(sectors) - {"ict", "electrical_engineering"} == SMALL_SECTORS
    assert sum(sectors[s] for s in SMALL_SECTORS) == 15  # 30 % across ten sectors
    six = found["by_point"][6]
    assert 0.4 < six["working"] / six["responded"] < 0.5  # "almost half" employed
    assert six["host_company"] > 0
    # Every point of the schedule was due for all 50; a few twelve-month ones were missed.
    assert sorted(found["by_point"]) == list(POINTS)
    assert all(found["by_point"][p]["due"] == 50 for p in POINTS)
    twelve = found["by_point"][12]
    assert (twelve["answered"], twelve["missed"]) == (44, 6)
    programme = plan.programme
    assert programme["planned"]["moved"] == 250  # against the 50 who moved
    assert programme["stay_types"] == ["traineeship"]
    assert all(v.body["stay_type"] == "traineeship" and v.body["training_agreement_reference"]
               for v in plan.vacancies)
    assert "EG" in programme["origin_countries"]
    [egypt] = plan.suspended_origins
    assert egypt["country"] == "EG" and "Egyptian component was cancelled" in egypt["reason"]
    assert {key: role for key, role, _ in plan.consortium}["ubo"] == "lead"


def test_homere_runs_in_its_real_period() -> None:
    plan = build("homere", today=DAY)
    assert plan.historical
    opens, closes = _intake(plan)
    assert date(2019, 5, 1) <= opens.date() < closes.date() <= date(2019, 12, 31)
    # Every form was submitted inside the intake and is filed by the officer: nobody applies
    # to an intake closed years ago.
    assert all(a.submitted_at and opens <= a.submitted_at < closes for a in plan.applicants)
    assert not any(a.signs_up for a in plan.applicants)
    for v in plan.vacancies:
        assert closes.date() < v.visa_requested < v.visa_decided < v.arrival < v.end
        assert date(2020, 1, 1) <= v.arrival and v.end <= date(2020, 12, 31)
    # The twelve-month follow-ups' windows closed long before today: every point is past.
    window = timedelta(days=plan.schedule["window_days"])
    assert max(add_months(v.end, 12) for v in plan.vacancies) + window < date.today()


def test_the_command_offers_every_scenario() -> None:
    assert set(DEMO_SCENARIOS) == set(SCENARIOS)


# --- played through the real system ------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(scratch_database: RunDatabase) -> Iterator[tuple[str, Result, float]]:
    """The URL of the gateway to read through, the seeding's result and how long it took.

    Two replicas of every process, as ``pathways dev --replicas 2`` runs them: the scenario is
    seeded through the first gateway (which spreads it over both replicas of each service, whose
    relays share the events) and read back through the second."""
    with running_system(scratch_database.admin_url, replicas=2) as system:
        seeding, reading = system.replicas["gateway"]
        admin_token(scratch_database.admin_url, seeding)  # the admin the scenario runs as
        started = time.monotonic()
        result = seed("homere", gateway_url=seeding, admin_email=ADMIN,
                      admin_password=PASSWORD, progress=False)
        yield reading, result, time.monotonic() - started


def _login(gateway: str, email: str, password: str) -> Api:
    return Api.login(gateway, email, password)


def _by_value(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {g["value"]: g for g in groups}


def _point(cell: dict[str, Any], months: int) -> dict[str, Any]:
    return next(p for p in cell["by_point"] if p["point_months"] == months)


def _intake(plan: Plan) -> tuple[datetime, datetime]:
    """The programme's intake window: when it opened and closed."""
    return (datetime.fromisoformat(plan.programme["intake_opens_at"]),
            datetime.fromisoformat(plan.programme["intake_closes_at"]))


def test_ministry_reads_the_homere_figures(seeded: tuple[str, Result, float]) -> None:
    gateway, result, seconds = seeded
    assert not result.already_there
    print(f"seeding HOMERe took {seconds:.1f} s")  # how fast: bench/, not a test's business
    expected = figures(result.plan)
    ministry = _login(gateway, result.plan.ministry.email, result.plan.ministry.password)
    pid = result.programme_id
    overview = ministry.get(f"/v1/programmes/{pid}/overview")

    # Applications, counted by the candidates service (every cell is 5 people or more).
    assert overview["applications_total"] == 300
    assert overview["applications_by_status"] == {"returned": 50, "waitlisted": 190,
                                                  "ineligible": 60}
    assert overview["applicants_by_gender"] == expected["applicants_by_gender"]
    assert overview["applicants_by_nationality"] == expected["applicants_by_nationality"]
    programme = overview["programme"]
    for bound in ("intake_opens_at", "intake_closes_at"):  # the real window, 2019
        assert programme[bound].startswith(result.plan.programme[bound][:10])
    assert programme["stay_types"] == ["traineeship"]

    # What the programme planned and dropped, and who ran it.
    assert overview["planned_vs_actual"]["moved"] == {"planned": 250, "actual": 50}
    [egypt] = overview["suspended_origins"]
    assert (egypt["country"], egypt["suspended_on"]) == ("EG", "2019-12-16")
    assert "Egyptian component was cancelled" in egypt["reason"]
    assert programme["suspended_origins"] == overview["suspended_origins"]
    roles = {m["institution"]["name"]: m["role"] for m in overview["consortium"]}
    assert roles["Université de Bretagne Occidentale"] == "lead"
    assert roles["Association HOMERe France"] == "partner"

    # Reintegration, as the ministry reads it.
    indicators = overview["reintegration"]
    assert indicators["small_cell_threshold"] == 5
    total = indicators["total"]
    assert (total["people"], total["stays"], total["businesses_created"]) == (
        50, 50, expected["businesses_created"])
    genders = _by_value(indicators["by_gender"])
    assert {g: c["returnees"] for g, c in genders.items()} == {"female": 24, "male": 26}
    sectors = _by_value(indicators["by_sector"])
    assert {s: c["returnees"] for s, c in sectors.items()} == {
        "ict": 30, "electrical_engineering": 5, "other": 15}  # the ten small sectors together
    origins = _by_value(indicators["by_origin_country"])
    assert {o: c["returnees"] for o, c in origins.items()} == expected["returnees_by_origin"]
    # Every point of the schedule lies in the past: due for all 50, answered or missed,
    # nothing open or pending; counts of 1 to 4 people are not shown.
    assert [p["point_months"] for p in total["by_point"]] == list(POINTS)
    for months in POINTS:
        planned, point = expected["by_point"][months], _point(total, months)
        assert point["due"] == 50
        assert point["responded"] in (None, planned["responded"])
        for seen, name in (("answered", "answered"), ("unreachable", "unreachable"),
                           ("missed", "missed"), ("employed_or_self_employed", "working"),
                           ("host_company", "host_company"), ("abroad", "abroad")):
            # Withheld when small, or when the shown counts would give a small one away.
            shown = (None,) if withheld(planned[name]) else (None, planned[name])
            assert point[seen] in shown, seen
        assert (point["open"], point["pending"]) == (0, 0)
    six = _point(total, 6)
    assert (six["employed_or_self_employed"], six["host_company"]) == (22, 6)
    # A share is shown only beside the counts it divides.
    assert (six["employed_or_self_employed_share"] is None) == (six["responded"] is None)
    twelve = _point(total, 12)
    # 44 answered, 5 unreachable, 6 missed: the men's 2 and the women's 4 missed, and the
    # 1 woman unreachable, would follow from them; withheld together.
    assert (twelve["answered"], twelve["unreachable"], twelve["missed"]) == (None, None, None)
    # Health monitoring during the internships (the COVID-19 outbreak), for all 50.
    support = {(r["stage"], r["kind"]): r for r in indicators["support"]}
    assert support[("during_stay", "health")]["people"] == 50
    direct = ministry.get("/v1/indicators", params={"programme_id": pid})
    assert {**direct, "computed_at": None} == {**indicators, "computed_at": None}

    # Never a person.
    with pytest.raises(ApiError) as refused:
        ministry.get("/v1/candidates")
    assert refused.value.status == 403


def test_no_suppressed_cell_can_be_derived(seeded: tuple[str, Result, float]) -> None:
    gateway, result, _ = seeded
    pid = result.programme_id
    officer = _login(gateway, result.plan.officer.email, result.plan.officer.password)
    ministry = _login(gateway, result.plan.ministry.email, result.plan.ministry.password)
    full = officer.get("/v1/indicators", params={"programme_id": pid})
    seen = ministry.get("/v1/indicators", params={"programme_id": pid})
    assert (full["small_cell_threshold"], full["suppressed_cells"]) == (None, 0)
    assert {s: c["returnees"] for s, c in _by_value(full["by_sector"]).items()} == \
        figures(result.plan)["returnees_by_sector"]
    # Every count shown is the officer's (the ten small sectors read as one "other"), none
    # of 1 to 4 people is, and none withheld follows from what is shown.
    hidden = check(exact_for_ministry(full), flatten(seen))
    assert seen["suppressed_cells"] == len(hidden)
    assert set(_by_value(seen["by_sector"])) == {"ict", "electrical_engineering", "other"}


def test_the_seeded_people_see_their_part(seeded: tuple[str, Result, float]) -> None:
    gateway, result, _ = seeded
    plan = result.plan
    window = _intake(plan)
    # The showcased intern's account was made for the profile their university registered:
    # their application, filed by the officer, carries the day it was submitted in 2019.
    trainee = _login(gateway, plan.candidate.email, plan.candidate.password)
    [application] = trainee.get("/v1/applications")["items"]
    assert application["status"] == "returned"
    assert window[0] <= datetime.fromisoformat(application["submitted_at"]) < window[1]
    [placement] = trainee.get("/v1/placements")["items"]
    assert (placement["status"], placement["sector"], placement["stay_type"]) == (
        "completed", "ict", "traineeship")
    assert placement["actual_start_date"] >= "2020-01-01"
    assert placement["actual_end_date"] <= "2020-12-31"
    # Their follow-ups closed years ago: a caseworker recorded each answer on its day.
    follow_ups = trainee.get("/v1/follow-ups")["items"]
    assert {f["point_months"] for f in follow_ups} == set(POINTS)
    for follow_up in follow_ups:
        answer = follow_up["answer"]
        assert follow_up["status"] == "completed" and answer["recorded_via"] == "caseworker"
        assert follow_up["due_date"] <= answer["answered_on"] < \
            follow_up["window_closes_at"][:10] < date.today().isoformat()
    host = _login(gateway, plan.employer.email, plan.employer.password)
    hosted = host.get("/v1/placements")["items"]
    assert len(hosted) == 6 and {p["status"] for p in hosted} == {"completed"}
    assert {p["stay_type"] for p in hosted} == {"traineeship"}
    # The university registered and nominated its own students: it sees them, and no one else.
    university = _login(gateway, plan.institution.email, plan.institution.password)
    key = plan.institution.email.partition("@")[2].partition(".")[0]
    students = university.all_pages("/v1/candidates")
    assert len(students) == sum(a.nominated_by == key for a in plan.applicants) > 0


def test_a_past_intake_is_closed_to_candidates(seeded: tuple[str, Result, float]) -> None:
    """Nobody applies to HOMERe now: its intake closed in 2019. The officer filed every form
    with the day it was submitted."""
    gateway, result, _ = seeded
    plan = result.plan
    trainee = _login(gateway, plan.candidate.email, plan.candidate.password)
    with pytest.raises(ApiError) as refused:
        trainee.post("/v1/applications", {"candidate_id": trainee.claims["candidate_id"],
                                          "programme_id": result.programme_id})
    assert (refused.value.status, refused.value.body["type"]) == (422, "/problems/intake-closed")
    officer = _login(gateway, plan.officer.email, plan.officer.password)
    filed = officer.all_pages("/v1/applications", programme_id=result.programme_id)
    window = _intake(plan)
    assert len(filed) == 300
    assert all(window[0] <= datetime.fromisoformat(a["submitted_at"]) < window[1]
               for a in filed)
    assert sorted(datetime.fromisoformat(a["submitted_at"]) for a in filed) == sorted(
        a.submitted_at for a in plan.applicants if a.submitted_at)


def test_seeding_again_changes_nothing(seeded: tuple[str, Result, float]) -> None:
    gateway, result, _ = seeded
    again = seed("homere", gateway_url=gateway, admin_email=ADMIN, admin_password=PASSWORD,
                 progress=False)
    assert again.already_there and again.programme_id == result.programme_id
    assert again.overview["applications_total"] == 300
