"""Digital Explorers: Nigerian ICT specialists in paid traineeships and jobs in Lithuania.

As the pilot reported it (2019-2021): 30 young Nigerian ICT specialists placed for six to
twelve months with Lithuanian tech companies (the first batch of 15 in seven companies),
prepared by workplace-awareness training before joining; visas processed in cooperation
between the two countries' ministries; counselling to find work in Nigeria after return, while
some stayed on with their Lithuanian employer.

Here: 90 applicants (30 selected, 40 waitlisted, 20 ineligible), every one selected trained
(workplace awareness) and placed with one of seven companies in Vilnius, Kaunas and Klaipėda:
jobs of twelve months, or paid traineeships of six under a training agreement. The visa
decisions are posted by the Lithuanian Migration Department's own system, a machine client
with client credentials (not a person's account), limited to Lithuania and this programme.
After return, the programme's counsellors refer the
job seekers to employers; at six months 21 of the 28 reached are working, 6 still with their
Lithuanian host. The gender split was not published: the demo selects 12 women and 18 men.
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
SELECTED, WOMEN, WAITLISTED, INELIGIBLE = 30, 12, 40, 20
VISA_DESK = "Migration Department of Lithuania: visa decisions system"


def _traineeship(host: str) -> dict[str, Any]:
    """A paid traineeship's terms: its training agreement."""
    return {"stay_type": "traineeship",
            "training_agreement_reference": f"DE-TA-{host.upper()}"}


HOSTS = (
    Host("baltic-ledger", "Baltic Ledger", "Vilnius", "ict", 6, "Fintech back-end developer",
         "2512", months=12, size="large"),
    Host("neris-payments", "Neris Payments Lab", "Vilnius", "ict", 5, "Payments QA engineer",
         "2519", months=12),
    Host("kaunas-softworks", "Kaunas Softworks", "Kaunas", "ict", 5, "Full-stack developer",
         "2512", months=12),
    Host("amber-cloud", "Amber Cloud", "Vilnius", "ict", 4, "Cloud operations engineer",
         "2523", months=12, size="small"),
    Host("nemunas-data", "Nemunas Data", "Kaunas", "ict", 4, "Data analyst trainee", "2511",
         months=6, terms=_traineeship("nemunas-data")),
    Host("curonian-apps", "Curonian Apps", "Klaipėda", "ict", 3, "Mobile developer trainee",
         "2514", months=6, size="small", terms=_traineeship("curonian-apps")),
    Host("gediminas-security", "Gediminas Security", "Vilnius", "ict", 3,
         "Security operations analyst", "2529", months=12),
)
UNIVERSITIES = {"unilag": ("University of Lagos", "university", "NG", "Lagos")}
MODULES = (
    {"code": "WORKPLACE-LT", "title": "Workplace awareness: a Lithuanian tech company",
     "hours": "24", "required": True, "position": 1,
     "description": "Teamwork, feedback and everyday life in Lithuania, before joining."},
)
LOCAL_EMPLOYERS = {"NG": ("Interswitch", "Paystack", "Access Bank", "MTN Nigeria", "Andela")}
# Employment statuses at return and at six months; each mix adds up to the 30 who moved.
AT_RETURN = {"employed_host_company": 4, "employed_other_employer": 8, "self_employed": 1,
             "seeking_work": 12, "in_education": 2, "unreachable": 3}
AT_SIX_MONTHS = {"employed_host_company": 6, "employed_other_employer": 13, "self_employed": 2,
                 "seeking_work": 6, "in_education": 1, "unreachable": 2}


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The Digital Explorers plan drawn from ``seed``, its stays ending ~6.5 months before
    ``today``."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=today, country="LT", language="en", signed=add_months(today, -20),
        origins=("NG",), stipend="1500.00")
    dates = common.calendar(vacancies, tag="digital-explorers", origins=("NG",), language="en",
                            universities={"NG": "unilag"}, institutions=UNIVERSITIES)
    selected = pool.cohort(rng, dates.intake, sectors=["ict"] * SELECTED, women=WOMEN,
                           countries=["LT"], available=dates.available, trained=True)
    others = pool.others(rng, dates.intake, eligible=WAITLISTED, ineligible=INELIGIBLE,
                         sectors=["ict"], countries=["LT"], available=dates.available,
                         first=SELECTED + 1)
    # Those working for their host at a follow-up still work in Lithuania.
    movers = common.with_stays(rng, selected, {0: (AT_RETURN, 4), 6: (AT_SIX_MONTHS, 6)},
                               LOCAL_EMPLOYERS, _support)
    applicants = movers + others
    rng.shuffle(applicants)
    return common.assemble(
        scenario="digital-explorers", seed=seed, today=today, dates=dates,
        programme=common.Programme(
            code="DIGITAL-EXPLORERS-DEMO", name="Digital Explorers: ICT careers in Lithuania "
            "(demo)",
            description="Nigerian ICT specialists in paid traineeships and jobs with "
                        "Lithuanian tech companies; visas decided by Lithuania's migration "
                        "authority.",
            origins=["NG"], destinations=["LT"], sectors=["ict"], capacity=SELECTED,
            gender_share="0.40", training=True, shape={
                "stay_types": ["work", "traineeship"], "max_stay_months": 12,
                "planned": {"applicants": None, "trained": None, "moved": SELECTED}}),
        institutions=UNIVERSITIES, modules=MODULES, applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(movers, "ict"),
        candidate_what="an ICT specialist back from Lithuania", employer_key="baltic-ledger",
        employer_what="Baltic Ledger, a host company", visa_machines={"LT": VISA_DESK},
        notes=("The Lithuanian visa decisions were posted by the Migration Department's "
               "system (a machine client): GET /v1/placements/{id}/transitions names it.",))


def _support(rng: random.Random, returnee: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The programme's counsellors refer those seeking work at return to employers."""
    if answers[0]["employment_status"] == "seeking_work":
        return ({"kind": "job_referral", "provider": "Digital Explorers career counselling",
                 "months_after_return": 1},)
    return ()
