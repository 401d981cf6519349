"""HOMERe: students of Moroccan and Tunisian universities intern with companies in France.

As the pilot reported it: about 300 applicants, 50 interns selected (24 women, 26 men); ICT
60 % of the internships, electrical engineering 10 %, the other 30 % across ten sectors;
internships of four to six months inside the students' study programmes; after return almost
half found a first employment, some with their host company.

Here: 300 applicants (50 selected, 190 waitlisted, 60 ineligible for language, education or
age), 19 host companies with one vacancy each whose seats add up to the cohort per sector, a
matching run that places every intern in their own sector, visas decided by the French
ministry, and two follow-ups answered, at return and at six months (22 of the 46 reached are
working at six months, 6 of them for their host company). The programme's own schedule asks
at return, six and twelve months and gives 240 days to answer, because caseworkers reach
students over the months after their return; the twelve-month follow-ups are not due yet.
"""

import random
from datetime import date
from typing import Any

from demo import pool
from demo.dates import add_months, seeding_day
from demo.plan import Applicant, Plan
from demo.pool import Host
from demo.scenarios import common

SEED = 2025
SECTORS = {"ict": 30, "electrical_engineering": 5, "mechanical_engineering": 2,
           "civil_engineering": 2, "agrifood": 2, "tourism_hospitality": 2, "logistics": 2,
           "renewable_energy": 1, "healthcare": 1, "finance": 1, "marketing": 1, "chemistry": 1}
WOMEN, APPLICANTS, INELIGIBLE = 24, 300, 60

HOSTS = (
    Host("nordlys", "Nordlys Software", "Lyon", "ict", 6, "Junior developer intern", "2512"),
    Host("atelier-numerique", "Atelier Numérique", "Paris", "ict", 5, "Web developer intern",
         "2513", months=5),
    Host("cloudrive", "Cloudrive SAS", "Toulouse", "ict", 5, "Cloud engineering intern", "2523",
         size="large"),
    Host("datamer", "Datamer", "Marseille", "ict", 4, "Data analyst intern", "2511", months=4),
    Host("pixelia", "Pixelia Studio", "Nantes", "ict", 4, "Front-end developer intern", "2513",
         size="small"),
    Host("secunet", "SecuNet Conseil", "Lille", "ict", 3, "Security analyst intern", "2529"),
    Host("webalpes", "WebAlpes", "Grenoble", "ict", 3, "Software tester intern", "2519",
         size="small", months=5),
    Host("voltaire-energie", "Voltaire Énergie", "Lyon", "electrical_engineering", 3,
         "Electrical design intern", "2151", size="large"),
    Host("electropole", "Électropôle Sud", "Montpellier", "electrical_engineering", 2,
         "Automation intern", "2151"),
    Host("mecarhone", "Mécanique de Précision Rhône", "Saint-Étienne",
         "mechanical_engineering", 2, "Mechanical design intern", "2144", months=4),
    Host("batir-ouest", "Bâtir Ouest", "Rennes", "civil_engineering", 2,
         "Site engineering intern", "2142"),
    Host("terroirs", "Terroirs Qualité", "Dijon", "agrifood", 2, "Food quality intern", "3142"),
    Host("hotels-baie", "Hôtels de la Baie", "Nice", "tourism_hospitality", 2,
         "Hotel operations intern", "1411", months=4),
    Host("logifret", "LogiFret", "Le Havre", "logistics", 2, "Supply chain intern", "4323"),
    Host("soleilvent", "SoleilVent", "Montpellier", "renewable_energy", 1,
         "Solar projects intern", "2149", size="small"),
    Host("tilleuls", "Clinique des Tilleuls", "Bordeaux", "healthcare", 1, "Nursing intern",
         "3221"),
    Host("bma", "Banque Mutuelle d'Alsace", "Strasbourg", "finance", 1, "Financial analyst intern",
         "2411", size="large"),
    Host("hexagone", "Agence Hexagone", "Paris", "marketing", 1, "Digital marketing intern",
         "2431", size="small"),
    Host("chimielab", "ChimieLab", "Lyon", "chemistry", 1, "Laboratory chemist intern", "2113"),
)
UNIVERSITIES = {"um5": ("Université Mohammed V de Rabat", "university", "MA", "Rabat"),
                "utm": ("Université de Tunis El Manar", "university", "TN", "Tunis")}
LOCAL_EMPLOYERS = {"MA": ("Atlas Digital SARL", "Maroc Telecom", "OCP Group", "Dar Web",
                          "Renault Tanger Med"),
                   "TN": ("Tunisie Telecom", "Vermeg", "Sofrecom Tunisie", "Poulina Group",
                          "STEG")}
# Employment statuses at each answered follow-up point; each mix adds up to the 50 interns.
AT_RETURN = {"in_education": 21, "seeking_work": 20, "employed_host_company": 2,
             "employed_other_employer": 3, "not_seeking_work": 2, "unreachable": 2}
AT_SIX_MONTHS = {"employed_host_company": 6, "employed_other_employer": 14, "self_employed": 2,
                 "in_education": 9, "seeking_work": 13, "not_seeking_work": 2, "unreachable": 4}


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The HOMERe plan drawn from ``seed``, its stays ending ~6.5 months before ``today``."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=today, country="FR", language="fr", signed=add_months(today, -20),
        origins=("MA", "TN"), stipend="650.00")
    dates = common.calendar(vacancies, tag="homere", origins=("MA", "TN"), language="fr",
                            universities={"MA": "um5", "TN": "utm"}, institutions=UNIVERSITIES)
    selected = pool.cohort(rng, dates.intake, women=WOMEN, countries=["FR"],
                           sectors=[s for s, n in SECTORS.items() for _ in range(n)],
                           available=dates.available)
    waiting = pool.others(rng, dates.intake, eligible=APPLICANTS - len(selected) - INELIGIBLE,
                          ineligible=INELIGIBLE, sectors=list(SECTORS), countries=["FR"],
                          available=dates.available, first=len(selected) + 1)
    movers = common.with_stays(rng, selected, {0: (AT_RETURN, 1), 6: (AT_SIX_MONTHS, 3)},
                               LOCAL_EMPLOYERS, _support)
    applicants = movers + waiting
    rng.shuffle(applicants)  # submitted in no particular order
    return common.assemble(
        scenario="homere", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="HOMERE-DEMO", name="HOMERe: internships in France (demo)",
            description="High Opportunity for Mediterranean Executive Recruitment: students of "
                        "Moroccan and Tunisian universities intern in French companies.",
            origins=["MA", "TN"], destinations=["FR"], sectors=list(SECTORS),
            capacity=len(selected), gender_share="0.45"),
        institutions=UNIVERSITIES, modules=(), applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(movers, "ict"),
        candidate_what="a returned intern", employer_key="nordlys",
        employer_what="Nordlys Software, a host company")


def _support(rng: random.Random, intern: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Job seekers at six months get a job referral (most of them) and the self-employed an
    entrepreneurship course, from their country's public employment agency."""
    agency = {"MA": "ANAPEC", "TN": "ANETI"}[intern.origin]
    status = answers[6]["employment_status"]
    if status == "seeking_work" and rng.random() < 0.6:
        return ({"kind": "job_referral", "provider": agency, "months_after_return": 2},)
    if status == "self_employed":
        return ({"kind": "entrepreneurship_training", "provider": agency,
                 "months_after_return": 1, "months": 2, "outcome": "successful"},)
    return ()
