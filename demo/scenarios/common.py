"""What every scenario does the same way: its intake calendar, partner institutions, the
returnees' stories and the participant whose own account is shown."""

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from demo import fair_recruitment
from demo.dates import add_months, intake_window
from demo.plan import ROLE_NOTES, Applicant, Login, Plan, Stay, Vacancy, login
from demo.pool import Intake, answers_at, eligibility

# The intake ran ten to seven months before the first stay started.
INTAKE_MONTHS_BEFORE = (10, 7)
# Trainees were available from a month before the first start to two months after the last end.
AVAILABLE_MARGIN = (timedelta(days=30), timedelta(days=60))
# Follow-ups at return, six and twelve months, answerable for 240 days: in a scenario
# anchored on the seeding day the return and six-month ones are answered (see demo.dates) and
# the twelve-month one is not due yet; in one entered after the fact (HOMERe) every window
# has long closed.
SCHEDULE = {"points_months": [0, 6, 12], "window_days": 240}
# How many applicants sign up and apply with their own account, per scenario: the showcased
# participant and every tenth of those not nominated, up to this many. The gateway takes 10
# sign-ups an hour from one address (GATEWAY_SIGNUP_RATE_LIMIT_REQUESTS), and a demo seeds
# from one; the other forms are filed by the officer, as a caseworker does from paper.
SIGN_UPS = 8
INSTITUTION_PASSWORD = "{scenario}-demo-institution"

Institution = tuple[str, str, str, str]  # name, kind, country, city


@dataclass(frozen=True, slots=True)
class Calendar:
    """A programme's intake, and when its applicants are available."""

    intake: Intake
    window: dict[str, str]  # the programme's intake_opens_at / intake_closes_at
    available: tuple[date, date]


def calendar(vacancies: tuple[Vacancy, ...], *, tag: str, origins: tuple[str, ...],
             language: str, universities: dict[str, str],
             institutions: dict[str, Institution],
             intake_days: tuple[date, date] | None = None) -> Calendar:
    """The intake placed before the vacancies' stays, or on the days ``intake_days`` gives (its
    first and last day, as the programme ran it); ``universities`` names, per origin country,
    the institution whose students apply (and who nominates the best)."""
    first = min(date.fromisoformat(v.body["start_date"]) for v in vacancies)
    opens, closes = intake_days or (add_months(first, -INTAKE_MONTHS_BEFORE[0]),
                                    add_months(first, -INTAKE_MONTHS_BEFORE[1]))
    intake = Intake(tag=tag, closes=closes, origins=origins, language=language,
                    universities=universities,
                    university_names={k: v[0] for k, v in institutions.items()})
    available = (first - AVAILABLE_MARGIN[0], max(v.end for v in vacancies) + AVAILABLE_MARGIN[1])
    return Calendar(intake=intake, window=intake_window(opens, closes), available=available)


def self_service(applicants: list[Applicant], showcase_key: str,
                 count: int = SIGN_UPS) -> list[Applicant]:
    """``applicants`` with those who sign up themselves marked: the showcased participant, who
    applies on their own rather than through their university (a master's at C1 without a
    nomination scores 60.714, still above every applicant outside the cohort, see demo.pool),
    and every tenth of the applicants nobody nominates, ``count`` in all."""
    others = [a.key for a in applicants if a.nominated_by is None and a.key != showcase_key]
    chosen = {showcase_key, *others[::10][:count - 1]}
    return [replace(a, signs_up=True, nominated_by=None if a.key == showcase_key
                    else a.nominated_by) if a.key in chosen else a for a in applicants]


def institution_bodies(table: dict[str, Institution]) -> dict[str, dict[str, Any]]:
    """InstitutionCreate bodies by key."""
    return {key: {"name": name, "kind": kind, "country": country, "city": city,
                  "contact_email": f"mobility@{key}.example.org"}
            for key, (name, kind, country, city) in table.items()}


Support = Callable[[random.Random, Applicant, dict[int, dict[str, Any]]],
                   tuple[dict[str, Any], ...]]


def with_stays(rng: random.Random, movers: list[Applicant],
               mixes: dict[int, tuple[dict[str, int], int]],
               local_employers: Mapping[str, tuple[str, ...]], support: Support) -> list[Applicant]:
    """The movers with their answers at each point (point -> the mix of employment statuses
    and how many of those working work abroad, see pool.answers_at) and the support
    ``support`` gives each."""
    answers = {point: answers_at(rng, movers, mix, abroad=abroad,
                                 local_employers=local_employers)
               for point, (mix, abroad) in mixes.items()}
    found = []
    for mover in movers:
        own = {point: by_key[mover.key] for point, by_key in answers.items()
               if mover.key in by_key}
        missed = frozenset(point for point, by_key in answers.items()
                           if mover.key not in by_key)
        found.append(replace(mover, stay=Stay(answers=own, support=support(rng, mover, own),
                                              missed=missed)))
    return found


def showcase(movers: list[Applicant], sector: str) -> Applicant:
    """The participant whose account the demo prints: one of ``sector`` who answered every
    follow-up themselves (a caseworker records the unreachable) and missed none."""
    return next(a for a in movers if a.sector == sector and a.stay and not a.stay.missed
                and all(answer["employment_status"] != "unreachable"
                        for answer in a.stay.answers.values()))


def submissions(applicants: list[Applicant], window: dict[str, str]) -> list[Applicant]:
    """``applicants`` with the moment each submitted their form: spread evenly over the
    intake window in the order given, all strictly inside it, from 08:00 UTC on its first
    day."""
    opens = datetime.combine(date.fromisoformat(window["intake_opens_at"][:10]), time(8), UTC)
    seconds = int((datetime.fromisoformat(window["intake_closes_at"]) - opens).total_seconds())
    return [replace(a, submitted_at=opens + timedelta(
        seconds=seconds * (n + 1) // (len(applicants) + 1))) for n, a in enumerate(applicants)]


@dataclass(frozen=True, slots=True)
class Programme:
    """What differs between the scenarios' programmes."""

    code: str
    name: str
    description: str
    origins: list[str]
    destinations: list[str]
    sectors: list[str]
    capacity: int
    gender_share: str | None
    training: bool = False
    # What else the programme states (stay_types, repeat_stays, planned, max_stay_months,
    # destination_regions, seasons, gender_targets), as ProgrammeCreate fields.
    shape: dict[str, Any] = field(default_factory=dict)


def assemble(*, scenario: str, seed: int, today: date, programme: Programme, dates: Calendar,
             institutions: dict[str, Institution], modules: tuple[dict[str, Any], ...],
             applicants: list[Applicant], employers: dict[str, dict[str, Any]],
             vacancies: tuple[Vacancy, ...], showcase: Applicant, candidate_what: str,
             employer_key: str, employer_what: str, notes: tuple[str, ...] = (),
             visa_machines: dict[str, str] | None = None,
             schedule: dict[str, Any] | None = None,
             consortium: tuple[tuple[str, str, str], ...] = (),
             agreements: tuple[dict[str, Any], ...] = (),
             suspended_origins: tuple[dict[str, Any], ...] = (),
             historical: bool = False) -> Plan:
    """The scenario's plan: its programme with the usual consent and screening rules, the
    shared follow-up schedule, a matching run that keeps each trainee in their own sector
    (min_score 0.5: a pair of sectors scores at most ~0.25, see demo.people.SECTOR_SKILLS),
    the applicants who sign up themselves (:func:`self_service`; none in a ``historical``
    programme), when each submitted (:func:`submissions`), and the accounts printed at the
    end."""
    first = next(iter(institutions))
    return Plan(
        scenario=scenario, seed=seed, today=today,
        programme={
            "code": programme.code, "name": programme.name, "description": programme.description,
            "origin_countries": programme.origins, "destination_countries": programme.destinations,
            "sectors": programme.sectors, **dates.window, "capacity": programme.capacity,
            "gender_balance_min_share": programme.gender_share,
            "eligibility": eligibility(dates.intake), "required_consents": ["data_processing"],
            "training_required_before_departure": programme.training, **programme.shape,
        },
        schedule=schedule or SCHEDULE, institutions=institution_bodies(institutions),
        modules=modules,
        # Nobody applies themselves to an intake closed long ago: the officer files every
        # form (see Plan.historical).
        applicants=tuple(submissions(applicants if historical
                                     else self_service(applicants, showcase.key), dates.window)),
        employers=employers,
        vacancies=vacancies,
        matching={"algorithm": "optimal", "min_score": 0.5},
        officer=login(scenario, "officer"), ministry=login(scenario, "ministry"),
        candidate=Login("candidate", str(showcase.profile["email"]),
                        login(scenario, "candidate").password, candidate_what),
        employer=login(scenario, "employer", employer_what),
        institution=Login("institution", f"mobility@{first}.example.org",
                          INSTITUTION_PASSWORD.format(scenario=scenario),
                          ROLE_NOTES["institution"]),
        candidate_key=showcase.key, employer_key=employer_key, notes=notes,
        visa_machines=visa_machines or {}, consortium=consortium, agreements=agreements,
        suspended_origins=suspended_origins, historical=historical,
    )


def seasons(vacancies: tuple[Vacancy, ...]) -> tuple[list[dict[str, str]], tuple[Vacancy, ...]]:
    """The seasons of a seasonal programme, one per matching round, named after the year its
    stays start and spanning them (Season bodies); and the vacancies naming their season."""
    found: dict[int, dict[str, str]] = {}
    for round_ in sorted({v.round for v in vacancies}):
        stays = [v for v in vacancies if v.round == round_]
        first = min(date.fromisoformat(v.body["start_date"]) for v in stays)
        found[round_] = {"name": str(first.year), "starts_on": first.isoformat(),
                         "ends_on": max(v.end for v in stays).isoformat()}
    named = tuple(replace(v, body={**v.body, "season": found[v.round]["name"]})
                  for v in vacancies)
    return [found[r] for r in sorted(found)], named


def with_fair_recruitment(plan: Plan, costs: Iterable[fair_recruitment.Cost], *,
                          rates: dict[str, str], complaint: dict[str, Any]) -> Plan:
    """``plan`` with its fair recruitment: ``costs`` drawn for its movers, the rates in euros
    valid on the first arrival, and ``complaint`` (a :class:`~demo.fair_recruitment.Complaint`
    but the applicant) filed by its showcased participant."""
    fair = fair_recruitment.draw(
        plan.seed, {m.key: m.origin for m in plan.movers}, costs,
        rates={"reporting_currency": "EUR", "rates": rates,
               "valid_on": min(v.arrival for v in plan.vacancies).isoformat()},
        complaint=fair_recruitment.Complaint(applicant=plan.candidate_key, **complaint))
    return replace(plan, fair=fair)
