"""HOMERe: students of Moroccan and Tunisian universities intern with companies in France.

As the pilot reported it (High Opportunity for Mediterranean Executive Recruitment, May 2019 -
December 2020, run by the Université de Bretagne Occidentale with the HOMERe France
association): 250 moves planned, 50 interns selected and placed (24 women, 26 men); ICT 60 %
of the internships, electrical engineering 10 %, the other 30 % across ten sectors;
internships of four to six months inside the students' study programmes, with health
monitoring during the COVID-19 outbreak; the Egyptian component was cancelled; after return
almost half found a first employment, some with their host company.

Here, entered after the fact in its real period (``Plan.historical``): the intake of June to
October 2019, 300 applicants (50 selected, 190 waitlisted, 60 ineligible for language,
education or age), whose forms the officer files with the day each was submitted (the few who
sign up do so today, to see their records); Egypt an origin country suspended with its reason;
19 host companies with one internship vacancy each (a training agreement per host) whose
seats add up to the cohort per sector, matched in their own sector; visas requested and
decided by the French ministry, arrivals and returns between February and December 2020, on
their real days. Every follow-up, at return, six and twelve months, lies in the past: the
caseworkers recorded the answers on the days they were given (22 of the 46 reached are
working at six months, 6 of them for their host company), and six twelve-month follow-ups
passed with nobody reached in time (missed).
"""

import random
from dataclasses import replace
from datetime import date
from typing import Any

from demo import pool
from demo.dates import seeding_day
from demo.plan import Applicant, Plan
from demo.pool import Host
from demo.scenarios import common

SEED = 2025
SECTORS = {"ict": 30, "electrical_engineering": 5, "mechanical_engineering": 2,
           "civil_engineering": 2, "agrifood": 2, "tourism_hospitality": 2, "logistics": 2,
           "renewable_energy": 1, "healthcare": 1, "finance": 1, "marketing": 1, "chemistry": 1}
WOMEN, APPLICANTS, INELIGIBLE, PLANNED_MOVES = 24, 300, 60, 250
# The intake's first and last day, in the pilot's first months.
INTAKE = (date(2019, 6, 3), date(2019, 10, 31))
# The stays are placed as if told on this day (demo.dates.stay): the latest returns fall six
# and a half months earlier, in December 2020, when the pilot ended.
TOLD_ON = date(2021, 6, 20)
AGREEMENTS_SIGNED = date(2019, 11, 15)  # the host companies' agreements with the programme
CONSORTIUM_FORMED = "2019-05-02"
EGYPT = {"country": "EG", "suspended_on": "2019-12-16",
         "reason": "The Egyptian component was cancelled: internships for Egyptian students "
                   "could not be arranged."}
COMPANIES = (
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
# How many months before December 2020 each host's interns returned (the internships ran from
# February 2020 on).
RETURNED_EARLIER = {"atelier-numerique": 1, "cloudrive": 2, "pixelia": 4, "secunet": 1,
                    "webalpes": 2, "electropole": 3, "mecarhone": 2, "terroirs": 1,
                    "hotels-baie": 3, "soleilvent": 2, "bma": 1}
# Internships: traineeship stays, each host's under its training agreement (convention de
# stage) with the universities.
HOSTS = tuple(replace(host, months_earlier=RETURNED_EARLIER.get(host.key, 0), terms={
    "stay_type": "traineeship",
    "training_agreement_reference": f"HOMERE-CS-2020-{host.key.upper()}"})
    for host in COMPANIES)
UNIVERSITIES = {"um5": ("Université Mohammed V de Rabat", "university", "MA", "Rabat"),
                "utm": ("Université de Tunis El Manar", "university", "TN", "Tunis")}
# The universities first: the first institution's account is the one printed.
INSTITUTIONS = {**UNIVERSITIES,
                "ubo": ("Université de Bretagne Occidentale", "university", "FR", "Brest"),
                "homere-france": ("Association HOMERe France", "other", "FR", "Marseille")}
CONSORTIUM = (("ubo", "lead", CONSORTIUM_FORMED), ("homere-france", "partner", CONSORTIUM_FORMED),
              ("um5", "partner", CONSORTIUM_FORMED), ("utm", "partner", CONSORTIUM_FORMED))
LOCAL_EMPLOYERS = {"MA": ("Atlas Digital SARL", "Maroc Telecom", "OCP Group", "Dar Web",
                          "Renault Tanger Med"),
                   "TN": ("Tunisie Telecom", "Vermeg", "Sofrecom Tunisie", "Poulina Group",
                          "STEG")}
# Employment statuses at each answered follow-up point; each mix adds up to the 50 interns.
AT_RETURN = {"in_education": 21, "seeking_work": 20, "employed_host_company": 2,
             "employed_other_employer": 3, "not_seeking_work": 2, "unreachable": 2}
AT_SIX_MONTHS = {"employed_host_company": 6, "employed_other_employer": 14, "self_employed": 2,
                 "in_education": 9, "seeking_work": 13, "not_seeking_work": 2, "unreachable": 4}
# A year on, six were not reached before the window passed: missed.
AT_TWELVE_MONTHS = {"employed_host_company": 5, "employed_other_employer": 16, "self_employed": 3,
                    "in_education": 6, "seeking_work": 8, "not_seeking_work": 1,
                    "unreachable": 5, pool.MISSED: 6}


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The HOMERe plan drawn from ``seed``, in its real period (2019-2020) whatever ``today``
    (the seeding day, when None) is."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=TOLD_ON, country="FR", language="fr", signed=AGREEMENTS_SIGNED,
        origins=("MA", "TN"), stipend="650.00")
    dates = common.calendar(vacancies, tag="homere", origins=("MA", "TN"), language="fr",
                            universities={"MA": "um5", "TN": "utm"}, institutions=UNIVERSITIES,
                            intake_days=INTAKE)
    selected = pool.cohort(rng, dates.intake, women=WOMEN, countries=["FR"],
                           sectors=[s for s, n in SECTORS.items() for _ in range(n)],
                           available=dates.available)
    waiting = pool.others(rng, dates.intake, eligible=APPLICANTS - len(selected) - INELIGIBLE,
                          ineligible=INELIGIBLE, sectors=list(SECTORS), countries=["FR"],
                          available=dates.available, first=len(selected) + 1)
    movers = common.with_stays(rng, selected, {0: (AT_RETURN, 1), 6: (AT_SIX_MONTHS, 3),
                                               12: (AT_TWELVE_MONTHS, 4)},
                               LOCAL_EMPLOYERS, _support)
    applicants = movers + waiting
    rng.shuffle(applicants)  # submitted in no particular order
    return common.assemble(
        scenario="homere", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="HOMERE-DEMO", name="HOMERe: internships in France (demo)",
            description="High Opportunity for Mediterranean Executive Recruitment: students of "
                        "Moroccan and Tunisian universities intern in French companies "
                        "(May 2019 - December 2020).",
            origins=["MA", "TN", "EG"], destinations=["FR"], sectors=list(SECTORS),
            capacity=len(selected), gender_share="0.45", shape={
                "stay_types": ["traineeship"], "max_stay_months": 6,
                # Kept ten years after follow-up for the pilot's evaluation: with the default
                # five, its 2020 returnees would be erased by the first retention round.
                "retention_months": 120,
                "planned": {"applicants": None, "trained": None, "moved": PLANNED_MOVES}}),
        institutions=INSTITUTIONS, modules=(), applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(movers, "ict"),
        candidate_what="a returned intern (2020)", employer_key="nordlys",
        employer_what="Nordlys Software, a host company", consortium=CONSORTIUM,
        suspended_origins=(EGYPT,), historical=True,
        notes=("Entered after the fact: every date is the real one (2019-2020), and every "
               "follow-up window has closed; Egypt is a suspended origin "
               "(GET /v1/programmes/{id}).",))


def _support(rng: random.Random, intern: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Health monitoring during the internship for everyone (the COVID-19 outbreak); after
    return, job seekers at six months get a job referral (most of them) and the
    self-employed an entrepreneurship course, from their country's public employment
    agency."""
    measures: list[dict[str, Any]] = [{
        "stage": "during_stay", "kind": "health", "provider": "HOMERe France",
        "description": "Health monitoring during the COVID-19 outbreak.",
        "months_after_return": -3, "months": 2, "outcome": "successful"}]
    agency = {"MA": "ANAPEC", "TN": "ANETI"}[intern.origin]
    status = answers[6]["employment_status"]
    if status == "seeking_work" and rng.random() < 0.6:
        measures.append({"kind": "job_referral", "provider": agency, "months_after_return": 2})
    elif status == "self_employed":
        measures.append({"kind": "entrepreneurship_training", "provider": agency,
                         "months_after_return": 1, "months": 2, "outcome": "successful"})
    return tuple(measures)
