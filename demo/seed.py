"""Seed a scenario through the gateway with a progress bar, then say what is there and how to
log in. What ``pathways demo NAME`` and ``make dev DEMO=NAME`` run.

Re-running against the same database does not duplicate anything: a scenario whose programme
code is already there, complete, is left alone and its logins are printed again. One that an
earlier run left half-way is reported, with how to start over.
"""

import sys
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

import httpx
from tqdm import tqdm

from demo.plan import Plan, figures
from demo.play import AlreadySeeded, Player, ScenarioError, units
from demo.scenarios import build
from launcher.api_client import Api, ApiError

# The admin the demo creates for itself when given none (development databases only).
DEMO_ADMIN = ("admin@demo.example.org", "demo-admin-passphrase")


@dataclass(frozen=True, slots=True)
class Result:
    """What a seeding did, and what the ministry reads back afterwards."""

    plan: Plan
    programme_id: str
    already_there: bool
    seconds: float
    overview: dict[str, Any]  # GET /v1/programmes/{id}/overview as the ministry
    answers: int = 0
    measures: int = 0
    # The selection run's summary as the officer's system answered it (by_gender, targets).
    selection: dict[str, Any] = field(default_factory=dict)


def seed(name: str, *, gateway_url: str, admin_email: str, admin_password: str,
         seed_value: int | None = None, today: date | None = None,
         progress: bool = True) -> Result:
    """Play scenario ``name`` through the gateway at ``gateway_url`` as the given admin."""
    plan = build(name, seed=seed_value, today=today)
    started = time.monotonic()
    admin = Api.login(gateway_url, admin_email, admin_password)
    bar = tqdm(total=units(plan), unit="step", disable=not progress, file=sys.stderr,
               dynamic_ncols=True)
    player = Player(plan, admin, bar)
    try:
        ids = player.play()
        programme_id, already = ids.programme, False
    except AlreadySeeded as done:
        programme_id, already = done.programme_id, True
    finally:
        bar.close()
        player.close()
    ministry = Api.login(gateway_url, plan.ministry.email, plan.ministry.password)
    try:
        overview = ministry.get(f"/v1/programmes/{programme_id}/overview")
    finally:
        ministry.close()
        admin.close()
    return Result(plan=plan, programme_id=programme_id, already_there=already,
                  seconds=time.monotonic() - started, overview=overview,
                  answers=0 if already else player.ids.answers,
                  measures=0 if already else player.ids.measures,
                  selection={} if already else player.ids.selection)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def print_summary(result: Result, *, gateway_url: str, out: TextIO = sys.stdout) -> None:
    """What was seeded (or found), what the ministry reads, and the logins."""
    plan, overview = result.plan, result.overview
    expected = figures(plan)

    def say(line: str = "") -> None:
        print(line, file=out)

    say()
    if result.already_there:
        say(f"{plan.programme['name']} was already seeded (programme {plan.code}, id "
            f"{result.programme_id}): nothing created.")
    else:
        say(f"Seeded {plan.programme['name']} (programme {plan.code}, id {result.programme_id}) "
            f"in {result.seconds:.0f} s, seed {plan.seed}, "
            + ("in its real period." if plan.historical else f"anchored on {plan.today}."))
    say(f"  applicants {expected['applicants']}: {_counts(overview['applications_by_status'])}")
    stays = (f" ({expected['stays']} stays)" if expected["stays"] != expected["returnees"]
             else "")
    say(f"  selected {expected['selected']} ({_counts(expected['selected_by_gender'])}); "
        f"trained {expected['trained']}; moved and returned {expected['returnees']}{stays}"
        + (f"; stays extended by the host firm {expected['extended']}"
           if expected["extended"] else ""))
    say(f"  sectors of those who moved: {_counts(expected['returnees_by_sector'])}")
    planned = [f"{name} {'under 5' if figure['actual'] is None else figure['actual']} of "
               f"{figure['planned']} planned"
               for name, figure in (overview.get("planned_vs_actual") or {}).items()
               if figure["planned"] is not None]
    if planned:
        say(f"  planned beside actual: {', '.join(planned)}")
    for suspended in overview.get("suspended_origins") or []:
        say(f"  origin suspended since {suspended['suspended_on']}: {suspended['country']}, "
            f"{suspended['reason']}")
    if not result.already_there:
        say(f"  follow-up answers recorded {result.answers}, support measures {result.measures}")
    reintegration = overview.get("reintegration") or {}
    say("  as the ministry reads it (counts under 5 people left out, "
        f"{reintegration.get('suppressed_cells', 0)} cells):")

    def count(point: dict[str, Any], name: str) -> str:
        return "under 5" if point[name] is None else str(point[name])

    for point in (reintegration.get("total") or {}).get("by_point", []):
        share = point["employed_or_self_employed_share"]
        say(f"    {point['point_months']:>2} months after return: "
            f"{count(point, 'employed_or_self_employed')} of {point['responded']} reached are "
            f"working{f' ({share:.0%})' if share is not None else ''}, "
            f"{count(point, 'host_company')} with their host company, "
            f"{count(point, 'abroad')} abroad"
            + (f"; {count(point, 'missed')} missed (nobody reached in time)"
               if point.get("missed", 0) != 0 else ""))
    for line in plan.notes:
        say(f"  {line}")
    say()
    say(f"Open {gateway_url}/docs: get a token from POST /v1/auth/token (grant_type password, "
        "these e-mails and passwords), then Authorize with it. Accounts:")
    for login in plan.logins():
        say(f"  {login.role:<9} {login.email:<42} {login.password:<24} {login.what}")
    say(f"  programme id: {result.programme_id}")


def run(name: str, *, gateway_url: str, admin: tuple[str, str], seed_value: int | None = None,
        progress: bool = True, out: TextIO = sys.stdout) -> int:
    """Seed ``name`` and print the summary; an exit code, with a sentence on failure."""
    try:
        result = seed(name, gateway_url=gateway_url, admin_email=admin[0],
                      admin_password=admin[1], seed_value=seed_value, progress=progress)
    except httpx.TransportError as exc:
        print(f"\nNothing answers at {gateway_url} ({exc}): start the system first "
              "(`make dev`), or pass --gateway-url.", file=out)
        return 1
    except (ApiError, ScenarioError, TimeoutError) as exc:
        print(f"\nThe {name} scenario stopped: {exc}", file=out)
        return 1
    print_summary(result, gateway_url=gateway_url, out=out)
    print(f"  {'admin':<9} {admin[0]:<42} {admin[1]:<24} everything", file=out)
    return 0
