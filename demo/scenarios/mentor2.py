"""MENTOR 2: young Moroccans and Tunisians in traineeships with firms in Milan and Turin.

As the pilot reported it: 41 traineeships in Milan and Turin, prepared by pre-departure
training, supported during the stay, some extended by the host firm, and followed by mentoring
after return.

Here: 110 applicants, 41 selected and trained (Italian for work, orientation), nine host firms
in Milano and Torino, three of which extend their trainees' stays (15 trainees, by three or
four months, on an offer reference); every returnee is mentored for six months after return,
and the few who start a business get a micro-grant.
"""

import random
from datetime import date
from typing import Any

from demo import pool
from demo.dates import add_months, seeding_day
from demo.plan import Applicant, Plan
from demo.pool import Host
from demo.scenarios import common

SEED = 2022
SECTORS = {"ict": 14, "mechatronics": 9, "logistics": 6, "tourism_hospitality": 5,
           "fashion_design": 4, "agrifood": 3}
WOMEN, WAITLISTED, INELIGIBLE = 19, 44, 25

HOSTS = (
    Host("brera-digital", "Brera Digital", "Milano", "ict", 6, "Software developer trainee",
         "2512", extension_months=3),
    Host("navigli-software", "Navigli Software", "Milano", "ict", 4, "Web developer trainee",
         "2513", size="small"),
    Host("mole-ict", "Mole ICT", "Torino", "ict", 4, "Network technician trainee", "3513",
         extension_months=4),
    Host("lingotto-robotica", "Lingotto Robotica", "Torino", "mechatronics", 5,
         "Robotics technician trainee", "3114", size="large", extension_months=3),
    Host("mirafiori-meccatronica", "Mirafiori Meccatronica", "Torino", "mechatronics", 4,
         "Automation technician trainee", "3115"),
    Host("malpensa-logistica", "Malpensa Logistica", "Milano", "logistics", 6,
         "Warehouse planner trainee", "4321", size="large"),
    Host("ospitalita-po", "Ospitalità Po", "Torino", "tourism_hospitality", 5,
         "Hotel operations trainee", "4224"),
    Host("moda-lab", "Moda Lab Milano", "Milano", "fashion_design", 4, "Pattern maker trainee",
         "7532", size="small"),
    Host("langhe-food", "Langhe Food", "Torino", "agrifood", 3, "Food quality trainee", "3142"),
)
INSTITUTIONS = {"ofppt": ("OFPPT: Office de la Formation Professionnelle", "training_centre",
                          "MA", "Casablanca"),
                "atfp": ("ATFP: Agence Tunisienne de la Formation Professionnelle",
                         "training_centre", "TN", "Tunis")}
MODULES = (
    {"code": "IT-A2", "title": "Italian for work (A2)", "hours": "100", "required": True,
     "position": 1},
    {"code": "ORIENTATION", "title": "Work and life in Italy: pre-departure orientation",
     "hours": "16", "required": True, "position": 2},
)
LOCAL_EMPLOYERS = {"MA": ("Renault Tanger Med", "Marsa Maroc", "Atlas Digital SARL", "Dar Web"),
                   "TN": ("Poulina Group", "Sartex", "Vermeg", "Tunisair Technics")}
AT_RETURN = {"employed_host_company": 4, "employed_other_employer": 5, "seeking_work": 18,
             "in_education": 8, "not_seeking_work": 3, "unreachable": 3}
AT_SIX_MONTHS = {"employed_host_company": 5, "employed_other_employer": 13, "self_employed": 3,
                 "seeking_work": 11, "in_education": 5, "not_seeking_work": 2, "unreachable": 2}
CURRENCY = {"MA": ("MAD", "25000.00"), "TN": ("TND", "7000.00")}


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The MENTOR 2 plan drawn from ``seed``, its stays ending ~6.5 months before ``today``."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=today, country="IT", language="en", signed=add_months(today, -24),
        origins=("MA", "TN"), stipend="800.00",
        extension_offer="The host firm offers more months in the same team and stipend.")
    dates = common.calendar(vacancies, tag="mentor2", origins=("MA", "TN"), language="en",
                            universities={"MA": "ofppt", "TN": "atfp"},
                            institutions=INSTITUTIONS)
    selected = pool.cohort(rng, dates.intake, women=WOMEN, countries=["IT"], trained=True,
                           sectors=[s for s, n in SECTORS.items() for _ in range(n)],
                           available=dates.available)
    others = pool.others(rng, dates.intake, eligible=WAITLISTED, ineligible=INELIGIBLE,
                         sectors=list(SECTORS), countries=["IT"], available=dates.available,
                         first=len(selected) + 1)
    movers = common.with_stays(rng, selected, {0: (AT_RETURN, 3), 6: (AT_SIX_MONTHS, 4)},
                               LOCAL_EMPLOYERS, _support)
    applicants = movers + others
    rng.shuffle(applicants)
    return common.assemble(
        scenario="mentor2", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="MENTOR2-DEMO", name="MENTOR 2: traineeships in Milan and Turin (demo)",
            description="Mediterranean Network for Training Orientation to Regular migration: "
                        "traineeships in Italian firms, mentoring after return.",
            origins=["MA", "TN"], destinations=["IT"], sectors=list(SECTORS),
            capacity=len(selected), gender_share="0.40", training=True),
        institutions=INSTITUTIONS, modules=MODULES, applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(movers, "mechatronics"),
        candidate_what="a trainee back from Torino", employer_key="lingotto-robotica",
        employer_what="Lingotto Robotica, which extended its trainees")


def _support(rng: random.Random, returnee: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Six months of mentoring from return for everyone; a micro-grant for a new business."""
    outcome = rng.choice(("successful", "successful", "partially_successful"))
    measures: list[dict[str, Any]] = [{
        "kind": "mentoring", "provider": "MENTOR 2 mentors' network", "months_after_return": 0,
        "months": 6, "outcome": outcome}]
    if answers[6]["employment_status"] == "self_employed":
        currency, amount = CURRENCY[returnee.origin]
        measures.append({"kind": "micro_grant", "provider": "MENTOR 2 start-up fund",
                         "months_after_return": 3, "amount": amount, "currency": currency})
    return tuple(measures)
