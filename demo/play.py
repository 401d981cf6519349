"""Play a :class:`~demo.plan.Plan` through the public API, stage by stage.

Each party does its own part with its own token where the API lets it: the admin opens the
programme and creates accounts; the programme's registry (the admin, since an officer sees only
people who already applied) imports the applicants' forms in bulk and files their consents and
applications; the officer screens, selects, trains, publishes vacancies, runs matching and
drives placements and returnee cases; the French (Belgian, Italian) visa authority decides the
visas; the showcased host company and participant accept their own placement and the
participant answers their own follow-ups.
Other acceptances and answers are recorded by the officer, as a caseworker does from a signed
form or a phone call.

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
from typing import Any, TypeVar

from tqdm import tqdm

from demo.dates import add_months, intake_window
from demo.plan import Applicant, Plan, Vacancy
from shared.api_client import Api, ApiError, wait_for

T = TypeVar("T")
WORKERS = 8  # concurrent calls: enough to keep four processes busy on two cores
EVENT_TIMEOUT_SECONDS = 120.0
IN_PROGRESS = " [demo data: seeding in progress]"


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


def units(plan: Plan) -> int:
    """How many steps the progress bar counts for ``plan``."""
    return (5 + len(plan.applicants) + sum(1 for a in plan.applicants if a.nominated_by)
            + sum(1 for a in plan.applicants if a.trained) + len(plan.employers)
            + 2 * len(plan.movers))


class Player:
    """Plays one plan; see the module docstring."""

    def __init__(self, plan: Plan, admin: Api, bar: tqdm) -> None:
        self.plan, self.admin, self.bar = plan, admin, bar
        self.gateway = admin.gateway_url
        self.ids = Ids()
        self.apis: dict[str, Api] = {}
        self._lock = threading.Lock()

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

    def visa_authority(self, country: str) -> Api:
        """The visa desk of ``country`` for this programme (made once, on first need)."""
        with self._lock:
            if (found := self.apis.get(f"visa-{country}")) is None:
                login = self.plan.ministry
                email = f"visa-{country.lower()}@{login.email.partition('@')[2]}"
                found = self.apis[f"visa-{country}"] = self.account(
                    "visa_authority", email, login.password, country=country,
                    programme_ids=[self.ids.programme])
            return found

    @property
    def officer(self) -> Api:
        """The programme officer's client."""
        return self.apis["officer"]

    # --- stages ----------------------------------------------------------------------------

    def open_programme(self) -> None:
        """Create the programme with its intake open until tomorrow (applications can only be
        submitted while it is open); :meth:`close_intake` sets the real window afterwards.
        AlreadySeeded when a complete earlier run left it; ScenarioError when one stopped
        half-way."""
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
        opens = date.fromisoformat(plan.programme["intake_opens_at"][:10])
        body = {**plan.programme, **intake_window(opens, plan.today + timedelta(days=1)),
                "description": plan.programme["description"] + IN_PROGRESS}
        made = self.admin.post("/v1/programmes", body, key=self.key("programme"))
        self.ids.programme = made["id"]
        self.step()

    def staff(self) -> None:
        """The officer and the ministry of the programme, and its follow-up schedule."""
        self.stage("accounts")
        links = {"programme_ids": [self.ids.programme]}
        for login in (self.plan.officer, self.plan.ministry):
            self.apis[login.role] = self.account(login.role, login.email, login.password,
                                                 **links)
        self.officer.call("PUT", f"/v1/follow-up-schedules/{self.ids.programme}",
                          json=self.plan.schedule)
        for key, body in self.plan.institutions.items():
            self.ids.institutions[key] = self.admin.post("/v1/institutions", body,
                                                         key=self.key("institution", key))["id"]
        self.step()

    def register(self) -> None:
        """Every applicant: the profiles in one bulk import (as a programme's registry loads
        its application forms), then each one's consent, application and submission."""
        self.stage("applications")
        pid = self.ids.programme
        self.ids.candidates = self._import_profiles()

        def apply(applicant: Applicant) -> None:
            k, candidate = applicant.key, self.ids.candidates[applicant.key]
            self.admin.post(f"/v1/candidates/{candidate}/consents", {
                "purpose": "data_processing", "text_version": "2024-10", "action": "given"},
                key=self.key(k, "consent"))
            application = self.admin.post("/v1/applications", {
                "candidate_id": candidate, "programme_id": pid}, key=self.key(k, "application"))
            self.admin.post(f"/v1/applications/{application['id']}/submit")
            with self._lock:
                self.ids.applications[k] = application["id"]

        self.each(self.plan.applicants, apply)
        self.each([a for a in self.plan.applicants if a.nominated_by], self._nominate)

    def _import_profiles(self) -> dict[str, str]:
        """Import the profiles (NDJSON); their ids, by applicant key, read back by e-mail. A
        line refused only because its e-mail is registered is a profile already there."""
        lines = "\n".join(json.dumps(a.profile) for a in self.plan.applicants).encode()
        report = self.admin.call("POST", "/v1/candidate-imports", content=lines,
                                 headers={"Content-Type": "application/x-ndjson"})
        refused = [e for e in report["errors"] if not all(
            problem["loc"] == ["email"] and "already registered" in problem["msg"]
            for problem in e["errors"])]
        if refused:
            raise ScenarioError(f"the import refused {len(refused)} profiles: {refused[:3]}")
        wanted = {str(a.profile["email"]).lower(): a.key for a in self.plan.applicants}
        found = {wanted[c["email"].lower()]: c["id"] for c in self.admin.all_pages(
            "/v1/candidates") if c["email"].lower() in wanted}
        if len(found) != len(wanted):
            raise ScenarioError(f"{len(wanted) - len(found)} imported profiles are missing")
        return found

    def _nominate(self, applicant: Applicant) -> None:
        institution = self.ids.institutions[str(applicant.nominated_by)]
        self.admin.post(f"/v1/institutions/{institution}/nominations", {
            "candidate_id": self.ids.candidates[applicant.key],
            "programme_id": self.ids.programme,
            "note": "Nominated by the university's mobility office."},
            key=self.key(applicant.key, "nomination"))

    def close_intake(self) -> None:
        """The intake's real window, so screening counts ages on its real closing day."""
        opens = date.fromisoformat(self.plan.programme["intake_opens_at"][:10])
        closes = date.fromisoformat(self.plan.programme["intake_closes_at"][:10])
        self.admin.call("PATCH", f"/v1/programmes/{self.ids.programme}",
                        json=intake_window(opens, closes))

    def select(self) -> None:
        """Screening and selection by the officer, checked against the plan."""
        self.stage("selection")
        self.close_intake()
        pid = self.ids.programme
        self.officer.post(f"/v1/programmes/{pid}/screening")
        run = self.officer.post(f"/v1/programmes/{pid}/selection")
        chosen = {d["application_id"] for d in run["decisions"] if d["outcome"] == "selected"}
        planned = {self.ids.applications[a.key] for a in self.plan.applicants
                   if a.outcome == "selected"}
        if chosen != planned:
            raise ScenarioError(f"selection chose {len(chosen)} applications, "
                                f"{len(chosen & planned)} of the {len(planned)} planned")
        self.step()

    def train(self) -> None:
        """Pre-departure training: every module, completed by the trained applicants."""
        trained = [a for a in self.plan.applicants if a.trained]
        if not self.plan.modules:
            return
        self.stage("training")
        modules = [self.officer.post(f"/v1/programmes/{self.ids.programme}/training-modules",
                                     body, key=self.key("module", body["code"]))["id"]
                   for body in self.plan.modules]

        def complete(applicant: Applicant) -> None:
            for module in modules:
                enrolment = self.officer.post(
                    f"/v1/training-modules/{module}/enrolments",
                    {"candidate_id": self.ids.candidates[applicant.key]},
                    key=self.key(applicant.key, "enrolment", module))
                self.officer.post(f"/v1/enrolments/{enrolment['id']}/complete")

        self.each(trained, complete)

    def hosts(self) -> None:
        """Host companies with their agreement, their vacancies, and the showcased host's
        account."""
        self.stage("host companies")
        pid = self.ids.programme
        for key, employer in self.plan.employers.items():
            body = {**employer, "agreements": [{**a, "programme_id": pid}
                                               for a in employer["agreements"]]}
            self.ids.employers[key] = self.officer.post("/v1/employers", body,
                                                        key=self.key("employer", key))["id"]
            self.step()
        for vacancy in self.plan.vacancies:
            body = {**vacancy.body, "employer_id": self.ids.employers[vacancy.employer_key],
                    "programme_id": pid}
            made = self.officer.post("/v1/vacancies", body, key=self.key("vacancy", vacancy.key))
            self.ids.vacancies[made["id"]] = vacancy.key
        login = self.plan.employer
        self.apis["employer"] = self.account(
            "employer", login.email, login.password,
            employer_id=self.ids.employers[self.plan.employer_key])
        showcase = self.plan.candidate
        self.apis["candidate"] = self.account(
            "candidate", showcase.email, showcase.password,
            candidate_id=self.ids.candidates[self.plan.candidate_key])

    def match(self) -> list[dict[str, Any]]:
        """A matching run, checked and confirmed; the placements it made."""
        self.stage("matching")
        pid = self.ids.programme
        run = self.officer.post("/v1/matching-runs", {"programme_id": pid, **self.plan.matching},
                                key=self.key("matching-run"))
        run = wait_for(lambda: (r := self.officer.get(f"/v1/matching-runs/{run['id']}"))
                       ["status"] in ("completed", "failed") and r,
                       what="the matching run to finish", timeout=EVENT_TIMEOUT_SECONDS)
        if run["status"] != "completed":
            raise ScenarioError(f"the matching run failed: {run['failure']}")
        if run["summary"]["proposals"] != len(self.plan.movers):
            raise ScenarioError(f"matching proposed {run['summary']['proposals']} placements, "
                                f"the plan moves {len(self.plan.movers)}")
        self.officer.post(f"/v1/matching-runs/{run['id']}/confirm")
        placements = self.officer.all_pages("/v1/placements", programme_id=pid)
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
        host = self.apis["employer"] if vacancy.employer_key == self.plan.employer_key \
            else self.officer
        trainee = self.apis["candidate"] if applicant.key == self.plan.candidate_key \
            else self.officer
        host.post(f"{url}/accept-employer")
        trainee.post(f"{url}/accept-candidate")
        self.officer.post(f"{url}/request-visa")
        country = vacancy.body["location"]["country"]
        self.visa_authority(country).post(f"{url}/visa-decision", {
            "decision": "granted", "decision_date": vacancy.visa_decided.isoformat(),
            "reference": f"{country}-VISA-{placement[:8].upper()}"})
        self.officer.post(f"{url}/arrive", {"arrival_date": vacancy.arrival.isoformat()})
        if vacancy.extension:
            self.officer.post(f"{url}/extend", vacancy.extension)
        self.officer.post(f"{url}/complete", {"end_date": vacancy.end.isoformat()})

    def follow_up(self) -> None:
        """Once reintegration has opened every case: assignment to the officer, the answers
        and the support measures of each returnee."""
        self.stage("returnee cases")
        pid, expected = self.ids.programme, len(self.plan.movers)
        cases = wait_for(
            lambda: (found := self.officer.all_pages("/v1/returnee-cases", programme_id=pid))
            and len(found) >= expected and found,
            what=f"{expected} returnee cases to be opened by the placements' events",
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
        follow_ups = self.officer.get(f"/v1/returnee-cases/{case['id']}/follow-ups")["items"]
        for item in follow_ups:
            answer = applicant.stay.answers.get(item["point_months"])
            if answer is None:
                continue
            own = applicant.key == self.plan.candidate_key and \
                answer["employment_status"] != "unreachable"
            (self.apis["candidate"] if own else self.officer).post(
                f"/v1/follow-ups/{item['id']}/answer", answer)
            with self._lock:
                self.ids.answers += 1
        returned = date.fromisoformat(case["return_date"])
        for n, template in enumerate(applicant.stay.support):
            self._support(case["id"], returned, template, n)

    def _support(self, case: str, returned: date, template: dict[str, Any], n: int) -> None:
        start = add_months(returned, template["months_after_return"])
        body = {"case_id": case, "kind": template["kind"], "provider": template["provider"],
                "start_date": start.isoformat()}
        if "amount" in template:
            body |= {"amount": template["amount"], "currency": template["currency"],
                     "disbursed_date": start.isoformat()}
        measure = self.officer.post("/v1/support-measures", body,
                                    key=self.key(case, "measure", n))
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
        pid, expected = self.ids.programme, len(self.plan.movers)
        wait_for(lambda: self.officer.get(f"/v1/programmes/{pid}/statistics")["by_status"]
                 .get("returned", 0) >= expected,
                 what=f"{expected} applications to be marked returned by the placements' events",
                 timeout=EVENT_TIMEOUT_SECONDS)
        self.admin.call("PATCH", f"/v1/programmes/{pid}",
                        json={"description": self.plan.programme["description"]})
        self.step()

    def play(self) -> Ids:
        """Every stage in order; the ids handed out."""
        self.open_programme()
        self.staff()
        self.register()
        self.select()
        self.train()
        self.hosts()
        self.stays(self.match())
        self.follow_up()
        self.finish()
        return self.ids

    def close(self) -> None:
        """Release every client's connections."""
        for api in self.apis.values():
            api.close()
