"""Play a :class:`~demo.plan.Plan` through the public API, stage by stage, each party with its
own account doing its own part:

- the admin only creates accounts: the officer (with no programme yet), then, once the
  programme exists, the ministry's and the destination's visa authority's grants (or the
  visa authority's own system, a machine client, where the plan says so), and the accounts
  of the partner institutions and of the host companies that act themselves;
- the officer opens the programme (and signs in again: the new token carries it), suspends
  the origins it dropped, sets its follow-up schedule, registers the partner institutions and
  the consortium, files the
  applicants' forms in one import of applications (each person with the consent their form
  gives and the day it was submitted, as a caseworker enters a call's forms) and the nominees'
  consents and applications, screens, selects, trains (one register per session for the
  whole class), registers host companies and vacancies, runs matching (one round per
  season: the next once everyone is back), drives placements and returnee cases, records
  support at every stage (before departure and during the stay for the person in the
  programme, after return on their case), and records what
  other parties said on the phone or in a signed form (the other hosts' and participants'
  acceptances, the answers of returnees reached by a call, dated the week they fell due);
- each institution registers its own students in bulk and nominates them to the programme;
  the first party of each agreement records it with its own account;
- some applicants (the showcased participant and a few others, see
  ``demo.scenarios.common.SIGN_UPS``) sign up, consent, apply and submit themselves; none in a
  programme entered after the fact (``Plan.historical``, HOMERe): its intake closed years
  ago, so the officer files every form and the admin makes the showcased participant's
  account for their profile;
- the showcased host company and the hosts that extend stays accept their trainees and record
  their extension offers; the showcased participant accepts their own placement and answers
  their own follow-ups;
- the destination's visa authority (France's, Belgium's, Italy's…; Lithuania's own system
  for Digital Explorers) posts the visa decisions.

Everything that happened is dated as it happened: the submissions the officer files, the visa
requests and decisions, arrivals, returns, training attendance, follow-up answers recorded by
caseworkers and support measures carry the plan's dates, not the seeding day's.

When the gateway refuses more sign-ups from this address (10 an hour by default: several
scenarios seeded within the hour), those applicants' forms are filed by the officer instead,
and the showcased participant's account is then made by the admin; the figures are the same.

Creating POSTs carry an ``Idempotency-Key`` derived from the scenario and the object, so a
request retried after a dropped connection never creates twice. Between services the story
travels by events (placement completed → returnee case, application returned), which the
stages wait for with bounded polls.
"""

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Never, TypeVar

import httpx
from tqdm import tqdm

from demo.dates import add_months, intake_window
from demo.plan import Applicant, Plan, Vacancy
from launcher.api_client import (
    Api,
    ApiError,
    SignUpLimited,
    response_body,
    sign_up,
    tls_context,
    wait_for,
)

T = TypeVar("T")
WORKERS = 8  # concurrent calls: enough to keep four processes busy on two cores
EVENT_TIMEOUT_SECONDS = 120.0
ANSWER_DAYS_AFTER_DUE = 5  # a caseworker reaches a returnee within the week a follow-up is due
IN_PROGRESS = " [demo data: seeding in progress]"
SESSION_HOURS = 8.0  # a training day
REGISTER_SIZE = 500  # the most enrolments one session register takes
CONSENT_TEXT_VERSION = "2024-10"  # of the consent every applicant's form gives


def form(applicant: Applicant) -> dict[str, Any]:
    """The applicant's form as a line of an import of applications: the person, the consent
    the form gives and, when the plan knows it, the moment it was submitted."""
    return {**applicant.profile, "consents": ["data_processing"],
            "consent_text_version": CONSENT_TEXT_VERSION,
            **({"submitted_at": applicant.submitted_at.isoformat()}
               if applicant.submitted_at else {})}


class ScenarioError(RuntimeError):
    """The system answered, but not as the scenario expected (e.g. selection chose others)."""


class AlreadySeeded(Exception):
    """The scenario's programme is there, complete: nothing to do."""

    def __init__(self, programme_id: str) -> None:
        super().__init__(programme_id)
        self.programme_id = programme_id


@dataclass
class Ids:
    """What the API handed out while playing, by the plan's keys."""

    programme: str = ""
    institutions: dict[str, str] = field(default_factory=dict)
    candidates: dict[str, str] = field(default_factory=dict)  # applicant key -> candidate id
    applications: dict[str, str] = field(default_factory=dict)
    employers: dict[str, str] = field(default_factory=dict)
    vacancies: dict[str, str] = field(default_factory=dict)  # vacancy id -> plan key
    answers: int = 0
    measures: int = 0
    selection: dict[str, Any] = field(default_factory=dict)  # the selection run's summary


def units(plan: Plan) -> int:
    """How many steps the progress bar counts for ``plan``."""
    stages = 4 if plan.historical else 5  # a past intake has no sign-ups
    return (stages + len(plan.applicants) + sum(1 for a in plan.applicants if a.nominated_by)
            + sum(1 for a in plan.applicants if a.trained) + len(plan.employers)
            + 2 * len(plan.movers))


class Player:
    """Plays one plan; see the module docstring."""

    def __init__(self, plan: Plan, admin: Api, bar: "tqdm[Never]") -> None:
        self.plan, self.admin, self.bar = plan, admin, bar
        self.gateway = admin.gateway_url
        self.ids = Ids()
        self.apis: dict[str, Api] = {}
        self._lock = threading.Lock()
        self._costed: set[str] = set()  # workers whose recruitment costs were recorded
        self._sign_ups_limited = threading.Event()

    # --- helpers ---------------------------------------------------------------------------

    def key(self, *parts: object) -> str:
        """An Idempotency-Key naming the scenario and the object."""
        return "-".join(["demo", self.plan.scenario, *map(str, parts)])

    def stage(self, name: str) -> None:
        """Show which stage runs."""
        self.bar.set_description(f"{self.plan.scenario}: {name}")

    def step(self, n: int = 1) -> None:
        """Count ``n`` steps done (from any worker thread)."""
        with self._lock:
            self.bar.update(n)

    def each(self, items: Iterable[T], work: Callable[[T], Any]) -> list[Any]:
        """``work`` on every item, a few at a time, counting a step per item; the first error
        stops the stage."""
        def counted(item: T) -> Any:
            result = work(item)
            self.step()
            return result

        with ThreadPoolExecutor(WORKERS) as pool:
            return list(pool.map(counted, items))

    def account(self, role: str, email: str, password: str, **links: Any) -> Api:
        """Create the account (once: an existing one is reused) and log in."""
        try:
            self.admin.post("/v1/admin/accounts", {"email": email, "password": password,
                                                   "role": role, **links})
        except ApiError as exc:
            if exc.status != 409:
                raise
        return Api.login(self.gateway, email, password)

    def machine(self, name: str, role: str, **links: Any) -> Api:
        """Register another system as a machine client and sign it in with its client
        credentials (the secret is shown once, at creation: this run keeps it in memory)."""
        made = self.admin.post("/v1/admin/clients", {"name": name, "role": role, **links})
        response = httpx.post(f"{self.gateway}/v1/auth/token", timeout=30.0, data={
            "grant_type": "client_credentials", "client_id": made["client_id"],
            "client_secret": made["client_secret"]}, verify=tls_context())
        if response.status_code != 200:
            raise ApiError("POST", f"/v1/auth/token ({name})", response.status_code,
                           response_body(response))
        return Api(self.gateway, response.json()["access_token"], label=name)

    def visa_authority(self, country: str) -> Api:
        """The visa desk of ``country`` for this programme (made once, on first need): the
        destination's own system when the plan says so (:attr:`Plan.visa_machines`), else a
        person's account."""
        with self._lock:
            if (found := self.apis.get(f"visa-{country}")) is None:
                links = {"country": country, "programme_ids": [self.ids.programme]}
                if (system := self.plan.visa_machines.get(country)) is not None:
                    found = self.machine(system, "visa_authority", **links)
                else:
                    login = self.plan.ministry
                    email = f"visa-{country.lower()}@{login.email.partition('@')[2]}"
                    found = self.account("visa_authority", email, login.password, **links)
                self.apis[f"visa-{country}"] = found
            return found

    @property
    def officer(self) -> Api:
        """The programme officer's client."""
        return self.apis["officer"]

    # --- stages ----------------------------------------------------------------------------

    def open_programme(self) -> None:
        """The admin creates the officer's account, with no programme; the officer opens the
        programme and signs in again, their new token carrying it. A programme entered after
        the fact (:attr:`Plan.historical`) has its real intake window from the start, long
        closed (staff file its applications with the day each was submitted); the others'
        intake is open until tomorrow, so that applicants submit themselves, and
        :meth:`close_intake` sets the real window afterwards. AlreadySeeded when a complete
        earlier run left it; ScenarioError when one stopped half-way."""
        self.stage("programme")
        plan = self.plan
        found = [p for p in self.admin.all_pages("/v1/programmes") if p["code"] == plan.code]
        if found:
            if found[0]["description"] == plan.programme["description"]:
                raise AlreadySeeded(found[0]["id"])
            raise ScenarioError(
                f"Programme {plan.code} exists but an earlier seeding of {plan.scenario} "
                "stopped half-way. Start from an empty database (`make clean-db`, or a fresh "
                "DATABASE_URL) and seed again.")
        login = plan.officer
        officer = self.account("officer", login.email, login.password, programme_ids=[])
        opens = date.fromisoformat(plan.programme["intake_opens_at"][:10])
        window = {} if plan.historical else intake_window(opens, plan.today + timedelta(days=1))
        body = {**plan.programme, **window,
                "description": plan.programme["description"] + IN_PROGRESS}
        try:
            made = officer.post("/v1/programmes", body, key=self.key("programme"))
        finally:
            officer.close()
        self.ids.programme = made["id"]
        # The gateway made them the programme's officer: only a new token says so.
        self.apis["officer"] = Api.login(self.gateway, login.email, login.password)
        self.step()

    def staff(self) -> None:
        """The admin grants the ministry and the destinations' visa authorities the programme;
        the officer suspends the origins the programme dropped, sets its follow-up schedule,
        registers the partner institutions (whose accounts the admin then creates) and the
        consortium; each agreement is recorded by its first party's own account."""
        self.stage("accounts")
        pid = self.ids.programme
        login = self.plan.ministry
        self.apis["ministry"] = self.account("ministry", login.email, login.password,
                                             programme_ids=[pid])
        for country in self.plan.programme["destination_countries"]:
            self.visa_authority(country)
        for suspension in self.plan.suspended_origins:
            self.officer.post(f"/v1/programmes/{pid}/origin-suspensions", suspension,
                              key=self.key("suspension", suspension["country"]))
        self.officer.change("PUT", f"/v1/follow-up-schedules/{pid}", self.plan.schedule)
        for key, body in self.plan.institutions.items():
            self.ids.institutions[key] = self.officer.post(
                "/v1/institutions", body, key=self.key("institution", key))["id"]
            self.apis[f"institution-{key}"] = self.account(
                "institution", body["contact_email"], self.plan.institution.password,
                institution_id=self.ids.institutions[key])
        for key, role, joined_on in self.plan.consortium:
            self.officer.post(f"/v1/programmes/{pid}/consortium", {
                "institution_id": self.ids.institutions[key], "role": role,
                "joined_on": joined_on}, key=self.key("consortium", key))
        for n, agreement in enumerate(self.plan.agreements):
            first, *_ = parties = agreement["parties"]
            body = {k: v for k, v in agreement.items() if k != "parties"}
            self.apis[f"institution-{first}"].post("/v1/agreements", {
                **body, "programme_id": pid,
                "party_ids": [self.ids.institutions[k] for k in parties]},
                key=self.key("agreement", n))
        self.step()

    def sign_ups(self) -> None:
        """The applicants who sign up themselves do so, then consent, apply and submit with
        their own token. Those the gateway's sign-up limit turns away are left to
        :meth:`register` (the officer files their forms)."""
        self.stage("sign-ups")
        # The showcased participant first, so that a nearly spent limit still lets them in.
        first, *others = sorted((a for a in self.plan.applicants if a.signs_up),
                                key=lambda a: a.key != self.plan.candidate_key)
        self._sign_up(first)
        self.step()
        self.each(others, self._sign_up)

    def _sign_up(self, applicant: Applicant) -> None:
        profile = {k: v for k, v in applicant.profile.items() if k != "email"}
        email, password = str(applicant.profile["email"]), self.plan.candidate.password
        try:
            if self._sign_ups_limited.is_set():
                raise SignUpLimited(0)
            sign_up(self.gateway, email, password, profile)
        except SignUpLimited:
            self._sign_ups_limited.set()  # no use trying the next ones: the limit is hourly
            with self._lock:  # their forms count again when the officer files them
                self.bar.total = (self.bar.total or 0) + 1
            return
        person = Api.login(self.gateway, email, password)
        with self._lock:
            self.ids.candidates[applicant.key] = str(person.claims["candidate_id"])
        self._apply(person, applicant)
        if applicant.key == self.plan.candidate_key:
            self.apis["candidate"] = person
        else:
            person.close()

    def _apply(self, api: Api, applicant: Applicant) -> None:
        """Consent, application and submission, by the person or by the officer for them. The
        officer files a form with the day it was submitted; a programme entered after the fact
        is closed to candidates (422 intake-closed): the person consents, and the officer files
        their application."""
        k, candidate = applicant.key, self.ids.candidates[applicant.key]
        api.post(f"/v1/candidates/{candidate}/consents", {
            "purpose": "data_processing", "text_version": CONSENT_TEXT_VERSION, "action": "given"},
            key=self.key(k, "consent"))
        filer = self.officer if self.plan.historical else api
        application = filer.post("/v1/applications", {
            "candidate_id": candidate, "programme_id": self.ids.programme},
            key=self.key(k, "application"))
        at = applicant.submitted_at if filer is self.officer else None
        filer.post(f"/v1/applications/{application['id']}/submit",
                   {"submitted_at": at.isoformat()} if at else None)
        with self._lock:
            self.ids.applications[k] = application["id"]

    def register(self) -> None:
        """The other applicants, at the same time: the officer files the forms nobody
        nominated in one import of applications (:meth:`_file_forms`), and each institution
        imports its own nominees; then each institution nominates its students and the
        officer files every nominee's consent, application and submission."""
        self.stage("applications")
        signed_up = set(self.ids.candidates)
        by_paper = [a for a in self.plan.applicants if a.key not in signed_up]
        forms = [a for a in by_paper if a.nominated_by is None]
        imports: list[tuple[Api, list[Applicant], dict[str, str]]] = [
            (self.apis[f"institution-{key}"], students, {})
            for key in self.plan.institutions
            if (students := [a for a in by_paper if a.nominated_by == key])]
        with ThreadPoolExecutor(len(imports) + 1) as pool:
            filed = pool.submit(self._file_forms, forms) if forms else None
            for found in pool.map(lambda job: self._import_profiles(*job), imports):
                with self._lock:  # the forms' ids arrive meanwhile
                    self.ids.candidates |= found
            if filed is not None:
                filed.result()
        self.step(len(forms))
        if self.plan.candidate_key not in signed_up:
            # Turned away by the sign-up limit (or an intake closed long ago): the admin makes
            # the showcased participant's account for the profile filed for them.
            showcase = self.plan.candidate
            self.apis["candidate"] = self.account(
                "candidate", showcase.email, showcase.password,
                candidate_id=self.ids.candidates[self.plan.candidate_key])

        def file(applicant: Applicant) -> None:
            self._nominate(applicant)  # which puts them in the officer's view
            own = applicant.key == self.plan.candidate_key
            self._apply(self.apis["candidate"] if own else self.officer, applicant)

        self.each([a for a in by_paper if a.nominated_by], file)

    def _file_forms(self, applicants: list[Applicant]) -> None:
        """The officer files the forms of ``applicants`` in one import of applications
        (NDJSON): each line the person, the consent their form gives and the day it was
        submitted. Their candidate and application ids from the report (in line order)."""
        lines = "\n".join(json.dumps(form(a)) for a in applicants).encode()
        report = self.officer.call(
            "POST", "/v1/candidate-imports/applications", content=lines,
            params={"programme_id": self.ids.programme},
            headers={"Content-Type": "application/x-ndjson"})
        if report["errors"]:
            raise ScenarioError(f"the import of applications refused {report['rejected']} "
                                f"forms: {report['errors'][:3]}")
        with self._lock:
            for applicant, candidate, application in zip(
                    applicants, report["created_ids"], report["application_ids"], strict=True):
                self.ids.candidates[applicant.key] = candidate
                self.ids.applications[applicant.key] = application

    def _import_profiles(self, importer: Api, applicants: list[Applicant],
                         params: dict[str, str]) -> dict[str, str]:
        """Import the profiles (NDJSON) as ``importer``; their ids, by applicant key, from the
        report's ``created_ids`` (in line order). A line refused only because its e-mail is
        registered is a profile already there: read back from the importer's view."""
        lines = "\n".join(json.dumps(a.profile) for a in applicants).encode()
        report = importer.call("POST", "/v1/candidate-imports", content=lines, params=params,
                               headers={"Content-Type": "application/x-ndjson"})
        refused = [e for e in report["errors"] if not all(
            problem["loc"] == ["email"] and "already registered" in problem["msg"]
            for problem in e["errors"])]
        if refused:
            raise ScenarioError(f"the import refused {len(refused)} profiles: {refused[:3]}")
        there = {e["line"] for e in report["errors"]}
        made = [a for line, a in enumerate(applicants, start=1) if line not in there]
        found = {a.key: cid for a, cid in zip(made, report["created_ids"], strict=True)}
        if there:
            wanted = {str(applicants[line - 1].profile["email"]).lower():
                      applicants[line - 1].key for line in there}
            found |= {wanted[c["email"].lower()]: c["id"] for c in importer.all_pages(
                "/v1/candidates") if c["email"].lower() in wanted}
        if len(found) != len(applicants):
            raise ScenarioError(f"{len(applicants) - len(found)} imported profiles are missing")
        return found

    def _nominate(self, applicant: Applicant) -> None:
        key = str(applicant.nominated_by)
        self.apis[f"institution-{key}"].post(
            f"/v1/institutions/{self.ids.institutions[key]}/nominations", {
                "candidate_id": self.ids.candidates[applicant.key],
                "programme_id": self.ids.programme,
                "note": "Nominated by the university's mobility office."},
            key=self.key(applicant.key, "nomination"))
        self.step()

    def close_intake(self) -> None:
        """The intake's real window, so screening counts ages on its real closing day."""
        opens = date.fromisoformat(self.plan.programme["intake_opens_at"][:10])
        closes = date.fromisoformat(self.plan.programme["intake_closes_at"][:10])
        self.officer.change("PATCH", f"/v1/programmes/{self.ids.programme}",
                            intake_window(opens, closes))

    def select(self) -> None:
        """Screening and selection by the officer, checked against the plan."""
        self.stage("selection")
        self.close_intake()
        pid = self.ids.programme
        self.officer.post(f"/v1/programmes/{pid}/screening")
        run = self.officer.post(f"/v1/programmes/{pid}/selection")
        self.ids.selection = run["summary"]
        chosen = {d["application_id"] for d in run["decisions"] if d["outcome"] == "selected"}
        planned = {self.ids.applications[a.key] for a in self.plan.applicants
                   if a.outcome == "selected"}
        if chosen != planned:
            raise ScenarioError(f"selection chose {len(chosen)} applications, "
                                f"{len(chosen & planned)} of the {len(planned)} planned")
        self.step()

    def train(self) -> None:
        """Pre-departure training: every module, attended in full and completed by the trained
        applicants, one module after the other in eight-hour days from the day after the intake
        closed. The officer enrols each trainee, records each day's register for the whole
        class at once (a module is completed only with its attendance recorded, on the days it
        ran), then completes each trainee's module on its last day."""
        trained = [a for a in self.plan.applicants if a.trained]
        if not self.plan.modules:
            return
        self.stage("training")
        pid = self.ids.programme
        day = date.fromisoformat(self.plan.programme["intake_closes_at"][:10]) \
            + timedelta(days=1)
        # Each module's days, in order: (its id, the day it starts, [(day, hours)]).
        calendar = []
        for body in self.plan.modules:
            module = self.officer.post(f"/v1/programmes/{pid}/training-modules", body,
                                       key=self.key("module", body["code"]))["id"]
            sessions, hours = [], float(body["hours"])
            while hours > 0:
                sessions.append((day, min(hours, SESSION_HOURS)))
                hours -= sessions[-1][1]
                day += timedelta(days=1)
            calendar.append((module, sessions[0][0], sessions))

        def enrol(applicant: Applicant) -> list[str]:
            return [self.officer.post(f"/v1/training-modules/{module}/enrolments", {
                "candidate_id": self.ids.candidates[applicant.key],
                "enrolled_on": starts.isoformat()},
                key=self.key(applicant.key, "enrolment", module))["id"]
                for module, starts, _ in calendar]

        rows = self.each(trained, enrol)  # per trainee, their enrolment in each module
        enrolments = [[row[n] for row in rows] for n in range(len(calendar))]  # per module
        for (module, _, sessions), class_ in zip(calendar, enrolments, strict=True):
            for on, hours in sessions:
                for part in range(0, len(class_), REGISTER_SIZE):
                    self.officer.post(f"/v1/training-modules/{module}/sessions", {
                        "session_date": on.isoformat(), "hours": hours,
                        "attendees": class_[part:part + REGISTER_SIZE]},
                        key=self.key("session", module, on, part))
        completions = [(enrolment, sessions[-1][0]) for (_, _, sessions), class_
                       in zip(calendar, enrolments, strict=True) for enrolment in class_]
        with self._lock:  # a second pass over the trainees: their completions
            self.bar.total = (self.bar.total or 0) + len(completions)
        self.each(completions, lambda done: self.officer.post(
            f"/v1/enrolments/{done[0]}/complete", {"completed_on": done[1].isoformat()}))

    def hosts(self) -> None:
        """The officer registers the host companies with their agreement and the first round's
        vacancies; the admin creates the accounts of the hosts that act themselves
        (:meth:`acting_hosts`)."""
        self.stage("host companies")
        pid = self.ids.programme
        for key, employer in self.plan.employers.items():
            body = {**employer, "agreements": [{**a, "programme_id": pid}
                                               for a in employer["agreements"]]}
            self.ids.employers[key] = self.officer.post("/v1/employers", body,
                                                        key=self.key("employer", key))["id"]
            self.step()
        self.publish(0)
        for key, email in self.acting_hosts().items():
            self.apis[f"employer-{key}"] = self.account(
                "employer", email, self.plan.employer.password,
                employer_id=self.ids.employers[key])

    def publish(self, round_: int) -> None:
        """The officer publishes the vacancies of matching round ``round_`` (a season's)."""
        pid = self.ids.programme
        for vacancy in self.plan.vacancies:
            if vacancy.round != round_:
                continue
            body = {**vacancy.body, "employer_id": self.ids.employers[vacancy.employer_key],
                    "programme_id": pid}
            made = self.officer.post("/v1/vacancies", body, key=self.key("vacancy", vacancy.key))
            self.ids.vacancies[made["id"]] = vacancy.key

    def acting_hosts(self) -> dict[str, str]:
        """The hosts with their own account, by key, with its e-mail: the showcased one (the
        printed login) and those that extend stays, since an employer records its own offer
        (their HR contact's e-mail)."""
        found = {self.plan.employer_key: self.plan.employer.email}
        for vacancy in self.plan.vacancies:
            if vacancy.extension and vacancy.employer_key not in found:
                employer = self.plan.employers[vacancy.employer_key]
                found[vacancy.employer_key] = employer["contacts"][0]["email"]
        return found

    def match(self, round_: int = 0) -> list[dict[str, Any]]:
        """A matching run for round ``round_``, checked (every seat of the round's vacancies
        filled) and confirmed; the placements it made."""
        self.stage("matching" if round_ == 0 else f"matching, round {round_ + 1}")
        pid = self.ids.programme
        run = self.officer.post("/v1/matching-runs", {"programme_id": pid, **self.plan.matching},
                                key=self.key("matching-run", *([round_] if round_ else [])))
        run = wait_for(lambda: (r := self.officer.get(f"/v1/matching-runs/{run['id']}"))
                       ["status"] in ("completed", "failed") and r,
                       what="the matching run to finish", timeout=EVENT_TIMEOUT_SECONDS)
        if run["status"] != "completed":
            raise ScenarioError(f"the matching run failed: {run['failure']}")
        seats = sum(v.body["seats"] for v in self.plan.vacancies if v.round == round_)
        if run["summary"]["proposals"] != seats:
            raise ScenarioError(f"matching proposed {run['summary']['proposals']} placements, "
                                f"the plan fills {seats} seats")
        self.officer.post(f"/v1/matching-runs/{run['id']}/confirm")
        placements = self.officer.all_pages("/v1/placements", programme_id=pid,
                                            status="proposed")
        self.step()
        return placements

    def stays(self, placements: list[dict[str, Any]]) -> None:
        """Each placement from acceptance to return."""
        self.stage("placements")
        by_candidate = {cid: key for key, cid in self.ids.candidates.items()}
        vacancies = {v.key: v for v in self.plan.vacancies}
        applicants = {a.key: a for a in self.plan.applicants}

        def live(placement: dict[str, Any]) -> None:
            applicant = applicants[by_candidate[placement["candidate_id"]]]
            vacancy = vacancies[self.ids.vacancies[placement["vacancy_id"]]]
            if vacancy.body["sector"] != applicant.sector:
                raise ScenarioError(f"matching placed a {applicant.sector} trainee on a "
                                    f"{vacancy.body['sector']} vacancy")
            self._live(placement["id"], applicant, vacancy)

        self.each(placements, live)

    def _live(self, placement: str, applicant: Applicant, vacancy: Vacancy) -> None:
        url = f"/v1/placements/{placement}"
        # A host without an account (and a participant other than the showcased one) said yes
        # by e-mail or on a signed form: the officer records it.
        host = self.apis.get(f"employer-{vacancy.employer_key}", self.officer)
        trainee = self.apis["candidate"] if applicant.key == self.plan.candidate_key \
            else self.officer
        host.post(f"{url}/accept-employer")
        trainee.post(f"{url}/accept-candidate")
        self.officer.post(f"{url}/request-visa",
                          {"requested_on": vacancy.visa_requested.isoformat()})
        country = vacancy.body["location"]["country"]
        self.visa_authority(country).post(f"{url}/visa-decision", {
            "decision": "granted", "decision_date": vacancy.visa_decided.isoformat(),
            "reference": f"{country}-VISA-{placement[:8].upper()}"})
        arrival: dict[str, Any] = {"arrival_date": vacancy.arrival.isoformat()}
        if vacancy.body.get("stay_type") == "study":  # the university's enrolment number
            arrival["enrolment_reference"] = \
                f"{vacancy.employer_key.upper()}-{vacancy.arrival.year}-{placement[:6].upper()}"
        self.officer.post(f"{url}/arrive", arrival)
        if self.plan.fair is not None:
            self._fair(placement, applicant, vacancy, trainee)
        if vacancy.extension:
            host.post(f"{url}/extend", vacancy.extension)
        self.officer.post(f"{url}/complete", {"end_date": vacancy.end.isoformat()})

    def _fair(self, placement: str, applicant: Applicant, vacancy: Vacancy,
              trainee: Api) -> None:
        """Once arrived: the costs of the worker's recruitment (on their first placement), by
        themselves in the app or by the officer from the receipts; and the complaint, filed
        by the worker, answered and resolved by the officer, and rated."""
        fair = self.plan.fair
        assert fair is not None
        with self._lock:
            first = applicant.key not in self._costed
            self._costed.add(applicant.key)
        if not first:
            return
        url = f"/v1/placements/{placement}/recruitment-costs"
        for n, line in enumerate(fair.lines(applicant.key, vacancy.arrival)):
            trainee.post(url, line, key=self.key(placement, "cost", n))
        complaint = fair.complaint
        if complaint.applicant != applicant.key:
            return
        filed = trainee.post("/v1/grievances", {"placement_id": placement, **complaint.body},
                             key=self.key(placement, "grievance"))
        path = f"/v1/grievances/{filed['id']}"
        self.officer.post(f"{path}/assign", {"officer_subject": "me"})
        self.officer.post(f"{path}/respond", {"message": complaint.response})
        self.officer.post(f"{path}/resolve", complaint.resolution)
        trainee.post(f"{path}/satisfaction", {"satisfaction": complaint.satisfaction})

    def rates(self) -> None:
        """The programme's exchange rates, for SDG 10.7.1 (the officer supplies them)."""
        if self.plan.fair is not None:
            self.officer.post("/v1/exchange-rates", {"programme_id": self.ids.programme,
                                                     **self.plan.fair.rates},
                              key=self.key("exchange-rates"))

    def returned(self, people: int) -> None:
        """Wait until the candidates service has heard of ``people`` returns (their
        applications ``returned``): only then does its export list them again for another
        round."""
        pid = self.ids.programme
        wait_for(lambda: self.officer.get(f"/v1/programmes/{pid}/statistics")["by_status"]
                 .get("returned", 0) >= people,
                 what=f"{people} applications to be marked returned by the placements' events",
                 timeout=EVENT_TIMEOUT_SECONDS)

    def follow_up(self) -> None:
        """Once reintegration has opened every case (and added every later stay to it):
        assignment to the officer, the answers and the support measures of each returnee."""
        self.stage("returnee cases")
        pid, expected = self.ids.programme, len(self.plan.movers)
        stays = sum(v.body["seats"] for v in self.plan.vacancies)

        def opened() -> list[dict[str, Any]] | None:
            found = self.officer.all_pages("/v1/returnee-cases", programme_id=pid)
            complete = len(found) >= expected and sum(len(c["stays"]) for c in found) >= stays
            return found if complete else None

        cases = wait_for(
            opened,
            what=f"{expected} returnee cases with {stays} stays, from the placements' events",
            timeout=EVENT_TIMEOUT_SECONDS)
        by_candidate = {cid: key for key, cid in self.ids.candidates.items()}
        applicants = {a.key: a for a in self.plan.applicants}
        me = self.officer.subject
        self.each(cases, lambda case: self._case(case, applicants[by_candidate[
            case["candidate_id"]]], me))

    def _case(self, case: dict[str, Any], applicant: Applicant, caseworker: str) -> None:
        assert applicant.stay is not None
        self.officer.post(f"/v1/returnee-cases/{case['id']}/assign",
                          {"caseworker_subject": caseworker})
        # Each follow-up belongs to the return it counts from: its due date says which.
        returns = sorted(date.fromisoformat(s["return_date"]) for s in case["stays"])
        answers = (*applicant.stay.earlier, applicant.stay.answers)
        follow_ups = self.officer.get(f"/v1/returnee-cases/{case['id']}/follow-ups")["items"]
        today = self.plan.today
        for item in follow_ups:
            point, due = item["point_months"], date.fromisoformat(item["due_date"])
            which = [n for n, back in enumerate(returns) if add_months(back, point) == due]
            answer = answers[which[0]].get(point) if which else None
            if answer is None:
                continue
            # The participant answers an open follow-up in the app, on the day; a caseworker
            # records the others from a call in the week it fell due.
            still_open = self.plan.today < date.fromisoformat(item["window_closes_at"][:10])
            own = applicant.key == self.plan.candidate_key and still_open and \
                answer["employment_status"] != "unreachable"
            if own:
                self.apis["candidate"].post(f"/v1/follow-ups/{item['id']}/answer", answer)
            else:
                answered_on = min(due + timedelta(days=ANSWER_DAYS_AFTER_DUE), today)
                self.officer.post(f"/v1/follow-ups/{item['id']}/answer",
                                  {**answer, "answered_on": answered_on.isoformat()})
            with self._lock:
                self.ids.answers += 1
        for n, template in enumerate(applicant.stay.support):
            self._support(case, returns[-1], template, n)

    def _support(self, case: dict[str, Any], returned: date, template: dict[str, Any],
                 n: int) -> None:
        """One support measure, dated from the last return: on the returnee's case after it,
        for the person in the programme before it (before departure, during the stay)."""
        start = add_months(returned, template["months_after_return"])
        stage = template.get("stage", "after_return")
        person = {"case_id": case["id"]} if stage == "after_return" else {
            "candidate_id": case["candidate_id"], "programme_id": case["programme_id"],
            "stage": stage}
        body = {**person, "kind": template["kind"], "provider": template["provider"],
                "start_date": start.isoformat(),
                **{k: template[k] for k in ("description",) if k in template}}
        if "amount" in template:
            body |= {"amount": template["amount"], "currency": template["currency"],
                     "disbursed_date": start.isoformat()}
        measure = self.officer.post("/v1/support-measures", body,
                                    key=self.key(case["id"], "measure", n))
        if "outcome" in template:
            end = add_months(start, template.get("months", 1))
            self.officer.post(f"/v1/support-measures/{measure['id']}/complete", {
                "outcome": template["outcome"], "end_date": end.isoformat()})
        elif template.get("started"):
            self.officer.post(f"/v1/support-measures/{measure['id']}/start")
        with self._lock:
            self.ids.measures += 1

    def finish(self) -> None:
        """Wait until the candidates service has heard of every return, then mark the
        programme complete (its final description)."""
        self.stage("events")
        self.returned(len(self.plan.movers))
        self.officer.change("PATCH", f"/v1/programmes/{self.ids.programme}",
                            {"description": self.plan.programme["description"]})
        self.step()

    def play(self) -> Ids:
        """Every stage in order, the matching rounds one after the other (a season's stays
        end before the next season is matched); the ids handed out."""
        self.open_programme()
        self.staff()
        if not self.plan.historical:  # its intake closed long ago: nobody applies now
            self.sign_ups()
        self.register()
        self.select()
        self.train()
        self.hosts()
        rounds = max(v.round for v in self.plan.vacancies) + 1
        placed: set[str] = set()
        for round_ in range(rounds):
            if round_:  # the earlier rounds' people are back first
                self.returned(len(placed))
                self.publish(round_)
            placements = self.match(round_)
            placed |= {p["candidate_id"] for p in placements}
            self.stays(placements)
        self.rates()
        self.follow_up()
        self.finish()
        return self.ids

    def close(self) -> None:
        """Release every client's connections."""
        for api in self.apis.values():
            api.close()
