"""YGCA: Moroccan graduates study a one-year master's in Spain, then start projects at home.

As the pilot reported it (Young Generation as Change Agents, 2019-2021, coordinated by SEPIE
with IOM, 21 Spanish universities and three Moroccan ministries): 98 Moroccan graduates in
sectors that matter for Morocco (renewable energy, ICT, agri-food, tourism, civil engineering
and architecture) studied a one-year master's in Spain and were trained to turn their master's
thesis into an entrepreneurship project before returning; the ten best theses won an award of
EUR 10,000 each to implement it in Morocco, and IOM helped the others into jobs.

Here, about two in five: 120 applicants, 40 selected and nominated by their university, placed
as students (study stays, ``study_provider`` hosts) in seven Spanish universities' master's
programmes for twelve months, enrolled on arrival; all 40 follow the entrepreneurship training
in Spain before returning (support at stage ``during_stay``); after return the four best theses
win EUR 10,000 (``award``) and IOM refers those still looking for work at six months to
employers.
"""

import random
from dataclasses import replace
from datetime import date
from typing import Any

from demo import pool
from demo.dates import add_months, seeding_day
from demo.plan import Applicant, Plan
from demo.pool import Host
from demo.scenarios import common

SEED = 2019
WAITLISTED, INELIGIBLE, AWARDS = 55, 25, 4
AWARD = ("EUR", "10000.00")


def _master(title: str, region: str) -> dict[str, Any]:
    """A one-year master's programme's terms (a study stay)."""
    return {"stay_type": "study", "study_programme": title, "qualification_level": "master",
            "region": region}


HOSTS = (
    Host("upm", "Universidad Politécnica de Madrid", "Madrid", "renewable_energy", 6,
         "Master's student, renewable energy", None, months=12, kind="study_provider",
         terms=_master("Máster Universitario en Energías Renovables", "ES-MD"), size="large"),
    Host("us", "Universidad de Sevilla", "Sevilla", "renewable_energy", 6,
         "Master's student, electrical energy systems", None, months=12, kind="study_provider",
         terms=_master("Máster en Sistemas de Energía Eléctrica", "ES-AN"), size="large"),
    Host("upc", "Universitat Politècnica de Catalunya", "Barcelona", "civil_engineering", 6,
         "Master's student, sustainable construction", None, months=12, kind="study_provider",
         terms=_master("Máster en Construcción Sostenible", "ES-CT"), size="large"),
    Host("ugr", "Universidad de Granada", "Granada", "ict", 4,
         "Master's student, data science", None, months=12, kind="study_provider",
         terms=_master("Máster en Ciencia de Datos e Ingeniería de Computadores", "ES-AN")),
    Host("uv", "Universitat de València", "València", "ict", 4,
         "Master's student, computer engineering", None, months=12, kind="study_provider",
         terms=_master("Máster en Ingeniería Informática", "ES-VC")),
    Host("uco", "Universidad de Córdoba", "Córdoba", "agrifood", 8,
         "Master's student, agri-food engineering", None, months=12, kind="study_provider",
         terms=_master("Máster en Ingeniería Agronómica", "ES-AN")),
    Host("ub", "Universitat de Barcelona", "Barcelona", "tourism_hospitality", 6,
         "Master's student, tourism management", None, months=12, kind="study_provider",
         terms=_master("Máster en Dirección y Planificación del Turismo", "ES-CT")),
)
SECTORS = {"renewable_energy": 12, "civil_engineering": 6, "ict": 8, "agrifood": 8,
           "tourism_hospitality": 6}
UNIVERSITIES = {"uh2c": ("Université Hassan II de Casablanca", "university", "MA",
                         "Casablanca")}
LOCAL_EMPLOYERS = {"MA": ("Masen", "OCP Group", "Atlas Digital SARL", "Dar Web",
                          "Groupe Holmarcom")}
AT_RETURN = {"seeking_work": 17, "employed_other_employer": 8, "self_employed": 4,
             "in_education": 6, "not_seeking_work": 2, "unreachable": 3}
AT_SIX_MONTHS = {"employed_other_employer": 16, "self_employed": 7, "seeking_work": 9,
                 "in_education": 4, "not_seeking_work": 1, "unreachable": 3}


def build(seed: int = SEED, today: date | None = None) -> Plan:
    """The YGCA plan drawn from ``seed``, its master's ending ~6.5 months before ``today``."""
    rng = random.Random(seed)
    today = today or seeding_day()
    employers, vacancies = pool.hosts(
        rng, HOSTS, today=today, country="ES", language="es", signed=add_months(today, -24),
        origins=("MA",), stipend="1100.00")
    dates = common.calendar(vacancies, tag="ygca", origins=("MA",), language="es",
                            universities={"MA": "uh2c"}, institutions=UNIVERSITIES)
    # Bachelor's graduates: the master's is what they come for.
    selected = pool.cohort(rng, dates.intake, women=18, countries=["ES"], level="bachelor",
                           sectors=[s for s, n in SECTORS.items() for _ in range(n)],
                           available=dates.available)
    others = pool.others(rng, dates.intake, eligible=WAITLISTED, ineligible=INELIGIBLE,
                         sectors=list(SECTORS), countries=["ES"], available=dates.available,
                         first=len(selected) + 1)
    movers = _awarded(common.with_stays(
        rng, selected, {0: (AT_RETURN, 0), 6: (AT_SIX_MONTHS, 0)}, LOCAL_EMPLOYERS, _support))
    applicants = movers + others
    rng.shuffle(applicants)
    return common.assemble(
        scenario="ygca", seed=seed, today=today, dates=dates, programme=common.Programme(
            code="YGCA-DEMO", name="YGCA: a master's in Spain, a project at home (demo)",
            description="Young Generation as Change Agents: Moroccan graduates study a one-"
                        "year master's in Spain and turn their thesis into a project in "
                        "Morocco.",
            origins=["MA"], destinations=["ES"], sectors=list(SECTORS),
            capacity=len(selected), gender_share="0.40", shape={
                "stay_types": ["study"], "max_stay_months": 12,
                "planned": {"applicants": None, "trained": None, "moved": 40}}),
        institutions=UNIVERSITIES, modules=(), applicants=applicants, employers=employers,
        vacancies=vacancies, showcase=common.showcase(movers, "renewable_energy"),
        candidate_what="back from a master's in renewable energy", employer_key="upm",
        employer_what="Universidad Politécnica de Madrid, a study provider",
        notes=(f"The {AWARDS} best theses won EUR 10,000 each (support kind 'award').",))


def _support(rng: random.Random, student: Applicant,
             answers: dict[int, dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Entrepreneurship training in Spain, two months before the master's ends, for all; IOM
    refers those still seeking work at six months to employers."""
    measures: list[dict[str, Any]] = [{
        "stage": "during_stay", "kind": "entrepreneurship_training",
        "provider": "SEPIE entrepreneurship programme", "months_after_return": -2,
        "months": 1, "outcome": "successful"}]
    if answers[6]["employment_status"] == "seeking_work":
        measures.append({"kind": "job_referral", "provider": "IOM Morocco",
                         "months_after_return": 6})
    return tuple(measures)


def _awarded(movers: list[Applicant]) -> list[Applicant]:
    """The best theses' authors, the first :data:`AWARDS` who run a business at six months,
    each with the award to implement it."""
    winners = [m.key for m in movers if m.stay and
               m.stay.answers[6]["employment_status"] == "self_employed"][:AWARDS]
    currency, amount = AWARD
    award = {"kind": "award", "provider": "YGCA thesis award", "months_after_return": 1,
             "amount": amount, "currency": currency}
    return [replace(m, stay=replace(m.stay, support=(*m.stay.support, award)))
            if m.stay and m.key in winners else m for m in movers]
