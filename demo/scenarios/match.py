"""MATCH: Nigerian and Senegalese graduates working one to two years in Belgium, Italy,
Luxembourg and the Netherlands.

As the pilot reported it (Migration of African Talents through Capacity building and Hiring,
2020-2023): young graduates from Nigeria and Senegal hired by companies in four EU countries
with shortages, mainly in ICT, technology and digitalisation, for one to two years; at least
30 % women; companies may retain the workers they hired. The numbers announced vary (105 to
~245 workers).

Here, one in five of the ~245: 150 applicants, 49 selected (15 women) and placed with eleven
companies, keeping the four destinations — Belgium 15, the Netherlands 13, Italy 11 and
Luxembourg 10 — for 12, 18 or 24 months: 41 in ICT, 4 in electrical engineering (Eindhoven) and
4 in digital marketing, so that the sectors under five people are the ones a ministry sees as
one group. Each destination's visa authority posts its own decisions. After return, the
national employment agencies refer the job seekers; some keep working for their host abroad.
"""

import random
from datetime import date
from typing import Any

from demo import fair_recruitment, pool
from demo.dates import add_months, seeding_day
from demo.plan import Applicant, Plan
from demo.pool import Host
from demo.scenarios import common

SEED = 2020
DESTINATIONS = ["BE", "IT", "LU", "NL"]
WOMEN, WAITLISTED, INELIGIBLE = 15, 66, 35

HOSTS = (
    Host("kortrijk-cloud", "Kortrijk Cloud", "Kortrijk", "ict", 5, "Cloud developer", "2512",
         months=12, country="BE"),
    Host("gent-digital", "Gent Digital Factory", "Gent", "ict", 4, "Software engineer", "2512",
         months=24, country="BE", size="large"),
    Host("liege-systems", "Liège Systems", "Liège", "ict", 3, "Systems administrator", "2522",
         months=18, country="BE"),
    Host("brussels-growth", "Brussels Growth Studio", "Bruxelles", "marketing", 3,
         "Digital marketing specialist", "2431", months=12, country="BE", size="small"),
    Host("utrecht-code", "Utrecht Code Company", "Utrecht", "ict", 5, "Back-end developer",
         "2512", months=12, country="NL"),
    Host("rotterdam-data", "Rotterdam Data Harbour", "Rotterdam", "ict", 4, "Data engineer",
         "2521", months=18, country="NL", size="large"),
    Host("eindhoven-tech", "Eindhoven Tech Solutions", "Eindhoven", "electrical_engineering", 4,
         "Embedded systems engineer", "2152", months=24, country="NL"),
    Host("torino-digitale", "Torino Digitale", "Torino", "ict", 6, "Java developer", "2512",
         months=12, country="IT"),
    Host("novara-software", "Novara Software", "Novara", "ict", 5, "Test engineer", "2519",
         months=24, country="IT", size="small"),
    Host("kirchberg-fintech", "Kirchberg FinTech", "Luxembourg", "ict", 9,
         "Fintech developer", "2512", months=18, country="LU", size="large"),
    Host("belval-media", "Belval Media", "Esch-sur-Alzette", "marketing", 1,
         "Digital campaign manager", "2431", months=12, country="LU", size="small"),
)
SECTORS = {"ict": 41, "electrical_engineering": 4, "marketing": 4}
UNIVERSITIES = {"covenant": ("Covenant University", "university", "NG", "Ota"),
                "ucad": ("Université Cheikh Anta Diop de Dakar", "university", "SN", "Dakar")}
LOCAL_EMPLOYERS = {"NG": ("Interswitch", "Paystack", "Access Bank", "MTN Nigeria", "Andela"),
                   "SN": ("Sonatel", "Wave Sénégal", "Expresso Sénégal", "Gainde 2000",
                          "CBAO")}
# What recruitment cost the workers, by origin (naira, CFA francs) or in euros: the programme
# pays the visa, the host the flight; some workers paid their medical examination and their
# passport, and a few a broker the programme did not know of.
COSTS = (
    fair_recruitment.Cost("administrative", {"NG": ("99.00", "EUR"), "SN": ("99.00", "EUR")},
                          "programme", 1.0, 45, "Visa fee, paid by the programme"),
    fair_recruitment.Cost("travel_lodging", {"NG": ("640.00", "EUR"), "SN": ("520.00", "EUR")},
                          "employer", 1.0, 3, "Flight booked by the host company"),
    fair_recruitment.Cost("medical", {"NG": ("45000.00", "NGN"), "SN": ("30000.00", "XOF")},
                          "worker", 0.3, 60, "Medical certificate, clinic receipt"),
    fair_recruitment.Cost("administrative", {"NG": ("35000.00", "NGN"),
                                             "SN": ("20000.00", "XOF")},
                          "worker", 0.5, 90, "Passport fee receipt"),
    fair_recruitment.Cost("recruitment_fee", {"NG": ("400000.00", "NGN"),
                                              "SN": ("250000.00", "XOF")},
                          "worker", 0.08, 120, "Broker's handwritten receipt"),
)
# What one naira and one CFA franc were worth in euros (the CFA franc's peg: 655.957 to 1).
RATES = {"NGN": "0.00058", "XOF": "0.0015245"}
AGENCIES = {"NG": "National Directorate of Employment", "SN": "ANPEJ"}
# Employment statuses at return and at six months; each mix adds up to the 49 who moved.
AT_RETURN = {"employed_host_company": 8, "employed_other_employer": 12, "self_employed": 2,
             "seeking_work": 18, "in_education": 3, "not_seeking_work": 2, "unreachable": 4}
AT_SIX_MONTHS = {"employed_host_company": 10, "employed_other_employer": 17, "self_employed": 3,
                 "seeking_work": 11, "in_education": 3, "not_seeking_work": 1, "unreachable": 4}


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The MATCH plan drawn from ``seed``, its stays ending ~6.5 months before ``today``."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=today, country="BE", language="en", signed=add_months(today, -30),
        origins=("NG", "SN"), stipend="2800.00")
    dates = common.calendar(vacancies, tag="match", origins=("NG", "SN"), language="en",
                            universities={"NG": "covenant", "SN": "ucad"},
                            institutions=UNIVERSITIES)
    selected = pool.cohort(rng, dates.intake, women=WOMEN, countries=DESTINATIONS,
                           sectors=[s for s, n in SECTORS.items() for _ in range(n)],
                           available=dates.available)
    others = pool.others(rng, dates.intake, eligible=WAITLISTED, ineligible=INELIGIBLE,
                         sectors=list(SECTORS), countries=DESTINATIONS,
                         available=dates.available, first=len(selected) + 1)
    # Those working for their host at a follow-up were retained: they work abroad.
    movers = common.with_stays(rng, selected, {0: (AT_RETURN, 8), 6: (AT_SIX_MONTHS, 10)},
                               LOCAL_EMPLOYERS, _support)
    applicants = movers + others
    rng.shuffle(applicants)
    plan = common.assemble(
        scenario="match", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="MATCH-DEMO", name="MATCH: African talents for four EU countries (demo)",
            description="Migration of African Talents through Capacity building and Hiring: "
                        "Nigerian and Senegalese graduates work one to two years for companies "
                        "in Belgium, Italy, Luxembourg and the Netherlands.",
            origins=["NG", "SN"], destinations=DESTINATIONS, sectors=list(SECTORS),
            capacity=len(selected), gender_share="0.30", shape={
                "max_stay_months": 24,
                "planned": {"applicants": None, "trained": None, "moved": len(selected)}}),
        institutions=UNIVERSITIES, modules=(), applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(movers, "ict"),
        candidate_what="a developer back from a year abroad", employer_key="kirchberg-fintech",
        employer_what="Kirchberg FinTech, a host company in Luxembourg",
        notes=("One in five of MATCH's ~245 workers, the four destinations kept: the "
               "ministry reads the returns by destination country.",
               "Recruitment costs: the programme paid the visas and the hosts the flights; "
               "some workers paid their medical examination and passport, and a few a broker; "
               "the ministry reads SDG 10.7.1.",))
    return common.with_fair_recruitment(plan, COSTS, rates=RATES, complaint=dict(
        body={
            "category": "hours", "severity": "medium", "handled_first_by": "programme",
            "description": "We are asked to stay on Saturdays for releases, unpaid."},
        response="We have asked the company for the time sheets of the last two months.",
        resolution={"outcome": "partly_upheld", "resolution": "The company pays the "
                    "Saturdays worked as overtime and plans releases on weekdays."},
        satisfaction=4))


def _support(rng: random.Random, returnee: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The national employment agency refers those still seeking work at six months."""
    if answers[6]["employment_status"] == "seeking_work":
        return ({"kind": "job_referral", "provider": AGENCIES[returnee.origin],
                 "months_after_return": 2},)
    return ()
