"""What a scenario is: plain data, drawn once from a seed, then played through the API.

A :class:`Plan` holds the request bodies the API will receive (with the ids it hands out
filled in while playing) and what each person's story is: eligible or not, selected or not,
trained, moving, and what they answer after their return. :func:`figures` counts what the
programme's indicators should then show, so a test can hold the API to it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

WORKING = ("employed_host_company", "employed_other_employer", "self_employed")


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
                "GET /v1/indicators?programme_id={id}",
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
    (``MeasureCreate`` bodies without the case id; ``months_after_return`` sets their start
    date, and ``outcome`` completes them with that outcome)."""

    answers: dict[int, dict[str, Any]]
    support: tuple[dict[str, Any], ...] = ()


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
    selected and returnees broken down, and per follow-up point who answered and how."""
    selected = [a for a in plan.applicants if a.outcome == "selected"]
    movers = plan.movers
    points: dict[int, dict[str, int]] = {}
    for point in plan.schedule["points_months"]:
        answers = [m.stay.answers[point] for m in movers if m.stay and point in m.stay.answers]
        if not answers:
            continue
        statuses = [a["employment_status"] for a in answers]
        points[point] = {
            "due": len(answers),
            "responded": sum(1 for s in statuses if s != "unreachable"),
            "working": sum(1 for s in statuses if s in WORKING),
            "host_company": statuses.count("employed_host_company"),
            "abroad": sum(1 for a in answers if a.get("job_location") == "abroad"),
        }
    businesses = sum(1 for m in movers if m.stay and any(
        a["employment_status"] == "self_employed" for a in m.stay.answers.values()))
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
        "extended": sum(1 for v in plan.vacancies if v.extension for _ in range(v.body["seats"])),
        "businesses_created": businesses,
        "by_point": points,
    }
