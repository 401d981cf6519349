"""Building blocks the scenarios share: applicant pools, host vacancies, follow-up answers.

Selection is made to land on the scenario's cohort by the programme's own published score
(services/candidates/applications/scoring.py), not by any shortcut: cohort members hold a
master's degree, speak the required language at C1 and are nominated by a partner institution
(25.714 + 10 + 25 + 15 = 75.714 points), while the other eligible applicants hold a bachelor's
degree at B2 and are not nominated (21.429 + 0 + 25 = 46.429). The showcased participant applies
on their own, without a nomination (60.714: still in the cohort, see
demo.scenarios.common.self_service). Ineligible applicants fail one
rule each (language level, education or age), so screening's reasons vary.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from demo import people
from demo.dates import StayDates, birth_date, stay
from demo.plan import WORKING, Applicant, Vacancy

INELIGIBLE_BECAUSE = ("language", "education", "age")
# In a follow-up point's mix of answers: nobody recorded an answer before the window passed.
MISSED = "missed"


@dataclass(frozen=True, slots=True)
class Intake:
    """What a programme's applicants have in common."""

    tag: str  # the scenario's name: keys and e-mail domain
    closes: date  # the intake's last day: ages count on it
    origins: tuple[str, ...]  # nationalities, drawn evenly
    language: str  # the language the programme requires at B2
    universities: dict[str, str]  # nationality -> the partner institution's key
    university_names: dict[str, str]  # institution key -> name


def profile(rng: random.Random, intake: Intake, *, number: int, gender: str, origin: str,
            sector: str, level: str, language_level: str, age: int,
            countries: list[str], available: tuple[date, date],
            school: str | None = None) -> dict[str, Any]:
    """A CandidateCreate body: a graduate of ``level`` (from the partner university, or from
    ``school``) who speaks the programme's language at ``language_level`` besides their
    country's languages."""
    languages = dict(people.HOME_LANGUAGES[origin])
    languages[intake.language] = language_level
    institution = school or intake.university_names[intake.universities[origin]]
    return {
        **people.identity(rng, gender=gender, nationality=origin, number=number,
                          domain=f"{intake.tag}.example.org"),
        "date_of_birth": birth_date(rng, intake.closes, age).isoformat(),
        "education": [{"institution": institution, "level": level,
                       "field": people.STUDY_FIELDS[sector],
                       "year": intake.closes.year + (1 if level == "master" else -1)}],
        "skills": people.skills(rng, sector),
        "languages": [{"language": code, "level": lvl} for code, lvl in languages.items()],
        "preferred_sectors": [sector], "preferred_countries": countries,
        "available_from_date": available[0].isoformat(),
        "available_until_date": available[1].isoformat(),
    }


def cohort(rng: random.Random, intake: Intake, *, sectors: list[str], women: int,
           countries: list[str], available: tuple[date, date], first: int = 1,
           trained: bool = False, level: str = "master") -> list[Applicant]:
    """The people selection will pick: one per entry of ``sectors``, ``women`` of them women,
    nominated by their university (graduates of ``level``: a master's by default, see the
    module's scores; a bachelor's still outranks the others, who are not nominated)."""
    genders = ["female"] * women + ["male"] * (len(sectors) - women)
    rng.shuffle(genders)
    found = []
    for i, (sector, gender) in enumerate(zip(sectors, genders, strict=True)):
        origin = rng.choice(intake.origins)
        body = profile(rng, intake, number=first + i, gender=gender, origin=origin,
                       sector=sector, level=level, language_level="C1",
                       age=rng.randint(21, 26), countries=countries, available=available)
        found.append(Applicant(key=f"{intake.tag}-{first + i:03d}", profile=body,
                               sector=sector, outcome="selected",
                               nominated_by=intake.universities[origin], trained=trained))
    return found


def others(rng: random.Random, intake: Intake, *, eligible: int, ineligible: int,
           sectors: list[str], countries: list[str], available: tuple[date, date],
           first: int) -> list[Applicant]:
    """Applicants selection waitlists (``eligible``) and screening turns down."""
    found = []
    for i in range(eligible + ineligible):
        number, sector = first + i, rng.choice(sectors)
        gender = "female" if rng.random() < 0.45 else "male"
        level, language_level, age = "bachelor", "B2", rng.randint(21, 29)
        if i >= eligible:
            because = INELIGIBLE_BECAUSE[i % len(INELIGIBLE_BECAUSE)]
            language_level = "B1" if because == "language" else language_level
            level = "short_tertiary" if because == "education" else level
            age = rng.randint(32, 36) if because == "age" else age
        body = profile(rng, intake, number=number, gender=gender,
                       origin=rng.choice(intake.origins), sector=sector, level=level,
                       language_level=language_level, age=age, countries=countries,
                       available=available)
        found.append(Applicant(key=f"{intake.tag}-{number:03d}", profile=body, sector=sector,
                               outcome="waitlisted" if i < eligible else "ineligible"))
    return found


def eligibility(intake: Intake) -> dict[str, Any]:
    """The programme's screening rules, matching the pool above."""
    return {"min_age": 20, "max_age": 30, "min_education_level": "bachelor",
            "required_languages": [{"language": intake.language, "min_level": "B2"}]}


def vacancy(rng: random.Random, *, key: str, employer_key: str, sector: str, title: str,
            occupation: str | None, seats: int, dates: StayDates, country: str, city: str,
            stipend: str | None, language: str | None, extension_offer: str | None = None,
            terms: Mapping[str, Any] | None = None, round_: int = 0) -> Vacancy:
    """A vacancy of ``sector`` whose trainees stay ``dates``; the visa is decided three to
    six weeks before the start and trainees arrive within three days of it. ``terms`` adds
    fields of its stay type (``stay_type``, ``season``, ``study_programme``…); ``round_`` is
    the matching round that fills it."""
    required, extras = people.SECTOR_SKILLS[sector]
    body: dict[str, Any] = {
        "title": title, **({"occupation_code": occupation} if occupation else {}),
        "sector": sector,
        "required_skills": [{"label": s} for s in required],
        "nice_to_have_skills": [{"label": s} for s in extras],
        "required_languages": [{"language": language, "min_level": "B2"}] if language else [],
        "seats": seats, "start_date": dates.start.isoformat(), "duration_months": dates.months,
        "location": {"country": country, "city": city}, **(terms or {}),
    }
    if stipend:
        body["stipend"] = {"amount": stipend, "currency": "EUR"}
    extension = None
    if dates.extension_months:
        extension = {"new_end_date": dates.end.isoformat(),
                     "offer_reference": f"{employer_key.upper()}-EXT-{dates.end.year}",
                     "offer_text": extension_offer or "The host firm offered more months."}
    return Vacancy(key=key, employer_key=employer_key, body=body,
                   visa_decided=dates.start - timedelta(days=rng.randint(21, 42)),
                   arrival=dates.start + timedelta(days=rng.randint(0, 3)), end=dates.end,
                   extension=extension, round=round_)


def _scores(rng: random.Random, low: float) -> dict[str, float]:
    return {name: round(rng.uniform(low, 0.95), 2) for name in ("economic", "social",
                                                                 "psychosocial")}


def answer(rng: random.Random, mover: Applicant, status: str, *, abroad: bool,
           local_employers: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """A follow-up answer (AnswerIn body) of ``status``, as a returnee would give it."""
    if status == "unreachable":
        return {"employment_status": status, "notes": "No answer after three calls."}
    body: dict[str, Any] = {"employment_status": status}
    if status in WORKING:
        body["job_sector"] = mover.sector
        body["job_location"] = "abroad" if abroad else "origin_country"
        if status == "employed_other_employer":
            body["employer_name"] = rng.choice(local_employers[mover.origin])
        body["income_band"] = "2000_or_more" if abroad else rng.choice(("500_999", "1000_1999"))
        body["skills_use"] = rng.choice(("somewhat", "a_lot", "a_lot"))
        body["satisfaction"] = rng.randint(3, 5)
        body["sustainability"] = _scores(rng, 0.55)
    else:
        body["income_band"] = "none" if status != "in_education" else "under_200"
        body["skills_use"] = rng.choice(("a_little", "somewhat"))
        body["satisfaction"] = rng.randint(2, 4)
        body["sustainability"] = _scores(rng, 0.3)
    return body


def answers_at(rng: random.Random, movers: list[Applicant], mix: dict[str, int], *,
               abroad: int, local_employers: Mapping[str, tuple[str, ...]]
               ) -> dict[str, dict[str, Any]]:
    """One follow-up point's answers by applicant key: ``mix`` says how many answer each
    employment status, and how many are ``missed`` (nobody recorded an answer before the
    window passed: they have none), adding up to the movers; ``abroad`` how many of those
    working work abroad."""
    statuses = [status for status, n in mix.items() for _ in range(n)]
    if len(statuses) != len(movers):
        raise ValueError(f"the mix counts {len(statuses)} answers for {len(movers)} returnees")
    rng.shuffle(statuses)
    working = [i for i, s in enumerate(statuses) if s in WORKING]
    away = set(rng.sample(working, abroad))
    return {m.key: answer(rng, m, s, abroad=i in away, local_employers=local_employers)
            for i, (m, s) in enumerate(zip(movers, statuses, strict=True)) if s != MISSED}


@dataclass(frozen=True, slots=True)
class Host:
    """A host company (or a university: ``kind`` study_provider) and one vacancy it offers
    the programme; a host listed again offers another vacancy in a later ``round``."""

    key: str
    name: str
    city: str
    sector: str
    seats: int
    title: str
    occupation: str | None  # ISCO-08 unit group (optional for a study)
    size: str = "medium"
    months: int = 6
    extension_months: int = 0  # the host firm extends its trainees' stays by this much
    country: str | None = None  # where it is, when a programme has several destinations
    kind: str = "company"
    # The vacancy's stay-type fields (stay_type, season, region, study_programme…).
    terms: dict[str, Any] = field(default_factory=dict)
    months_earlier: int = 0  # its stays end this many months before the latest ones
    round: int = 0  # the matching round that fills it (seasons: one round each)


def hosts(rng: random.Random, table: tuple[Host, ...], *, today: date, country: str,
          language: str | None, signed: date, origins: tuple[str, ...], stipend: str,
          extension_offer: str | None = None
          ) -> tuple[dict[str, dict[str, Any]], tuple[Vacancy, ...]]:
    """Employer bodies (their agreement's programme id is filled in when played) and one
    vacancy each, whose stays end about six and a half months before ``today``; in
    ``country`` unless the host names its own."""
    employers: dict[str, dict[str, Any]] = {}
    vacancies = []
    for host in table:
        where = host.country or country
        if host.key not in employers:
            employers[host.key] = _employer(rng, host, country=where, signed=signed,
                                            origins=origins, stipend=stipend)
        dates = stay(rng, today, months=host.months, extension_months=host.extension_months,
                     months_earlier=host.months_earlier)
        vacancies.append(vacancy(
            rng, key=f"{host.key}-{host.round + 1}", employer_key=host.key, sector=host.sector,
            title=host.title, occupation=host.occupation, seats=host.seats, dates=dates,
            country=where, city=host.city, stipend=stipend, language=language,
            extension_offer=extension_offer, terms=host.terms, round_=host.round))
    return employers, tuple(vacancies)


def _employer(rng: random.Random, host: Host, *, country: str, signed: date,
              origins: tuple[str, ...], stipend: str) -> dict[str, Any]:
    """An EmployerCreate body (its agreement's programme id is filled in when played)."""
    body = {
        "name": host.name, "country": country, "city": host.city, "sector": host.sector,
        "size": host.size,
        "operates_in_origin_countries": list(origins) if rng.random() < 0.4 else [],
        "contacts": [{"name": rng.choice(people.CONTACT_NAMES), "role": "HR manager",
                      "email": f"hr@{host.key}.example.org"}],
        "agreements": [{"signed_date": signed.isoformat(), "obligations": {
            "mentor": True, "stipend": True, "stipend_amount": stipend,
            "stipend_currency": "EUR", "housing_support": rng.random() < 0.5}}],
    }
    if host.kind != "company":
        body["kind"] = host.kind
    return body

