"""The other pilots' demo scenarios: Digital Explorers, MATCH, WAFIRA, YGCA, MOVE_GREEN,
MENTOR 2 and PALIM (HOMERe's are in test_demo_homere).

Without a database: the same seed gives the same plan, and each plan holds its pilot's published
facts. Then one system of real processes (one replica each) is started once for the module and
every scenario seeded in it through the gateway, each actor with its own account; the tests read
back what each programme's ministry sees (small cells suppressed), what the Lithuanian visa
authority's own system did, the seasons of the same women, study stays, support at every stage,
the consortium and its agreements (MENTOR 2's recorded by the cities themselves), extensions
offered by host firms, and PALIM's trained-at-home pool beside those who moved. How long each
seeding took is printed (``-s``), never asserted.
"""

import json
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from demo import fair_recruitment
from demo.plan import figures
from demo.scenarios import build
from demo.seed import Result, seed
from launcher.api_client import Api, ApiError
from shared.disclosure import withheld
from tests.conftest import RunDatabase
from tests.linear_system import statistics_withheld
from tests.reintegration.indicators.release import check, exact_for_ministry, flatten
from tests.system import ADMIN, PASSWORD, admin_token, running_system

DAY = date(2026, 11, 23)
PILOTS = ("digital-explorers", "match", "wafira", "ygca", "move-green", "mentor2", "palim")
MATCH_DESTINATIONS = {"BE": 15, "IT": 11, "LU": 10, "NL": 13}
PALIM_APPLICANTS = 9_677  # the pilot's applications, every one filed
MENTOR2_CITIES = {"Milano": "IT-25", "Torino": "IT-21"}  # Lombardy, Piedmont


# --- the plans, without a database -------------------------------------------------------------


@pytest.mark.parametrize("name", PILOTS)
def test_same_seed_same_plan(name: str) -> None:
    assert build(name, today=DAY) == build(name, today=DAY)
    assert build(name, seed=7, today=DAY).applicants != build(name, today=DAY).applicants


@pytest.mark.parametrize("name", PILOTS)
def test_stays_end_before_their_follow_ups(name: str) -> None:
    plan = build(name, today=DAY)
    # Six-month follow-ups are due on the seeding day: every return at least six months back.
    assert all(v.end <= date(2026, 5, 23) for v in plan.vacancies)
    assert all(v.visa_decided < v.arrival <= v.end for v in plan.vacancies)
    intake_closes = date.fromisoformat(plan.programme["intake_closes_at"][:10])
    assert all(v.visa_decided > intake_closes for v in plan.vacancies)


def test_digital_explorers_plan_holds_the_pilot_facts() -> None:
    plan = build("digital-explorers", today=DAY)
    found = figures(plan)
    assert plan.programme["origin_countries"] == ["NG"]
    assert plan.programme["destination_countries"] == ["LT"]
    assert found["selected"] == found["trained"] == found["returnees"] == 30
    assert found["selected_by_sector"] == {"ict": 30}
    assert found["returnees_by_origin"] == {"NG": 30}
    assert len(plan.employers) == 7  # the first batch's seven companies
    assert {v.body["duration_months"] for v in plan.vacancies} == {6, 12}
    # The Lithuanian visa desk is a system of its own, not a person's account.
    assert set(plan.visa_machines) == {"LT"}


def test_match_plan_holds_the_pilot_facts() -> None:
    plan = build("match", today=DAY)
    found = figures(plan)
    assert plan.programme["origin_countries"] == ["NG", "SN"]
    assert found["applicants_by_nationality"].keys() == {"NG", "SN"}
    assert found["returnees_by_destination"] == MATCH_DESTINATIONS  # four, each shown
    assert found["selected"] == found["returnees"] == sum(MATCH_DESTINATIONS.values())
    women = found["selected_by_gender"]["female"]
    assert women / found["selected"] >= 0.30  # MATCH's minimum share of women
    assert {v.body["duration_months"] for v in plan.vacancies} <= {12, 18, 24}  # 1-2 years
    sectors = found["selected_by_sector"]
    assert sectors["ict"] > 0.8 * found["selected"]
    assert all(n < 5 for s, n in sectors.items() if s != "ict")  # "other" for a ministry
    assert sum(n for s, n in sectors.items() if s != "ict") >= 5


@pytest.mark.parametrize(("name", "trained", "moved", "extended"),
                         [("palim", 120, 30, 0), ("mentor2", 41, 41, 15)])
def test_trained_moved_extended(name: str, trained: int, moved: int, extended: int) -> None:
    found = figures(build(name, today=DAY))
    assert (found["trained"], found["returnees"], found["extended"]) == (trained, moved, extended)


def test_mentor2_plan_traineeships_mentoring_and_the_cities() -> None:
    plan = build("mentor2", today=DAY)
    found = figures(plan)
    programme = plan.programme
    assert programme["stay_types"] == ["traineeship"]
    assert sorted(programme["destination_regions"]) == sorted(MENTOR2_CITIES.values())
    assert all(v.body["stay_type"] == "traineeship" and v.body["training_agreement_reference"]
               and v.body["region"] == MENTOR2_CITIES[v.body["location"]["city"]]
               for v in plan.vacancies)
    assert programme["training_required_before_departure"] and plan.modules
    # Mentoring during the traineeship and after return, for every trainee.
    assert found["support"][("during_stay", "mentoring")]["people"] == 41
    assert found["support"][("after_return", "mentoring")]["people"] == 41
    # The extended stays stay within the programme's limits.
    for v in plan.vacancies:
        months = (v.end.year - v.arrival.year) * 12 + v.end.month - v.arrival.month
        assert months <= programme["max_stay_months"]
    members = {key: role for key, role, _ in plan.consortium}
    assert members["milano"] == "lead"
    assert [a["parties"] for a in plan.agreements] == [["milano", "tanger"],
                                                       ["torino", "khouribga"]]
    assert all(plan.institutions[k]["kind"] == "municipality" and k in members
               for a in plan.agreements for k in a["parties"])


def test_palim_plan_holds_the_published_figures() -> None:
    plan = build("palim", today=DAY)
    found = figures(plan)
    assert found["selected"] == found["trained"] == 120
    # 18 % women: 21.6 of 120, rounded to the nearest.
    assert found["selected_by_gender"] == {"female": 22, "male": 98}
    assert found["returnees"] == 30  # moved to Flanders
    assert found["applications_by_status"]["selected"] == 90  # trained for jobs at home
    assert plan.programme["planned"] == {"applicants": None, "trained": 120, "moved": 30}
    assert plan.programme["destination_regions"] == ["BE-VLG"]
    assert {v.body["region"] for v in plan.vacancies} == {"BE-VLG"}
    assert found["applicants"] == PALIM_APPLICANTS


def test_wafira_plan_the_same_women_two_seasons() -> None:
    plan = build("wafira", today=DAY)
    found = figures(plan)
    programme = plan.programme
    assert programme["eligibility"]["genders"] == ["female"]
    assert programme["repeat_stays"] is True and programme["stay_types"] == ["seasonal"]
    assert [s["name"] for s in programme["seasons"]] == [
        str(date.fromisoformat(s["starts_on"]).year) for s in programme["seasons"]]
    first, second = programme["seasons"]
    assert first["ends_on"] < second["starts_on"]
    seats = {r: sum(v.body["seats"] for v in plan.vacancies if v.round == r) for r in (0, 1)}
    assert seats == {0: 29, 1: 29}  # every woman, each season
    assert {v.body["season"] for v in plan.vacancies} == {first["name"], second["name"]}
    assert found["selected_by_gender"] == {"female": 29}
    assert (found["returnees"], found["stays"]) == (29, 58)
    assert found["applicants_by_gender"]["male"] == 3  # screened out
    assert all(m.stay and len(m.stay.earlier) == 1 for m in plan.movers)
    assert found["by_point"][0]["due"] == found["by_point"][6]["due"] == 58
    assert found["support"][("during_stay", "entrepreneurship_training")]["people"] == 29
    assert found["support"][("after_return", "income_generating_activity")]["people"] == 23


def test_ygca_plan_study_stays_and_awards() -> None:
    plan = build("ygca", today=DAY)
    found = figures(plan)
    assert plan.programme["stay_types"] == ["study"]
    assert all(e.get("kind") == "study_provider" for e in plan.employers.values())
    assert all(v.body["stay_type"] == "study" and v.body["qualification_level"] == "master"
               and v.body["study_programme"] and "occupation_code" not in v.body
               and v.body["duration_months"] == 12 for v in plan.vacancies)
    assert found["returnees"] == 40
    assert found["support"][("during_stay", "entrepreneurship_training")]["people"] == 40
    assert found["support"][("after_return", "award")]["people"] == 4
    awards = [m for m in plan.movers if m.stay
              for measure in m.stay.support if measure["kind"] == "award"]
    assert all(m.stay and m.stay.answers[6]["employment_status"] == "self_employed"
               for m in awards)


def test_move_green_plan_two_editions_and_a_consortium() -> None:
    plan = build("move-green", today=DAY)
    found = figures(plan)
    editions = {r: [v for v in plan.vacancies if v.round == r] for r in (0, 1)}
    assert [sum(v.body["seats"] for v in editions[r]) for r in (0, 1)] == [18, 25]
    assert max(v.end for v in editions[0]) < min(v.arrival for v in editions[1])
    assert found["returnees"] == found["trained"] == 43
    assert plan.programme["planned"]["moved"] == 36
    assert {key for key, _, _ in plan.consortium} >= {"famsi", "claner", "anmar"}
    assert all(set(a["parties"]) <= {key for key, _, _ in plan.consortium}
               for a in plan.agreements)
    assert found["support"][("before_departure", "entrepreneurship_training")]["people"] == 43
    assert 12 in found["by_point"]  # the first edition, a year further on


# --- played through the real system ------------------------------------------------------------


Seeded = dict[str, tuple[str, Result]]  # scenario -> (gateway URL, result)


@pytest.fixture(scope="module")
def seeded(scratch_database: RunDatabase) -> Iterator[Seeded]:
    """Every pilot of this module seeded, one after the other, in one system (one replica of
    each process); the gateway's URL and each seeding's result."""
    with running_system(scratch_database.admin_url) as system:
        gateway = system["gateway"]
        admin_token(scratch_database.admin_url, gateway)  # the admin the scenarios run as
        found: Seeded = {}
        for name in PILOTS:
            started = time.monotonic()
            found[name] = gateway, seed(name, gateway_url=gateway, admin_email=ADMIN,
                                        admin_password=PASSWORD, progress=False)
            print(f"\nseeding {name} took {time.monotonic() - started:.1f} s")
        yield found


def _by_value(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {g["value"]: g for g in groups}


def _point(cell: dict[str, Any], months: int) -> dict[str, Any]:
    return next(p for p in cell["by_point"] if p["point_months"] == months)


def _ministry(gateway: str, result: Result) -> Api:
    return Api.login(gateway, result.plan.ministry.email, result.plan.ministry.password)


def _officer(gateway: str, result: Result) -> Api:
    return Api.login(gateway, result.plan.officer.email, result.plan.officer.password)


def _reads_applications(overview: dict[str, Any], result: Result, gateway: str) -> None:
    """The overview's application counts are the plan's, as a ministry reads them: counts of
    1 to 4 people withheld, and every count the others would give away; nothing withheld in
    the statistics or the indicators can be derived from what is shown."""
    expected = figures(result.plan)
    assert not result.already_there
    assert overview["applications_total"] in (None, expected["applicants"])
    for seen, planned in (("applications_by_status", "applications_by_status"),
                          ("applicants_by_gender", "applicants_by_gender"),
                          ("applicants_by_nationality", "applicants_by_nationality")):
        assert set(overview[seen]) == set(expected[planned])
        for key, count in expected[planned].items():
            assert overview[seen][key] in ((None,) if withheld(count) else (None, count))
    officer = _officer(gateway, result)
    statistics = statistics_withheld(
        officer.get(f"/v1/programmes/{result.programme_id}/statistics"),
        _ministry(gateway, result).get(f"/v1/programmes/{result.programme_id}/statistics"))
    exact = officer.get("/v1/indicators", params={"programme_id": result.programme_id})
    if overview["reintegration"] is not None:
        indicators = check(exact_for_ministry(exact), flatten(overview["reintegration"]))
        assert overview["suppressed_cells"] == len(statistics) + len(indicators)


def _reads_follow_ups(total: dict[str, Any], result: Result) -> None:
    """Each answered point as planned, counts of 1 to 4 people withheld from a ministry (and
    the others withheld when they would give a small one away)."""
    for months, planned in figures(result.plan)["by_point"].items():
        point = _point(total, months)
        assert point["due"] == planned["due"]
        assert point["responded"] in (None, planned["responded"])
        for seen, name in (("employed_or_self_employed", "working"),
                           ("host_company", "host_company"), ("abroad", "abroad")):
            assert point[seen] in ((None,) if withheld(planned[name])
                                   else (None, planned[name])), seen


def test_ministry_reads_digital_explorers(seeded: Seeded) -> None:
    gateway, result = seeded["digital-explorers"]
    ministry = _ministry(gateway, result)
    overview = ministry.get(f"/v1/programmes/{result.programme_id}/overview")
    _reads_applications(overview, result, gateway)
    assert overview["applications_by_status"] == {"returned": 30, "waitlisted": 40,
                                                  "ineligible": 20}
    assert overview["training"]["trained"] == overview["training"]["trained_and_moved"] == 30
    indicators = ministry.get("/v1/indicators", params={"programme_id": result.programme_id})
    assert {**indicators, "computed_at": None} == {**overview["reintegration"],
                                                   "computed_at": None}
    assert indicators["total"]["returnees"] == 30
    assert {g: c["returnees"] for g, c in _by_value(indicators["by_gender"]).items()} == {
        "female": 12, "male": 18}
    _reads_follow_ups(indicators["total"], result)
    six = _point(indicators["total"], 6)
    # The 28 who responded are withheld (beside the counts shown they would give a small one
    # away); what they answered is shown.
    assert (six["responded"], six["employed_or_self_employed"], six["host_company"],
            six["abroad"]) == (None, 21, 6, 6)


def test_the_lithuanian_authority_decided_every_visa(seeded: Seeded) -> None:
    """Its own system, a machine client limited to Lithuania and the programme, posted each
    decision: the placements' histories name it, not the officer."""
    gateway, result = seeded["digital-explorers"]
    admin = Api.login(gateway, ADMIN, PASSWORD)
    [desk] = admin.get("/v1/admin/clients", params={
        "role": "visa_authority", "programme_id": result.programme_id})["items"]
    assert (desk["name"], desk["country"]) == (result.plan.visa_machines["LT"], "LT")
    assert desk["programme_ids"] == [result.programme_id]
    officer = _officer(gateway, result)
    placements = officer.all_pages("/v1/placements", programme_id=result.programme_id)
    assert len(placements) == 30
    planned = {v.visa_decided.isoformat() for v in result.plan.vacancies}
    for placement in placements:
        assert (placement["visa_decision"], placement["visa_reference"][:8]) == (
            "granted", "LT-VISA-")
        assert placement["visa_decision_date"] in planned
        history = officer.get(f"/v1/placements/{placement['id']}/transitions")["items"]
        [decision] = [t for t in history if t["to_status"] == "visa_granted"]
        assert (decision["actor"], decision["actor_role"]) == (
            f"client:{desk['client_id']}", "visa_authority")
    # No person at the visa desk: no visa_authority account for this programme.
    accounts = admin.get("/v1/admin/accounts", params={
        "role": "visa_authority", "programme_id": result.programme_id})["items"]
    assert accounts == []


def test_ministry_reads_match(seeded: Seeded) -> None:
    gateway, result = seeded["match"]
    ministry = _ministry(gateway, result)
    overview = ministry.get(f"/v1/programmes/{result.programme_id}/overview")
    _reads_applications(overview, result, gateway)
    assert overview["programme"]["destination_countries"] == ["BE", "IT", "LU", "NL"]
    indicators = overview["reintegration"]
    assert indicators["total"]["returnees"] == 49
    _reads_follow_ups(indicators["total"], result)
    destinations = _by_value(indicators["by_destination_country"])
    assert {d: c["returnees"] for d, c in destinations.items()} == MATCH_DESTINATIONS
    # The two small sectors (4 people each) are one group for a ministry, of 8.
    sectors = {s: c["returnees"] for s, c in _by_value(indicators["by_sector"]).items()}
    assert sectors == {"ict": 41, "other": 8}
    officer = _officer(gateway, result)
    full = officer.get("/v1/indicators", params={"programme_id": result.programme_id})
    assert {s: c["returnees"] for s, c in _by_value(full["by_sector"]).items()} == \
        figures(result.plan)["returnees_by_sector"]
    # Never a person.
    with pytest.raises(ApiError) as refused:
        ministry.get("/v1/candidates")
    assert refused.value.status == 403


def test_each_destination_decided_its_own_visas(seeded: Seeded) -> None:
    gateway, result = seeded["match"]
    officer = _officer(gateway, result)
    placements = officer.all_pages("/v1/placements", programme_id=result.programme_id)
    by_country: dict[str, int] = {}
    for placement in placements:
        country = placement["visa_reference"][:2]
        by_country[country] = by_country.get(country, 0) + 1
        assert placement["status"] == "completed"
    assert by_country == MATCH_DESTINATIONS


def _support(indicators: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["stage"], row["kind"]): row for row in indicators["support"]}


def _reads_support(indicators: dict[str, Any],
                   result: Result) -> dict[tuple[str, str], dict[str, Any]]:
    """The support rows by (stage, kind), checked against the plan's as a ministry sees them
    (rows of 1 to 4 people left out)."""
    support = _support(indicators)
    planned = {group: (row["measures"], row["people"])
               for group, row in figures(result.plan)["support"].items() if row["people"] >= 5}
    assert {g: (r["measures"], r["people"]) for g, r in support.items()} == planned
    return support


def test_ministry_reads_wafira_seasons(seeded: Seeded) -> None:
    gateway, result = seeded["wafira"]
    ministry = _ministry(gateway, result)
    overview = ministry.get(f"/v1/programmes/{result.programme_id}/overview")
    _reads_applications(overview, result, gateway)
    # 3 men: a small cell, and the 57 women would be the total minus them.
    assert overview["applicants_by_gender"] == {"female": None, "male": None}
    officer = _officer(gateway, result)
    counts = officer.get(f"/v1/programmes/{result.programme_id}/statistics")
    assert counts["by_gender"] == {"female": 57, "male": 3}
    men = [a for a in officer.all_pages("/v1/applications", programme_id=result.programme_id)
           if a["status"] == "ineligible" and "gender_not_admitted" in json.dumps(a)]
    assert len(men) == 3  # the women-only eligibility screened them out
    programme = overview["programme"]
    assert programme["repeat_stays"] is True
    assert [s["name"] for s in programme["seasons"]] == \
        [s["name"] for s in result.plan.programme["seasons"]]
    indicators = overview["reintegration"]
    total = indicators["total"]
    assert (total["people"], total["stays"], total["returnees"]) == (29, 58, 29)
    _reads_follow_ups(total, result)
    for point in total["by_point"]:  # each return's follow-ups, both seasons answered
        assert (point["due"], point["answered"], point["missed"]) == (58, 58, 0)
    assert total["businesses_created"] == figures(result.plan)["businesses_created"]
    support = _reads_support(indicators, result)
    grants = support[("after_return", "income_generating_activity")]["spend"]
    assert grants == [{"currency": "MAD", "amount": "345000.00"}]  # 23 x 15,000


def test_each_woman_one_case_two_stays(seeded: Seeded) -> None:
    gateway, result = seeded["wafira"]
    officer = _officer(gateway, result)
    cases = officer.all_pages("/v1/returnee-cases", programme_id=result.programme_id)
    assert len(cases) == 29
    seasons = [s["name"] for s in result.plan.programme["seasons"]]
    for case in cases:
        stays = sorted(case["stays"], key=lambda s: s["return_date"])
        assert [(s["stay_type"], s["season"], s["destination_country"]) for s in stays] == [
            ("seasonal", season, "ES") for season in seasons]
    woman = Api.login(gateway, result.plan.candidate.email, result.plan.candidate.password)
    placements = woman.get("/v1/placements")["items"]
    assert sorted(p["season"] for p in placements) == seasons
    assert {p["status"] for p in placements} == {"completed"}


def test_ministry_reads_ygca_study_stays(seeded: Seeded) -> None:
    gateway, result = seeded["ygca"]
    ministry = _ministry(gateway, result)
    overview = ministry.get(f"/v1/programmes/{result.programme_id}/overview")
    _reads_applications(overview, result, gateway)
    indicators = overview["reintegration"]
    assert indicators["total"]["people"] == 40
    _reads_follow_ups(indicators["total"], result)
    support = _reads_support(indicators, result)
    # The four awards (4 people) are a small cell: left out for a ministry, seen by the officer.
    assert ("after_return", "award") not in support
    officer = _officer(gateway, result)
    full = _support(officer.get("/v1/indicators", params={"programme_id": result.programme_id}))
    award = full[("after_return", "award")]
    assert (award["people"], award["spend"]) == (4, [{"currency": "EUR", "amount": "40000.00"}])
    placements = officer.all_pages("/v1/placements", programme_id=result.programme_id)
    assert len(placements) == 40
    assert {p["stay_type"] for p in placements} == {"study"}
    assert all(p["enrolment_reference"] for p in placements)


def test_ministry_reads_move_green_partners_and_plans(seeded: Seeded) -> None:
    gateway, result = seeded["move-green"]
    ministry = _ministry(gateway, result)
    overview = ministry.get(f"/v1/programmes/{result.programme_id}/overview")
    _reads_applications(overview, result, gateway)
    assert overview["planned_vs_actual"]["moved"] == {"planned": 36, "actual": 43}
    assert overview["planned_vs_actual"]["trained"] == {"planned": 36, "actual": 43}
    roles = {m["institution"]["name"].split(":")[0]: m["role"] for m in overview["consortium"]}
    assert roles["FAMSI"] == "lead" and roles["CLANER"] == roles["AN^MAR"] == "partner"
    assert sorted(a["title"] for a in overview["agreements"]) == sorted(
        a["title"] for a in result.plan.agreements)
    indicators = overview["reintegration"]
    assert indicators["total"]["people"] == 43
    _reads_follow_ups(indicators["total"], result)
    twelve = _point(indicators["total"], 12)
    assert twelve["due"] == 18  # only the first edition is a year back
    _reads_support(indicators, result)


def test_ministry_reads_mentor2(seeded: Seeded) -> None:
    gateway, result = seeded["mentor2"]
    ministry = _ministry(gateway, result)
    overview = ministry.get(f"/v1/programmes/{result.programme_id}/overview")
    _reads_applications(overview, result, gateway)
    assert overview["applications_by_status"]["returned"] == 41  # 41 traineeships
    assert overview["training"]["trained"] == overview["training"]["trained_and_moved"] == 41
    assert overview["planned_vs_actual"]["moved"] == {"planned": 40, "actual": 41}
    assert overview["programme"]["stay_types"] == ["traineeship"]
    # The consortium, Milan leading, and the cities' agreements.
    roles = {m["institution"]["name"]: m["role"] for m in overview["consortium"]}
    assert roles["Comune di Milano"] == "lead" and roles["Città di Torino"] == "partner"
    agreements = {a["title"]: a for a in overview["agreements"]}
    assert sorted(agreements) == sorted(a["title"] for a in result.plan.agreements)
    for agreement in agreements.values():
        assert {p["kind"] for p in agreement["parties"]} == {"municipality"}
    assert [p["name"] for p in agreements["Milan-Tangier cooperation on traineeships"][
        "parties"]] == ["Comune di Milano", "Commune de Tanger"]
    assert [p["name"] for p in agreements["Turin-Khouribga cooperation on traineeships"][
        "parties"]] == ["Città di Torino", "Commune de Khouribga"]
    indicators = overview["reintegration"]
    assert indicators["total"]["people"] == 41
    _reads_follow_ups(indicators["total"], result)
    support = _reads_support(indicators, result)
    assert support[("during_stay", "mentoring")]["people"] == 41
    assert support[("after_return", "mentoring")]["people"] == 41


def test_each_city_recorded_its_own_agreement(seeded: Seeded) -> None:
    """Milan's account recorded Milan-Tangier and reads it; Turin's is not its to read."""
    gateway, result = seeded["mentor2"]
    milan = Api.login(gateway, "mobility@milano.example.org", result.plan.institution.password)
    seen = milan.get("/v1/agreements", params={"programme_id": result.programme_id})["items"]
    assert [a["title"] for a in seen] == ["Milan-Tangier cooperation on traineeships"]


def test_host_firms_extended_their_trainees(seeded: Seeded) -> None:
    gateway, result = seeded["mentor2"]
    officer = _officer(gateway, result)
    placements = officer.all_pages("/v1/placements", programme_id=result.programme_id)
    assert len(placements) == 41
    assert {p["stay_type"] for p in placements} == {"traineeship"}
    assert {p["region"] for p in placements} == set(MENTOR2_CITIES.values())
    extended = {v.key for v in result.plan.vacancies if v.extension}
    plan = result.plan

    def login(host: str) -> str:  # the showcased host's account, or its HR contact's
        email = plan.employer.email if host == plan.employer_key \
            else plan.employers[host]["contacts"][0]["email"]
        return Api.login(gateway, email, plan.employer.password).subject

    hosts = {login(v.employer_key) for v in plan.vacancies if v.extension}
    assert len(hosts) == 3  # each firm that extends recorded its own offers
    offers = 0
    for placement in placements:
        found = officer.get(f"/v1/placements/{placement['id']}/extensions")["items"]
        if not found:
            continue
        [extension] = found
        offers += 1
        assert extension["new_end_date"] == placement["end_date"] == \
            placement["actual_end_date"]
        assert extension["offer_reference"] and extension["actor"] in hosts
    assert offers == sum(v.body["seats"] for v in plan.vacancies if v.key in extended) == 15


def test_ministry_reads_palim(seeded: Seeded) -> None:
    gateway, result = seeded["palim"]
    ministry = _ministry(gateway, result)
    overview = ministry.get(f"/v1/programmes/{result.programme_id}/overview")
    _reads_applications(overview, result, gateway)
    assert overview["applications_total"] == PALIM_APPLICANTS
    # 120 selected and trained: 30 moved to Flanders and came back, 90 trained for home.
    by_status = overview["applications_by_status"]
    assert (by_status["selected"], by_status["returned"]) == (90, 30)
    assert overview["training"] == {**overview["training"], "trained": 120,
                                    "trained_and_moved": 30, "trained_and_stayed": 90}
    assert overview["planned_vs_actual"]["trained"] == {"planned": 120, "actual": 120}
    assert overview["planned_vs_actual"]["moved"] == {"planned": 30, "actual": 30}
    assert overview["programme"]["destination_regions"] == ["BE-VLG"]
    # 22 women of the 120, as the officer's selection run reported it.
    assert result.selection["by_gender"] == {"female": 22, "male": 98}
    indicators = overview["reintegration"]
    assert indicators["total"]["people"] == 30
    assert {g: c["returnees"] for g, c in _by_value(indicators["by_gender"]).items()} == {
        "female": 5, "male": 25}
    assert {d: c["returnees"] for d, c in _by_value(
        indicators["by_destination_country"]).items()} == {"BE": 30}
    _reads_follow_ups(indicators["total"], result)


@pytest.mark.parametrize(("name", "pay"), [("match", "2800"), ("wafira", "1250")])
def test_ministries_read_sdg_10_7_1(seeded: Seeded, name: str, pay: str) -> None:
    """What the workers paid to be recruited, as the ministry reads SDG 10.7.1 (every
    placement counted, its costs over the month's stipend), and the one complaint resolved."""
    gateway, result = seeded[name]
    fair = result.plan.fair
    assert fair is not None
    seasons = 2 if name == "wafira" else 1  # a seasonal worker has a placement a season
    planned = fair_recruitment.expected(fair, [m.key for m in result.plan.movers] * seasons,
                                        Decimal(pay))
    officer = _officer(gateway, result)
    query = {"programme_id": result.programme_id}
    exact = officer.get("/v1/recruitment-costs/sdg-10-7-1", params=query)
    assert exact["reporting_currency"] == "EUR"
    total = exact["total"]
    assert (total["workers"], total["paid_any_fee"], total["counted"]) == (
        planned["workers"], planned["paid_any_fee"], planned["workers"])
    assert total["mean_ratio"] == pytest.approx(float(planned["mean_ratio"]), abs=2e-4)
    # The ministry reads the same figures, less what disclosure control withholds (a count
    # the small groups of a breakdown would give away) and the maximum, one person's.
    sdg = _ministry(gateway, result).get("/v1/recruitment-costs/sdg-10-7-1", params=query)
    assert sdg["total"]["workers"] == planned["workers"]
    assert sdg["total"]["max_ratio"] is None
    shown = {k: v for k, v in sdg["total"].items() if v is not None and k != "bands"}
    assert shown == {k: total[k] for k in shown}
    assert sdg["suppressed_cells"] > 0 or shown.keys() >= {"paid_any_fee", "mean_ratio"}
    stats = officer.get("/v1/grievances/statistics",
                        params={"programme_id": result.programme_id})
    assert stats["total"] == 1
    assert stats["by_status"]["resolved"] == 1
    placements = officer.all_pages("/v1/placements", programme_id=result.programme_id)
    assert sum(not p["zero_fee"] for p in placements) == planned["paid_any_fee"]
