"""MENTOR 2: young Moroccans and Tunisians in traineeships with firms in Milan and Turin.

As the pilot reported it (Mediterranean Network for Training Orientation to Regular
migration, led by the Municipality of Milan with the City of Turin, their employment agencies
and the cities of Morocco and Tunisia): at least 40 trainees planned, 41 traineeships in
Lombardy and Piedmont, prepared by pre-departure training (Italian, civic education), mentored
during the traineeship, some extended by the host firm, and followed by mentoring after
return; the cities' own agreements (Milan with Tangier, Turin with Khouribga) carry it.

Here: 110 applicants, 41 selected and trained (Italian for work, orientation), nine host firms
in Milano and Torino offering traineeships (each under a training project of the city's
employment agency, AFOL Metropolitana or Agenzia Piemonte Lavoro), three of which extend
their trainees' stays (15 trainees, by three or four months, on an offer reference). Every
trainee is mentored during the traineeship (support at stage ``during_stay``) and for six
months after return; the few who start a business get a micro-grant. The consortium (Milan
lead) is recorded first; then the City of Milan records its agreement with Tangier, and the
City of Turin its agreement with Khouribga, each with its own account.
"""

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from demo import pool
from demo.dates import add_months, seeding_day
from demo.plan import Applicant, Plan
from demo.pool import Host
from demo.scenarios import common

SEED = 2022
SECTORS = {"ict": 14, "mechatronics": 9, "logistics": 6, "tourism_hospitality": 5,
           "fashion_design": 4, "agrifood": 3}
WOMEN, WAITLISTED, INELIGIBLE, PLANNED = 19, 44, 25, 40
# Where each city's firms are (ISO 3166-2), and who promotes their trainees' training projects.
REGION = {"Milano": "IT-25", "Torino": "IT-21"}  # Lombardy, Piedmont
PROMOTER = {"Milano": "AFOL", "Torino": "APL"}

FIRMS = (
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
HOSTS = tuple(replace(host, terms={
    "stay_type": "traineeship", "region": REGION[host.city],
    "training_agreement_reference": f"{PROMOTER[host.city]}-MENTOR2-{host.key.upper()}"})
    for host in FIRMS)
INSTITUTIONS = {"ofppt": ("OFPPT: Office de la Formation Professionnelle", "training_centre",
                          "MA", "Casablanca"),
                "atfp": ("ATFP: Agence Tunisienne de la Formation Professionnelle",
                         "training_centre", "TN", "Tunis"),
                "milano": ("Comune di Milano", "municipality", "IT", "Milano"),
                "torino": ("Città di Torino", "municipality", "IT", "Torino"),
                "tanger": ("Commune de Tanger", "municipality", "MA", "Tanger"),
                "khouribga": ("Commune de Khouribga", "municipality", "MA", "Khouribga"),
                "afol": ("AFOL Metropolitana: Agenzia Metropolitana per la Formazione, "
                         "l'Orientamento e il Lavoro", "employment_agency", "IT", "Milano"),
                "apl": ("Agenzia Piemonte Lavoro", "employment_agency", "IT", "Torino")}
# The consortium (Milan leads) and the cities' two agreements, which its members sign.
CONSORTIUM = (("milano", "lead"), ("torino", "partner"), ("tanger", "partner"),
              ("khouribga", "partner"), ("afol", "partner"), ("apl", "partner"),
              ("ofppt", "associate"), ("atfp", "associate"))
AGREEMENTS = (
    {"parties": ["milano", "tanger"], "title": "Milan-Tangier cooperation on traineeships",
     "purpose": "The City of Milan places young people of Tangier in traineeships with Milan's "
                "firms, and both cities mentor them during the traineeship and after return.",
     "document_reference": "Comune di Milano - Commune de Tanger, MENTOR 2 protocol"},
    {"parties": ["torino", "khouribga"], "title": "Turin-Khouribga cooperation on traineeships",
     "purpose": "The City of Turin places young people of Khouribga in traineeships with "
                "Turin's firms, and both cities mentor them during the traineeship and after "
                "return.",
     "document_reference": "Città di Torino - Commune de Khouribga, MENTOR 2 protocol"},
)
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
    opens = date.fromisoformat(dates.window["intake_opens_at"][:10])
    formed, signed = add_months(opens, -3), add_months(opens, -2)
    ends = add_months(max(v.end for v in vacancies), 12)
    return common.assemble(
        scenario="mentor2", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="MENTOR2-DEMO", name="MENTOR 2: traineeships in Milan and Turin (demo)",
            description="Mediterranean Network for Training Orientation to Regular migration: "
                        "traineeships in Italian firms, mentoring after return.",
            origins=["MA", "TN"], destinations=["IT"], sectors=list(SECTORS),
            capacity=len(selected), gender_share="0.40", training=True, shape={
                "stay_types": ["traineeship"], "destination_regions": list(REGION.values()),
                "max_stay_months": 12, "max_extension_months": 6,
                "planned": {"applicants": None, "trained": None, "moved": PLANNED}}),
        institutions=INSTITUTIONS, modules=MODULES, applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(movers, "mechatronics"),
        candidate_what="a trainee back from Torino", employer_key="lingotto-robotica",
        employer_what="Lingotto Robotica, which extended its trainees",
        consortium=tuple((key, role, formed.isoformat()) for key, role in CONSORTIUM),
        agreements=tuple({**agreement, "signed_on": signed.isoformat(),
                          "starts_on": (signed + timedelta(days=14)).isoformat(),
                          "ends_on": ends.isoformat()} for agreement in AGREEMENTS),
        notes=("The cities' agreements (Milan-Tangier, Turin-Khouribga), recorded by the "
               "cities' own accounts (mobility@milano.example.org, "
               "mobility@torino.example.org): GET /v1/programmes/{id}/overview.",))


def _support(rng: random.Random, returnee: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Mentoring for everyone during the traineeship (from its second month: every stay lasts
    six months or more) and for six months from return; a micro-grant for a new business."""
    outcome = rng.choice(("successful", "successful", "partially_successful"))
    measures: list[dict[str, Any]] = [{
        "stage": "during_stay", "kind": "mentoring",
        "provider": "MENTOR 2 mentors and cultural mediators", "months_after_return": -5,
        "months": 4, "outcome": "successful"}, {
        "kind": "mentoring", "provider": "MENTOR 2 mentors' network", "months_after_return": 0,
        "months": 6, "outcome": outcome}]
    if answers[6]["employment_status"] == "self_employed":
        currency, amount = CURRENCY[returnee.origin]
        measures.append({"kind": "micro_grant", "provider": "MENTOR 2 start-up fund",
                         "months_after_return": 3, "amount": amount, "currency": currency})
    return tuple(measures)
