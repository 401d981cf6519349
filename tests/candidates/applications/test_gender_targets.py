"""Target groups over HTTP: gender eligibility, first-time-only, exact splits and their report."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.candidates.applications.helpers import act, apply, candidate_id, eligible, in_state
from tests.candidates.factories import create_programme

MASTER = [{"level": "master", "institution": "ENSIAS"}]


async def run(client: httpx.AsyncClient, programme: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/v1/programmes/{programme['id']}/selection")
    assert response.status_code == 200, response.text
    return response.json()


def selected(result: dict[str, Any]) -> list[str]:
    return [d["application_id"] for d in result["decisions"] if d["outcome"] == "selected"]


class TestWomenOnly:
    async def test_a_man_is_screened_out_and_only_women_are_selected(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        # WAFIRA: Moroccan women seasonal workers; every seat is for women.
        programme = await create_programme(
            client, capacity=2, gender_balance_min_share="1.00",
            eligibility={"genders": ["female"], "residence_countries": ["MA"]})
        woman = await eligible(client, session, programme)
        man = await apply(client, candidate=await candidate_id(session, gender="male"),
                          programme=programme)
        await act(client, man, "submit")
        screened = (await act(client, man, "screen")).json()
        assert screened["status"] == "ineligible"
        [reason] = screened["screening_reasons"]
        assert (reason["code"], reason["rule"], reason["required"], reason["actual"]) == (
            "gender_not_admitted", "genders", ["female"], "male")

        result = await run(client, programme)
        assert selected(result) == [woman["id"]]
        summary = result["summary"]
        assert summary["by_gender"] == {"female": 1}
        assert summary["targets"] == [{
            "gender": "female", "kind": "at_least", "target": 2, "selected": 1, "met": False,
            "reason": "only 1 eligible woman for 2 reserved seats"}]
        assert not summary["target_met"]

    async def test_residence_outside_the_list_is_ineligible(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, eligibility={"residence_countries": ["MA"]})
        app = await apply(client, candidate=await candidate_id(session, residence_country="FR"),
                          programme=programme)
        await act(client, app, "submit")
        screened = (await act(client, app, "screen")).json()
        assert [r["code"] for r in screened["screening_reasons"]] == ["residence_not_admitted"]


class TestFirstTimeOnly:
    async def test_someone_placed_in_another_programme_is_ineligible(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        earlier = await in_state(client, session, "returned")
        code = (await client.get(f"/v1/programmes/{earlier['programme_id']}")).json()["code"]
        programme = await create_programme(client, eligibility={"first_time_only": True})
        returnee = await apply(client, candidate=earlier["candidate_id"], programme=programme)
        await act(client, returnee, "submit")
        newcomer = await eligible(client, session, programme)

        run_ = await client.post(f"/v1/programmes/{programme['id']}/screening")
        assert run_.status_code == 200, run_.text
        returnee = (await client.get(f"/v1/applications/{returnee['id']}")).json()
        assert returnee["status"] == "ineligible"
        [reason] = returnee["screening_reasons"]
        assert (reason["code"], reason["actual"]) == ("prior_participation", [code])
        assert "first_time_only" in [r["rule"] for r in newcomer["screening_reasons"]]


class TestExactSplit:
    async def test_two_women_and_three_men_out_of_a_mixed_pool(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=5, gender_balance_min_share=None,
                                           gender_targets={"female": 2, "male": 3})
        # Women rank above men, so by rank alone four women would be selected.
        women = [await eligible(client, session, programme, education=MASTER) for _ in range(4)]
        men = [await eligible(client, session, programme, gender="male") for _ in range(4)]
        result = await run(client, programme)
        assert set(selected(result)) == {w["id"] for w in women[:2]} | {m["id"] for m in men[:3]}
        summary = result["summary"]
        assert summary["by_gender"] == {"female": 2, "male": 3}
        assert summary["target_met"]
        assert summary["target_note"] == "exactly 2 women and 3 men selected"
        assert summary["targets"] == [
            {"gender": "female", "kind": "exactly", "target": 2, "selected": 2, "met": True,
             "reason": None},
            {"gender": "male", "kind": "exactly", "target": 3, "selected": 3, "met": True,
             "reason": None}]
        waiting = {d["application_id"]: d["reason"] for d in result["decisions"]
                   if d["outcome"] == "waitlisted"}
        assert waiting[women[2]["id"]] == ("waitlisted: position 1, within capacity by rank but "
                                           "seats reserved for the gender split")

    async def test_a_split_the_pool_cannot_meet_says_why(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        programme = await create_programme(client, capacity=5, gender_balance_min_share=None,
                                           gender_targets={"female": 3, "male": 2})
        woman = await eligible(client, session, programme)
        men = [await eligible(client, session, programme, gender="male") for _ in range(5)]
        result = await run(client, programme)
        # The seats women could not fill go to men by rank: capacity comes first.
        assert set(selected(result)) == {woman["id"]} | {m["id"] for m in men[:4]}
        summary = result["summary"]
        assert not summary["target_met"]
        assert summary["targets"] == [
            {"gender": "female", "kind": "exactly", "target": 3, "selected": 1, "met": False,
             "reason": "only 1 eligible woman for exactly 3 seats"},
            {"gender": "male", "kind": "exactly", "target": 2, "selected": 4, "met": False,
             "reason": "4 men selected for exactly 2 seats: the seats the other genders could "
                       "not fill went to them by rank"}]
