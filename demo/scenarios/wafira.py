"""WAFIRA: Moroccan women harvest strawberries in Andalusia season after season, and start
businesses at home.

As the pilot reported it (Women as Financially Independent Rural Actors, 2021-2025, with the
GECCO circular scheme between Morocco and Spain): rural women recruited by the Moroccan
employment agency ANAPEC for the red-fruit harvest in Huelva, returning every season; 600
reached before departure, 287 selected for the training programme (entrepreneurship, business
plans, financial literacy, given in Spain during the season), 231 fully supported with
technical and financial help after return, 209 of them (84 %) with a formal business or
income-generating activity.

Here, one in ten: 60 applicants (57 women and 3 men, whom the women-only eligibility screens
out), 29 women selected and nominated by ANAPEC, hired by four cooperatives of Huelva for two
harvest seasons a year apart; the same 29 return and are matched again for the second season
(``repeat_stays``). During the second season all 29 follow the entrepreneurship training
(support at stage ``during_stay``); after return 23 receive an income-generating-activity
grant, and at six months 21 run their own business. Every return has its follow-ups: those of
the first season were recorded by the caseworkers on the days the women answered.
"""

import random
from dataclasses import replace
from datetime import date
from typing import Any

from demo import fair_recruitment, people, pool
from demo.dates import add_months, birth_date, seeding_day
from demo.plan import Applicant, Plan
from demo.pool import Host, Intake
from demo.scenarios import common

SEED = 2022
SELECTED, WAITLISTED, TOO_OLD, MEN = 29, 20, 8, 3
ANDALUSIA = "ES-AN"
SEASON = {"stay_type": "seasonal", "region": ANDALUSIA}
# Four cooperatives, each hiring for both seasons (round 0 a year before round 1).
COOPERATIVES = (("condado-berries", "Fresas del Condado S. Coop. And.", "Bonares", 9),
                ("moguer-frutos-rojos", "Frutos Rojos de Moguer S. Coop. And.", "Moguer", 8),
                ("palos-agricola", "Palos Agrícola S. Coop. And.", "Palos de la Frontera", 7),
                ("lepe-berries", "Berries de Lepe S. Coop. And.", "Lepe", 5))
HOSTS = tuple(
    Host(key, name, city, "agriculture", seats, "Strawberry harvest worker", "9211", months=4,
         terms=SEASON, round=round_, months_earlier=12 * (1 - round_))
    for round_ in (0, 1) for key, name, city, seats in COOPERATIVES)
AGENCY = {"anapec": ("ANAPEC: Agence Nationale de Promotion de l'Emploi et des Compétences",
                     "employment_agency", "MA", "Rabat")}
LOCAL_EMPLOYERS = {"MA": ("Coopérative agricole Loukkos", "Domaine Larache Primeurs",
                          "Coopérative Al Amal", "Souk Sebt cooperative")}
# Employment statuses after the first season's return and after the second's; each adds up
# to the 29 women. Their own farm or shop counts as self-employment.
FIRST_SEASON = {0: {"not_seeking_work": 14, "seeking_work": 6, "self_employed": 5,
                    "employed_other_employer": 2, "unreachable": 2},
                6: {"self_employed": 7, "employed_other_employer": 4, "seeking_work": 8,
                    "not_seeking_work": 8, "unreachable": 2}}
SECOND_SEASON = {0: {"self_employed": 12, "not_seeking_work": 8, "seeking_work": 5,
                     "employed_other_employer": 2, "unreachable": 2},
                 6: {"self_employed": 21, "employed_other_employer": 3, "seeking_work": 2,
                     "not_seeking_work": 2, "unreachable": 1}}
GRANT = ("MAD", "15000.00")
# What the first season's recruitment cost, in dirhams or euros: the cooperatives pay the
# journey (GECCO), the programme the visas; many women paid their passport and medical
# certificate, and a few an intermediary in the village.
COSTS = (
    fair_recruitment.Cost("administrative", {"MA": ("60.00", "EUR")}, "programme", 1.0, 30,
                          "Visa fee, paid by the programme"),
    fair_recruitment.Cost("travel_lodging", {"MA": ("180.00", "EUR")}, "employer", 1.0, 2,
                          "Bus and ferry tickets bought by the cooperative"),
    fair_recruitment.Cost("administrative", {"MA": ("500.00", "MAD")}, "worker", 0.6, 75,
                          "Passport fee stamp"),
    fair_recruitment.Cost("medical", {"MA": ("300.00", "MAD")}, "worker", 0.4, 50,
                          "Medical certificate"),
    fair_recruitment.Cost("recruitment_fee", {"MA": ("2000.00", "MAD")}, "worker", 0.1, 100,
                          "Intermediary's note, amount as told by the worker"),
)


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The WAFIRA plan drawn from ``seed``, the second season ending ~6.5 months before
    ``today`` and the first a year earlier."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=today, country="ES", language=None, signed=add_months(today, -30),
        origins=("MA",), stipend="1250.00")
    seasons, vacancies = common.seasons(vacancies)
    dates = common.calendar(vacancies, tag="wafira", origins=("MA",), language="ar",
                            universities={"MA": "anapec"}, institutions=AGENCY)
    selected = _women(rng, dates.intake, SELECTED, first=1, available=dates.available,
                      nominated=True)
    waiting = _women(rng, dates.intake, WAITLISTED + TOO_OLD, first=SELECTED + 1,
                     available=dates.available, nominated=False)
    men = _men(rng, dates.intake, MEN, first=len(selected) + len(waiting) + 1,
               available=dates.available)
    movers = _seasons(rng, selected)
    applicants = movers + waiting + men
    rng.shuffle(applicants)
    plan = common.assemble(
        scenario="wafira", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="WAFIRA-DEMO", name="WAFIRA: seasons in Huelva, businesses at home (demo)",
            description="Women as Financially Independent Rural Actors: Moroccan women harvest "
                        "red fruit in Andalusia season after season and start income-"
                        "generating activities at home.",
            origins=["MA"], destinations=["ES"], sectors=["agriculture"], capacity=SELECTED,
            gender_share=None, shape={
                "eligibility": {"min_age": 25, "max_age": 45, "genders": ["female"]},
                "stay_types": ["seasonal"], "repeat_stays": True, "seasons": seasons,
                "max_stay_months": 9, "destination_regions": [ANDALUSIA],
                "planned": {"applicants": None, "trained": None, "moved": 25}}),
        institutions=AGENCY, modules=(), applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=_showcase(movers),
        candidate_what="back from her second harvest in Huelva",
        employer_key="condado-berries", employer_what="Fresas del Condado, a cooperative",
        schedule={"points_months": [0, 6], "window_days": 240},
        notes=(f"The same {SELECTED} women went for two seasons ({seasons[0]['name']}, "
               f"{seasons[1]['name']}): one returnee case each, with two stays.",
               "Recruitment costs of the first season: the cooperatives paid the journey, the "
               "programme the visas; many women paid their passport and medical certificate, "
               "and a few an intermediary; the ministry reads SDG 10.7.1."))
    return common.with_fair_recruitment(plan, COSTS, rates={"MAD": "0.092"}, complaint=dict(
        body={
            "category": "housing", "severity": "high", "handled_first_by": "programme",
            "description": "Eight of us share one prefabricated room without hot water."},
        response="A caseworker visits the farm's housing on Thursday.",
        resolution={"outcome": "upheld", "resolution": "The cooperative moved four "
                    "workers to a second house and installed a water heater."},
        satisfaction=5))


def _profile(rng: random.Random, intake: Intake, *, number: int, gender: str, age: int,
             level: str, available: tuple[date, date]) -> dict[str, Any]:
    """A rural applicant's form: Arabic, some schooling, farm work."""
    identity = people.identity(rng, gender=gender, nationality="MA", number=number,
                               domain=f"{intake.tag}.example.org")
    return {
        **identity, "date_of_birth": birth_date(rng, intake.closes, age).isoformat(),
        "education": [{"institution": f"École publique de {identity['residence_city']}",
                       "level": level, "year": intake.closes.year - age + 15}],
        "skills": people.skills(rng, "agriculture"),
        "languages": [{"language": "ar", "level": "C2"}],
        "preferred_sectors": ["agriculture"], "preferred_countries": ["ES"],
        "available_from_date": available[0].isoformat(),
        "available_until_date": available[1].isoformat(),
    }


def _women(rng: random.Random, intake: Intake, count: int, *, first: int,
           available: tuple[date, date], nominated: bool) -> list[Applicant]:
    """Women who apply. ANAPEC nominates those it recruited (lower secondary school, 25 to 40:
    selection's score puts them first, see demo.pool); the others finished primary school, the
    last :data:`TOO_OLD` of them past the age limit."""
    found = []
    for i in range(count):
        too_old = not nominated and i >= count - TOO_OLD
        age = rng.randint(47, 52) if too_old else rng.randint(25, 40)
        body = _profile(rng, intake, number=first + i, gender="female", age=age,
                        level="lower_secondary" if nominated else "primary",
                        available=available)
        outcome = "selected" if nominated else "ineligible" if too_old else "waitlisted"
        found.append(Applicant(key=f"{intake.tag}-{first + i:03d}", profile=body,
                               sector="agriculture", outcome=outcome,
                               nominated_by="anapec" if nominated else None))
    return found


def _men(rng: random.Random, intake: Intake, count: int, *, first: int,
         available: tuple[date, date]) -> list[Applicant]:
    """Men who apply anyway: screening turns them down (``gender_not_admitted``)."""
    return [Applicant(key=f"{intake.tag}-{first + i:03d}", sector="agriculture",
                      outcome="ineligible",
                      profile=_profile(rng, intake, number=first + i, gender="male",
                                       age=rng.randint(25, 40), level="primary",
                                       available=available))
            for i in range(count)]


def _seasons(rng: random.Random, selected: list[Applicant]) -> list[Applicant]:
    """The women with their answers after each season's return and their support."""
    movers = common.with_stays(rng, selected, {p: (mix, 0) for p, mix in SECOND_SEASON.items()},
                               LOCAL_EMPLOYERS, _support)
    earlier = {point: pool.answers_at(rng, movers, mix, abroad=0,
                                      local_employers=LOCAL_EMPLOYERS)
               for point, mix in FIRST_SEASON.items()}
    return [replace(m, stay=replace(m.stay, earlier=(
        {point: by_key[m.key] for point, by_key in earlier.items()},))) if m.stay else m
            for m in movers]


def _showcase(movers: list[Applicant]) -> Applicant:
    """A woman who answered every follow-up of both seasons herself."""
    return next(m for m in movers if m.stay and all(
        answer["employment_status"] != "unreachable"
        for answers in (*m.stay.earlier, m.stay.answers) for answer in answers.values()))


def _support(rng: random.Random, woman: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Entrepreneurship training in Spain during the second season, for all; an income-
    generating-activity grant after return for those starting a business and for those still
    looking for work at six months."""
    measures: list[dict[str, Any]] = [{
        "stage": "during_stay", "kind": "entrepreneurship_training",
        "provider": "ILO and Cooperativas Agro-alimentarias de Andalucía",
        "months_after_return": -2, "months": 1, "outcome": "successful"}]
    status = answers[6]["employment_status"]
    if status in ("self_employed", "seeking_work"):
        currency, amount = GRANT
        measures.append({
            "kind": "income_generating_activity", "provider": "WAFIRA with ANAPEC",
            "months_after_return": 1, "months": 4, "amount": amount, "currency": currency,
            "outcome": "successful" if status == "self_employed" else "partially_successful"})
    return tuple(measures)
