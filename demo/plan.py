"""What a scenario is: plain data, drawn once from a seed, then played through the API.

A :class:`Plan` holds the request bodies the API will receive (with the ids it hands out
filled in while playing) and what each person's story is: eligible or not, selected or not,
trained, moving, and what they answer after their return. :func:`figures` counts what the
programme's indicators should then show, so a test can hold the API to it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from demo.fair_recruitment import FairRecruitment

WORKING = ("employed_host_company", "employed_other_employer", "self_employed")
VISA_WEEKS = 4  # from the visa application to the decision


@dataclass(frozen=True, slots=True)
class Login:
    """An account the scenario creates and prints, to try the API as that person."""

    role: str
    email: str
    password: str
    what: str  # what they can look at, for the printed summary


# What each role's account is for, printed with its login.
ROLE_NOTES = {
    "officer": "runs the programme: applications, matching, placements, returnee cases "
               "(GET /v1/follow-ups?caseworker=me)",
    "ministry": "aggregates only: GET /v1/programmes/{id}/overview, "
                "GET /v1/indicators?programme_id={id}, "
                "GET /v1/recruitment-costs/sdg-10-7-1?programme_id={id}",
    "candidate": "one participant: GET /v1/placements, GET /v1/follow-ups",
    "employer": "a host company: GET /v1/placements, GET /v1/vacancies",
    "institution": "a partner institution: its students and nominees, GET /v1/candidates",
}


def login(scenario: str, role: str, what: str | None = None) -> Login:
    """The scenario's account for ``role``: ``<role>@<scenario>.example.org``, password
    ``<scenario>-demo-<role>`` (demo data: printed, never secret)."""
    return Login(role, f"{role}@{scenario}.example.org", f"{scenario}-demo-{role}",
                 what or ROLE_NOTES[role])


@dataclass(frozen=True, slots=True)
class Stay:
    """What happens to someone who moves, beyond what their vacancy decides: their answers
    at each follow-up point (``AnswerIn`` bodies) and the support measures they receive
    (``MeasureCreate`` bodies without the person: ``months_after_return`` sets their start
    date from the last return, negative for support before it; ``stage`` is
    ``after_return`` unless given, ``before_departure`` or ``during_stay``; ``outcome``
    completes them with that outcome)."""

    answers: dict[int, dict[str, Any]]
    support: tuple[dict[str, Any], ...] = ()
    # The answers after each earlier return (seasons: the same person went and came back
    # before), oldest first; ``answers`` are those after the last one.
    earlier: tuple[dict[int, dict[str, Any]], ...] = ()
    # The points after the last return whose window passed with no answer recorded (nobody
    # called): the indicators count them as missed.
    missed: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Applicant:
    """One person who applies, and how it ends for them."""

    key: str
    profile: dict[str, Any]  # a CandidateCreate body
    sector: str
    outcome: str  # what selection decides: ineligible, waitlisted or selected
    nominated_by: str | None = None  # an institution's key: it registers and nominates them
    # Signs up and applies with their own account; the others' forms are filed by the officer
    # (or registered by their institution, for nominees).
    signs_up: bool = False
    trained: bool = False  # enrolled in and completed every training module
    stay: Stay | None = None  # set for those who move
    # When the form was submitted, inside the intake window: staff filing it afterwards give
    # it as the application's ``submitted_at``.
    submitted_at: datetime | None = None

    @property
    def gender(self) -> str:
        """The profile's gender."""
        return str(self.profile["gender"])

    @property
    def origin(self) -> str:
        """The profile's nationality: where they leave from and return to."""
        return str(self.profile["nationality"])


@dataclass(frozen=True, slots=True)
class Vacancy:
    """A host company's vacancy (a VacancyCreate body without employer and programme ids), and
    how its stays go: when the visa is decided, when trainees arrive, whether the host firm
    extends them (an ExtendBody)."""

    key: str
    employer_key: str
    body: dict[str, Any]
    visa_decided: date
    arrival: date
    end: date  # the actual return, after any extension
    extension: dict[str, Any] | None = None
    round: int = 0  # the matching round that fills it: seasons are filled one after another

    @property
    def visa_requested(self) -> date:
        """When the officer applied for the visas: four weeks before the decision."""
        return self.visa_decided - timedelta(days=VISA_WEEKS * 7)


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything one scenario seeds, in the order it is played."""

    scenario: str
    seed: int
    today: date
    programme: dict[str, Any]  # a ProgrammeCreate body, its intake window as it really was
    schedule: dict[str, Any]  # the follow-up schedule (ScheduleIn body)
    institutions: dict[str, dict[str, Any]]  # key -> InstitutionCreate body
    modules: tuple[dict[str, Any], ...]  # TrainingModuleCreate bodies
    applicants: tuple[Applicant, ...]
    employers: dict[str, dict[str, Any]]  # key -> EmployerCreate body without agreements
    vacancies: tuple[Vacancy, ...]
    matching: dict[str, Any]  # the run's parameters (MatchingRunCreate without programme)
    officer: Login
    ministry: Login
    candidate: Login  # the person whose own account shows their journey
    employer: Login  # the host company whose account shows its trainees
    institution: Login  # the first institution's account (each has one: mobility@<key>)
    candidate_key: str = ""
    employer_key: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)  # printed after seeding
    # Destinations whose visa desk is another system posting its decisions as a machine
    # client (client credentials), by country, with the client's name; the others' desks
    # are people with an account.
    visa_machines: dict[str, str] = field(default_factory=dict)
    # The consortium running the programme: (institution key, role, joined_on ISO date).
    consortium: tuple[tuple[str, str, str], ...] = ()
    # Agreements between partners: AgreementCreate bodies naming their parties by institution
    # key (``parties``, the first records it) instead of ids.
    agreements: tuple[dict[str, Any], ...] = ()
    # Origin countries the programme suspended (OriginSuspensionCreate bodies).
    suspended_origins: tuple[dict[str, Any], ...] = ()
    # Entered after the fact in its real period (HOMERe, 2019-2020), not anchored on the
    # seeding day: the programme is opened with the intake window it had, long closed, so no
    # candidate may apply to it and nobody signs up to; the officer files every application
    # with its real ``submitted_at`` (the showcased participant's account is made by the
    # admin for their profile, to see their records, and they give their consent), and
    # records every follow-up answer on the day it was given.
    historical: bool = False
    # What the workers paid to be recruited, the programme's rates and one complaint.
    fair: FairRecruitment | None = None

    @property
    def code(self) -> str:
        """The programme's code, which tells whether the scenario was seeded already."""
        return str(self.programme["code"])

    @property
    def movers(self) -> list[Applicant]:
        """Those who are placed abroad and return."""
        return [a for a in self.applicants if a.stay is not None]

    def logins(self) -> tuple[Login, ...]:
        """The accounts to print at the end."""
        return (self.officer, self.ministry, self.candidate, self.employer, self.institution)


def _count(values: Any) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def figures(plan: Plan) -> dict[str, Any]:
    """What the programme should show once seeded: applications by final status, the
    selected and returnees broken down, and per follow-up point who was due (answered, or
    missed: the window passed without an answer), who answered and how."""
    selected = [a for a in plan.applicants if a.outcome == "selected"]
    movers = plan.movers
    points: dict[int, dict[str, int]] = {}
    returns = [answers for m in movers if m.stay for answers in (*m.stay.earlier, m.stay.answers)]
    for point in plan.schedule["points_months"]:
        answers = [found[point] for found in returns if point in found]
        missed = sum(1 for m in movers if m.stay and point in m.stay.missed)
        if not answers and not missed:
            continue
        statuses = [a["employment_status"] for a in answers]
        points[point] = {
            "due": len(answers) + missed,
            "answered": len(answers),
            "unreachable": statuses.count("unreachable"),
            "missed": missed,
            "responded": sum(1 for s in statuses if s != "unreachable"),
            "working": sum(1 for s in statuses if s in WORKING),
            "host_company": statuses.count("employed_host_company"),
            "abroad": sum(1 for a in answers if a.get("job_location") == "abroad"),
        }
    businesses = sum(1 for m in movers if m.stay and any(
        a["employment_status"] == "self_employed"
        for answers in (*m.stay.earlier, m.stay.answers) for a in answers.values()))
    last_round = max((v.round for v in plan.vacancies), default=0)
    support: Counter[tuple[str, str]] = Counter()
    supported: dict[tuple[str, str], set[str]] = {}
    for mover in movers:
        for measure in mover.stay.support if mover.stay else ():
            group = (measure.get("stage", "after_return"), measure["kind"])
            support[group] += 1
            supported.setdefault(group, set()).add(mover.key)
    final_status = {"selected": "selected", "waitlisted": "waitlisted",
                    "ineligible": "ineligible"}
    return {
        "applicants": len(plan.applicants),
        "applicants_by_gender": _count(a.gender for a in plan.applicants),
        "applicants_by_nationality": _count(a.origin for a in plan.applicants),
        "applications_by_status": _count(
            "returned" if a.stay else final_status[a.outcome] for a in plan.applicants),
        "selected": len(selected),
        "selected_by_gender": _count(a.gender for a in selected),
        "selected_by_sector": _count(a.sector for a in selected),
        "trained": sum(1 for a in plan.applicants if a.trained),
        "returnees": len(movers),
        "returnees_by_gender": _count(a.gender for a in movers),
        "returnees_by_origin": _count(a.origin for a in movers),
        "returnees_by_sector": _count(a.sector for a in movers),
        # A seat is a person, except with repeated stays: everyone moves again in the last
        # round (seasons: the same people).
        "returnees_by_destination": _count(
            v.body["location"]["country"] for v in plan.vacancies
            if v.round == last_round or not plan.programme.get("repeat_stays")
            for _ in range(v.body["seats"])),
        "stays": sum(v.body["seats"] for v in plan.vacancies),
        "extended": sum(1 for v in plan.vacancies if v.extension for _ in range(v.body["seats"])),
        # (stage, kind) -> measures and people supported
        "support": {group: {"measures": n, "people": len(supported[group])}
                    for group, n in sorted(support.items())},
        "businesses_created": businesses,
        "by_point": points,
    }
