"""PALIM: Moroccan ICT graduates trained at home, some of whom work in Flanders (Belgium).

As the pilot reported it: 9,677 applied; 120 were selected and trained (18 % of them women), a
larger pool than moves, to limit brain drain: about 90 trained for jobs in Morocco and 30 moved
to ICT jobs in Flanders.

Here: all 9,677 apply, the programme's call filed by the officer in one import of applications
(each form with its consent and the day it was submitted); the university's nominees are
registered and nominated by it. 120 are selected and trained at home (Dutch for the workplace
and a full-stack bootcamp, both required before departure), 22 of them women (18 % of 120 is
21.6, rounded to the nearest); 30 wanted to work in Belgium and are matched to six Flemish
companies for twelve months (5 women), the other 90 wanted to stay in Morocco
(``preferred_countries: ["MA"]``, which matching respects), so their applications stay
``selected`` with their training complete: the trained-only pool the programme counts too. The
programme planned 120 trained and 30 moved (``planned``), shown beside the actuals (the 9,677
applicants came, they were not planned). How the other 9,557 split between those screening
turns down and those it waitlists is not published: here two thirds fail a rule (language,
education or age).
"""

import random
from datetime import date
from typing import Any

from demo import pool
from demo.dates import add_months, seeding_day
from demo.plan import Applicant, Plan
from demo.pool import Host
from demo.scenarios import common

SEED = 2019
APPLICANTS = 9_677
TRAINED, MOVERS, WOMEN_MOVING, WOMEN_STAYING = 120, 30, 5, 17  # 22 women: 18 % of 120
INELIGIBLE = 6_380  # about two thirds of the others
WAITLISTED = APPLICANTS - TRAINED - INELIGIBLE
FLANDERS = "BE-VLG"  # ISO 3166-2: every host is in Flanders
IN_FLANDERS = {"region": FLANDERS}

HOSTS = (
    Host("gentsoft", "GentSoft", "Gent", "ict", 7, "Java developer", "2512", months=12,
         terms=IN_FLANDERS),
    Host("scheldt-data", "Scheldt Data", "Antwerpen", "ict", 6, "Data engineer", "2521",
         months=12, terms=IN_FLANDERS, size="large"),
    Host("leuven-labs", "Leuven Labs", "Leuven", "ict", 5, "Back-end developer", "2512",
         months=12, terms=IN_FLANDERS),
    Host("brugge-cloud", "Brugge Cloud", "Brugge", "ict", 5, "Cloud engineer", "2523",
         months=12, terms=IN_FLANDERS, size="small"),
    Host("mechelen-it", "Mechelen IT Services", "Mechelen", "ict", 4, "Support engineer",
         "3512", months=12, terms=IN_FLANDERS),
    Host("limburg-code", "Limburg Code", "Hasselt", "ict", 3, "Test automation engineer",
         "2519", months=12, terms=IN_FLANDERS, size="small"),
)
SCHOOLS = {"ensias": ("École Nationale Supérieure d'Informatique et d'Analyse des Systèmes",
                      "university", "MA", "Rabat")}
MODULES = (
    {"code": "NL-A2", "title": "Dutch for the workplace (A2)", "hours": "120", "required": True,
     "position": 1, "description": "Taught in Rabat before departure."},
    {"code": "FULLSTACK", "title": "Full-stack development bootcamp", "hours": "240",
     "required": True, "position": 2, "description": "Java, cloud and agile teamwork."},
)
LOCAL_EMPLOYERS = {"MA": ("Atlas Digital SARL", "CGI Maroc", "Capgemini Maroc", "Dar Web",
                          "Inwi")}
AT_RETURN = {"employed_other_employer": 8, "employed_host_company": 3, "seeking_work": 14,
             "in_education": 2, "not_seeking_work": 1, "unreachable": 2}
AT_SIX_MONTHS = {"employed_host_company": 5, "employed_other_employer": 12, "self_employed": 2,
                 "seeking_work": 7, "in_education": 1, "unreachable": 3}


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The PALIM plan drawn from ``seed``, its stays ending ~6.5 months before ``today``."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=today, country="BE", language="en", signed=add_months(today, -20),
        origins=("MA",), stipend="2400.00")
    dates = common.calendar(vacancies, tag="palim", origins=("MA",), language="en",
                            universities={"MA": "ensias"}, institutions=SCHOOLS)
    moving = pool.cohort(rng, dates.intake, sectors=["ict"] * MOVERS, women=WOMEN_MOVING,
                         countries=["BE"], available=dates.available, trained=True)
    staying = pool.cohort(rng, dates.intake, sectors=["ict"] * (TRAINED - MOVERS),
                          women=WOMEN_STAYING, countries=["MA"], available=dates.available,
                          first=MOVERS + 1, trained=True)
    others = pool.others(rng, dates.intake, eligible=WAITLISTED, ineligible=INELIGIBLE,
                         sectors=["ict"], countries=["BE"], available=dates.available,
                         first=TRAINED + 1)
    movers = common.with_stays(rng, moving, {0: (AT_RETURN, 3), 6: (AT_SIX_MONTHS, 6)},
                               LOCAL_EMPLOYERS, _support)
    applicants = movers + staying + others
    rng.shuffle(applicants)
    return common.assemble(
        scenario="palim", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="PALIM-DEMO", name="PALIM: ICT talent for Flanders (demo)",
            description="Pilot project Addressing Labour shortages through Innovative labour "
                        "Migration models: Moroccan ICT graduates trained at home, some working "
                        "in Flanders.",
            origins=["MA"], destinations=["BE"], sectors=["ict"], capacity=TRAINED,
            gender_share=None, training=True, shape={
                "destination_regions": [FLANDERS], "max_stay_months": 12,
                "planned": {"applicants": None, "trained": TRAINED, "moved": MOVERS}}),
        institutions=SCHOOLS, modules=MODULES, applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(movers, "ict"),
        candidate_what="a developer back from Gent", employer_key="gentsoft",
        employer_what="GentSoft, a host company",
        notes=(f"{TRAINED - MOVERS} of the {TRAINED} trained stayed in Morocco: their "
               "applications stay 'selected', training complete (GET /v1/candidates/{id}/"
               "training).",))


def _support(rng: random.Random, returnee: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """ANAPEC refers those still seeking work at six months to employers."""
    if answers[6]["employment_status"] == "seeking_work":
        return ({"kind": "job_referral", "provider": "ANAPEC", "months_after_return": 3},)
    return ()
