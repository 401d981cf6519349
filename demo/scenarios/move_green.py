"""MOVE_GREEN: young graduates of northern Morocco train in Andalusia's green economy and come
back to work or to start a business.

As the pilot reported it ((E)Co-development for innovation and employment in the green and
circular economy between Andalusia and Morocco, 2021-2024): a consortium of Andalusian
municipalities (FAMSI), the Andalusian renewable energy association (CLANER) and the federation
of local authorities of northern Morocco and Andalusia (AN^MAR) selected at least 36 young
Moroccan graduates, prepared them before departure (Spanish, an introduction to renewable
energy, business plans), trained them for four months in Andalusia (a postgraduate diploma at
the Universidad Internacional de Andalucía with practice in companies) in two editions (18,
then 25), and supported their return: jobs, or businesses of their own.

Here: 90 applicants, 43 selected (the minimum planned was 36), trained before departure
(Spanish, renewable energy) and taught business planning (support at stage
``before_departure``), then matched edition by edition to four-month traineeships under UNIA's
training agreement with Andalusian green-economy companies, the first edition a year before
the second. The consortium and its two agreements are recorded, the first by FAMSI's own
account. After return, ANAPEC refers the job seekers and those who start a business get a
micro-grant; the first edition has answered its twelve-month follow-up too.
"""

import random
from datetime import date, timedelta
from typing import Any

from demo import pool
from demo.dates import add_months, seeding_day
from demo.plan import Applicant, Plan, Vacancy
from demo.pool import Host
from demo.scenarios import common

SEED = 2023
WAITLISTED, INELIGIBLE = 32, 15
WOMEN = (8, 12)  # per edition


def _traineeship(edition: int) -> dict[str, Any]:
    """A traineeship under UNIA's training agreement for the edition's diploma."""
    return {"stay_type": "traineeship", "region": "ES-AN",
            "training_agreement_reference": f"UNIA-MOVEGREEN-{edition}"}


HOSTS = (
    # The first edition (round 0), a year before the second (round 1).
    Host("solar-bahia", "Solar Bahía de Cádiz", "Cádiz", "renewable_energy", 6,
         "Solar installation trainee", "3113", months=4, terms=_traineeship(1),
         months_earlier=12),
    Host("eolica-estrecho", "Eólica del Estrecho", "Tarifa", "renewable_energy", 6,
         "Wind farm operations trainee", "3113", months=4, terms=_traineeship(1),
         months_earlier=12),
    Host("reciclajes-sol", "Reciclajes Costa del Sol", "Málaga", "circular_economy", 6,
         "Recycling process trainee", "3132", months=4, terms=_traineeship(1),
         months_earlier=12, size="small"),
    Host("solar-bahia", "Solar Bahía de Cádiz", "Cádiz", "renewable_energy", 8,
         "Solar installation trainee", "3113", months=4, terms=_traineeship(2), round=1),
    Host("eolica-estrecho", "Eólica del Estrecho", "Tarifa", "renewable_energy", 6,
         "Wind farm operations trainee", "3113", months=4, terms=_traineeship(2), round=1),
    Host("biomasa-olivar", "Biomasa del Olivar", "Jaén", "renewable_energy", 6,
         "Biomass plant trainee", "3113", months=4, terms=_traineeship(2), round=1),
    Host("reciclajes-sol", "Reciclajes Costa del Sol", "Málaga", "circular_economy", 5,
         "Recycling process trainee", "3132", months=4, terms=_traineeship(2), round=1,
         size="small"),
)
INSTITUTIONS = {
    "uae": ("Université Abdelmalek Essaâdi", "university", "MA", "Tétouan"),
    "famsi": ("FAMSI: Fondo Andaluz de Municipios para la Solidaridad Internacional",
              "municipality", "ES", "Sevilla"),
    "claner": ("CLANER: Asociación de Energías Renovables de Andalucía", "other", "ES",
               "Sevilla"),
    "anmar": ("AN^MAR: Federación de Colectividades Locales del Norte de Marruecos y "
              "Andalucía", "municipality", "ES", "Sevilla"),
    "unia": ("Universidad Internacional de Andalucía", "university", "ES", "Baeza"),
}
MODULES = (
    {"code": "ES-B1", "title": "Spanish for work and studies (Instituto Cervantes, Tangier)",
     "hours": "40", "required": True, "position": 1},
    {"code": "RE-INTRO", "title": "An introduction to renewable energy and sustainability",
     "hours": "24", "required": True, "position": 2},
)
LOCAL_EMPLOYERS = {"MA": ("Masen", "Nareva", "Green Energy Park", "Tanger Med Zones",
                          "Renault Tanger Med")}
# Employment statuses after return, per edition; the first edition has answered at twelve
# months as well.
FIRST = {0: ({"seeking_work": 8, "employed_other_employer": 4, "self_employed": 2,
              "in_education": 2, "unreachable": 2}, 0),
         6: ({"employed_other_employer": 6, "self_employed": 4, "seeking_work": 5,
              "in_education": 1, "unreachable": 2}, 0),
         12: ({"employed_other_employer": 7, "self_employed": 5, "seeking_work": 4,
               "unreachable": 2}, 1)}
SECOND = {0: ({"seeking_work": 11, "employed_other_employer": 6, "self_employed": 3,
               "in_education": 3, "unreachable": 2}, 0),
          6: ({"employed_other_employer": 9, "self_employed": 6, "seeking_work": 6,
               "in_education": 2, "unreachable": 2}, 0)}
MICRO_GRANT = ("MAD", "30000.00")


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The MOVE_GREEN plan drawn from ``seed``, the second edition's stays ending ~6.5 months
    before ``today`` and the first edition's a year earlier."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=today, country="ES", language="es", signed=add_months(today, -30),
        origins=("MA",), stipend="900.00")
    dates = common.calendar(vacancies, tag="move-green", origins=("MA",), language="es",
                            universities={"MA": "uae"}, institutions=INSTITUTIONS)
    editions = []
    first = 1
    for edition, women in enumerate(WOMEN):
        stays = [v for v in vacancies if v.round == edition]
        sectors = [v.body["sector"] for v in stays for _ in range(v.body["seats"])]
        # Each edition's trainees are available for their edition only: matching keeps them.
        editions.append(pool.cohort(rng, dates.intake, sectors=sectors, women=women,
                                    countries=["ES"], available=_window(stays), first=first,
                                    trained=True))
        first += len(sectors)
    others = pool.others(rng, dates.intake, eligible=WAITLISTED, ineligible=INELIGIBLE,
                         sectors=["renewable_energy", "circular_economy"], countries=["ES"],
                         available=dates.available, first=first)
    movers = (common.with_stays(rng, editions[0], FIRST, LOCAL_EMPLOYERS, _support)
              + common.with_stays(rng, editions[1], SECOND, LOCAL_EMPLOYERS, _support))
    applicants = movers + others
    rng.shuffle(applicants)
    opens = date.fromisoformat(dates.window["intake_opens_at"][:10])
    founded = add_months(opens, -3)
    last_return = max(v.end for v in vacancies)
    return common.assemble(
        scenario="move-green", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="MOVE-GREEN-DEMO", name="MOVE_GREEN: green skills in Andalusia (demo)",
            description="(E)Co-development for innovation and employment in the green and "
                        "circular economy between Andalusia and northern Morocco.",
            origins=["MA"], destinations=["ES"],
            sectors=["renewable_energy", "circular_economy"], capacity=len(movers),
            gender_share="0.40", training=True, shape={
                "stay_types": ["traineeship"], "max_stay_months": 6,
                "destination_regions": ["ES-AN"],
                "planned": {"applicants": None, "trained": 36, "moved": 36}}),
        institutions=INSTITUTIONS, modules=MODULES, applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(_edition(movers, editions[1]),
                                                      "renewable_energy"),
        candidate_what="back from the second edition in Andalusia",
        employer_key="solar-bahia", employer_what="Solar Bahía de Cádiz, a host company",
        consortium=(("famsi", "lead", founded.isoformat()),
                    ("claner", "partner", founded.isoformat()),
                    ("anmar", "partner", founded.isoformat()),
                    ("unia", "associate", founded.isoformat()),
                    ("uae", "associate", founded.isoformat())),
        agreements=(
            {"parties": ["famsi", "claner", "anmar"], "title": "MOVE_GREEN consortium agreement",
             "purpose": "Run the circular mobility scheme between Andalusia and northern "
                        "Morocco: selection, training in Andalusia, return and business "
                        "support.",
             "signed_on": founded.isoformat(), "starts_on": founded.isoformat(),
             "ends_on": add_months(last_return, 12).isoformat(),
             "document_reference": "FAMSI-CLANER-ANMAR MOVE_GREEN 2021"},
            {"parties": ["famsi", "unia"],
             "title": "Postgraduate diploma in renewable energy and sustainability",
             "purpose": "UNIA teaches the diploma and signs the trainees' training agreements "
                        "with the host companies.",
             "signed_on": (founded + timedelta(days=30)).isoformat(),
             "starts_on": (founded + timedelta(days=30)).isoformat(), "ends_on": None,
             "document_reference": "UNIA convenio MOVE_GREEN"}),
        notes=("Two editions a year apart: GET /v1/programmes/{id}/overview shows the "
               "consortium, its agreements and the planned figures beside the actual ones.",))


def _edition(movers: list[Applicant], edition: list[Applicant]) -> list[Applicant]:
    """The movers of one edition."""
    keys = {a.key for a in edition}
    return [m for m in movers if m.key in keys]


def _window(stays: list[Vacancy]) -> tuple[date, date]:
    """Available from a month before the edition's first start to two months after its end."""
    return (min(date.fromisoformat(v.body["start_date"]) for v in stays) - timedelta(days=30),
            max(v.end for v in stays) + timedelta(days=60))


def _support(rng: random.Random, returnee: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Business planning before departure for all; after return ANAPEC refers those seeking
    work at six months, and a micro-grant funds those running a business by then."""
    measures: list[dict[str, Any]] = [{
        "stage": "before_departure", "kind": "entrepreneurship_training",
        "provider": "AN^MAR: business plans in Morocco", "months_after_return": -5,
        "months": 1, "outcome": "successful"}]
    status = answers[6]["employment_status"]
    if status == "seeking_work":
        measures.append({"kind": "job_referral", "provider": "ANAPEC",
                         "months_after_return": 6})
    elif status == "self_employed":
        currency, amount = MICRO_GRANT
        measures.append({"kind": "micro_grant", "provider": "MOVE_GREEN start-up fund",
                         "months_after_return": 3, "amount": amount, "currency": currency})
    return tuple(measures)
