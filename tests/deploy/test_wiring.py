"""The deployments wire the services as ``launcher.topology`` says, the way ``make dev`` does.

Who hears which events (``EVENT_ROUTES``), who calls whom (``CALLS``), where the gateway finds
each service and where the services find the gateway's keys are written out by hand in
``docker-compose.yml`` and ``deploy/k8s/*.yaml``, so that operators can read them. The expected
environment of each service is derived from the topology by ``launcher.runner.system_env``, the
runner's own function, with each service reached by its name on its own port (as both
deployments do); every disagreement names the file, the service and the variable.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from launcher.runner import system_env
from launcher.topology import SERVICES
from tests.deploy.files import Document, compose, env, resources

NAMES = [s.name for s in SERVICES]
# In both deployments a service is reached by its name (compose service, Kubernetes Service)
# on its own port.
DEPLOYED_URLS = {spec.name: f"http://{spec.name}:{spec.port}" for spec in SERVICES}
# Chosen per deployment rather than by the topology: the public URL tokens are issued under, and
# the secret events are signed with. Each must only be one value for all (see _one_issuer and
# _one_events_secret), as the runner makes them.
PER_DEPLOYMENT = ("AUTH_ISSUER", "EVENTS_SIGNING_SECRETS")

# A variable's value: the text itself, or (Kubernetes) {"valueFrom": …}.
Value = str | dict[str, Any]


@dataclass(frozen=True)
class Place:
    """Where a service's environment is written (for messages) and what it holds."""

    where: str
    env: dict[str, Value]


def compose_places(document: Document) -> dict[str, Place]:
    """Each service's environment in the compose file ``document``."""
    places = {}
    for name in NAMES:
        environment = document["services"][name].get("environment", {})
        if isinstance(environment, list):  # the KEY=value form
            environment = dict(item.split("=", 1) for item in environment)
        places[name] = Place(f"docker-compose.yml services.{name}.environment",
                             {k: "" if v is None else str(v) for k, v in environment.items()})
    return places


def kubernetes_places(documents: list[tuple[str, Document]]) -> dict[str, Place]:
    """Each service's environment in its Deployment among ``documents`` (file, document)."""
    places = {}
    for file, document in documents:
        name = document["metadata"]["name"]
        if document["kind"] == "Deployment" and name in NAMES:
            (container,) = document["spec"]["template"]["spec"]["containers"]
            places[name] = Place(
                f"deploy/k8s/{file} Deployment {name}",
                {k: e["value"] if "value" in e else {"valueFrom": e.get("valueFrom")}
                 for k, e in env(container).items()})
    return places


def expected() -> dict[str, dict[str, str]]:
    """Per service, the variables the topology decides and their values, as the runner sets
    them for processes at :data:`DEPLOYED_URLS`."""
    return {spec.name: {k: v for k, v in variables.items() if not k.endswith(PER_DEPLOYMENT)}
            for spec, variables in system_env(DEPLOYED_URLS).items()}


def _keyed(variable: str, value: Any) -> dict[str, Any]:
    """A JSON setting as a mapping to compare entry by entry: subscribers by name (their event
    types in any order), upstreams as they are."""
    if variable.endswith("EVENT_SUBSCRIBERS"):
        return {s["name"]: {"url": s["url"], "events": sorted(s["events"])} for s in value}
    return dict(value)


def _compare(variable: str, wanted: str, got: Value | None) -> list[str]:
    """What is wrong with ``got`` where the topology wants ``wanted``."""
    is_json = wanted.startswith(("[", "{"))
    if got is None:
        # An empty list or mapping is the setting's default: leaving it out says the same.
        return [] if is_json and not json.loads(wanted) else [f"missing; the topology says "
                                                              f"{wanted}"]
    if not isinstance(got, str):
        return [f"taken from {got['valueFrom']}; write it out so that it can be checked "
                f"against the topology ({wanted})"]
    if not is_json:
        return [] if got.rstrip("/") == wanted.rstrip("/") else [
            f"{got}; the topology says {wanted}"]
    try:
        have = _keyed(variable, json.loads(got))
    except (ValueError, KeyError, TypeError) as error:
        return [f"not a valid setting ({error!r}): {got}"]
    want = _keyed(variable, json.loads(wanted))
    problems = []
    for key in sorted(want.keys() | have.keys()):
        if key not in have:
            problems.append(f"{key}: missing; the topology says {want[key]}")
        elif key not in want:
            problems.append(f"{key}: {have[key]}, which the topology does not have")
        elif have[key] != want[key]:
            problems.append(f"{key}: {have[key]}; the topology says {want[key]}")
    return problems


def _undeclared_calls(name: str, place: Place, wanted: dict[str, str]) -> list[str]:
    """Addresses of other services given to ``name`` that the topology's CALLS do not name."""
    prefix = f"{name.upper()}_"
    return [f"{place.where}: {prefix}{other.upper()}_URL: the topology has no call from "
            f"{name} to {other} (launcher.topology.CALLS)"
            for other in NAMES if other != name
            if f"{prefix}{other.upper()}_URL" in place.env
            and f"{prefix}{other.upper()}_URL" not in wanted]


def _one_issuer(places: dict[str, Place]) -> list[str]:
    """The services trust the issuer the gateway signs as (the runner gives them its URL)."""
    gateway = places.get("gateway")
    if gateway is None:  # reported as missing already
        return []
    issuer = gateway.env.get("GATEWAY_ISSUER", gateway.env.get("AUTH_ISSUER"))
    return [f"{place.where}: AUTH_ISSUER: {place.env.get('AUTH_ISSUER')}; the gateway signs "
            f"as {issuer} ({gateway.where})"
            for name, place in places.items()
            if name != "gateway" and place.env.get("AUTH_ISSUER") != issuer]


def _one_events_secret(places: dict[str, Place]) -> list[str]:
    """The services and the gateway sign and verify each other's events with the same secrets
    (the runner gives them one)."""
    secrets = {name: place.env.get(f"{name.upper()}_EVENTS_SIGNING_SECRETS")
               for name, place in places.items()}
    if not secrets:
        return []
    first, reference = next(iter(secrets.items()))
    return [f"{places[name].where}: {name.upper()}_EVENTS_SIGNING_SECRETS: {value}; "
            f"{first} signs with {reference}"
            for name, value in secrets.items() if value != reference]


def disagreements(deployment: str, places: dict[str, Place]) -> list[str]:
    """Everything in ``places`` (a deployment's environment per service) that disagrees with
    the topology, each naming where it is written."""
    problems = []
    for name, wanted in expected().items():
        place = places.get(name)
        if place is None:
            problems.append(f"{deployment}: no {name} service")
            continue
        for variable, value in wanted.items():
            problems += [f"{place.where}: {variable}: {problem}"
                         for problem in _compare(variable, value, place.env.get(variable))]
        problems += _undeclared_calls(name, place, wanted)
    return problems + _one_issuer(places) + _one_events_secret(places)


DEPLOYMENTS: dict[str, Callable[[], dict[str, Place]]] = {
    "docker-compose.yml": lambda: compose_places(compose()),
    "deploy/k8s": lambda: kubernetes_places(resources()),
}


@pytest.mark.parametrize("deployment", DEPLOYMENTS)
def test_wired_as_the_topology_says(deployment: str) -> None:
    assert disagreements(deployment, DEPLOYMENTS[deployment]()) == []


# --- the check fails on a file that disagrees -------------------------------------------------
# Each case alters a copy of one deployment's documents as an operator's slip would, and names
# the one disagreement the check must report (the start of its message).


def _compose_with(service: str, variable: str, value: str | None) -> dict[str, Place]:
    document = compose()
    environment = document["services"][service]["environment"]
    if value is None:
        del environment[variable]
    else:
        environment[variable] = value
    return compose_places(document)


def _kubernetes_with(service: str, variable: str, entry: dict[str, Any] | None,
                     ) -> dict[str, Place]:
    documents = resources()
    for _, document in documents:
        if document["kind"] == "Deployment" and document["metadata"]["name"] == service:
            (container,) = document["spec"]["template"]["spec"]["containers"]
            kept = [e for e in container["env"] if e["name"] != variable]
            container["env"] = kept + ([{"name": variable, **entry}] if entry else [])
    return kubernetes_places(documents)


def _subscribers(service: str, changed: Callable[[list[dict[str, Any]]], None]) -> str:
    """``service``'s subscribers as the topology has them, changed by ``changed``."""
    subscribers = json.loads(expected()[service][f"{service.upper()}_EVENT_SUBSCRIBERS"])
    changed(subscribers)
    return json.dumps(subscribers)


def _drop_event(subscribers: list[dict[str, Any]]) -> None:
    subscribers[-1]["events"].pop()


def _wrong_port(subscribers: list[dict[str, Any]]) -> None:
    subscribers[0]["url"] = subscribers[0]["url"].replace(":81", ":91")


def _upstreams_without(service: str) -> str:
    upstreams = json.loads(expected()["gateway"]["GATEWAY_UPSTREAMS"])
    del upstreams[service]
    return json.dumps(upstreams)


ALTERED = [
    pytest.param(lambda: _compose_with("placements", "PLACEMENTS_EVENT_SUBSCRIBERS",
                                       _subscribers("placements", _drop_event)),
                 "docker-compose.yml services.placements.environment: "
                 "PLACEMENTS_EVENT_SUBSCRIBERS: reintegration:", id="compose-event-type-left-out"),
    pytest.param(lambda: _compose_with(
                     "reintegration", "REINTEGRATION_EVENT_SUBSCRIBERS",
                     '[{"name": "candidates", "url": "http://candidates:8101/internal/events", '
                     '"events": ["case.closed"]}]'),
                 "docker-compose.yml services.reintegration.environment: "
                 "REINTEGRATION_EVENT_SUBSCRIBERS: candidates:", id="compose-extra-subscriber"),
    pytest.param(lambda: _compose_with("reintegration", "REINTEGRATION_PLACEMENTS_URL",
                                       "http://placements:8102"),
                 "docker-compose.yml services.reintegration.environment: "
                 "REINTEGRATION_PLACEMENTS_URL: the topology has no call",
                 id="compose-undeclared-call"),
    pytest.param(lambda: _compose_with("reintegration", "REINTEGRATION_CANDIDATES_URL", None),
                 "docker-compose.yml services.reintegration.environment: "
                 "REINTEGRATION_CANDIDATES_URL: missing", id="compose-call-address-left-out"),
    pytest.param(lambda: _compose_with("candidates", "AUTH_JWKS_URL",
                                       "http://gateway:9000/.well-known/jwks.json"),
                 "docker-compose.yml services.candidates.environment: AUTH_JWKS_URL:",
                 id="compose-keys-elsewhere"),
    pytest.param(lambda: _compose_with("placements", "AUTH_REVOCATIONS_URL", None),
                 "docker-compose.yml services.placements.environment: AUTH_REVOCATIONS_URL: "
                 "missing", id="compose-no-revocation-feed"),
    pytest.param(lambda: _kubernetes_with("candidates", "CANDIDATES_EVENT_SUBSCRIBERS",
                                          {"value": _subscribers("candidates", _wrong_port)}),
                 "deploy/k8s/candidates.yaml Deployment candidates: "
                 "CANDIDATES_EVENT_SUBSCRIBERS: placements:", id="k8s-subscriber-wrong-port"),
    pytest.param(lambda: _kubernetes_with("placements", "PLACEMENTS_CANDIDATES_URL", None),
                 "deploy/k8s/placements.yaml Deployment placements: PLACEMENTS_CANDIDATES_URL: "
                 "missing", id="k8s-call-address-left-out"),
    pytest.param(lambda: _kubernetes_with("gateway", "GATEWAY_UPSTREAMS",
                                          {"value": _upstreams_without("reintegration")}),
                 "deploy/k8s/gateway.yaml Deployment gateway: GATEWAY_UPSTREAMS: "
                 "reintegration: missing", id="k8s-upstream-left-out"),
    pytest.param(lambda: _kubernetes_with(
                     "placements", "PLACEMENTS_EVENT_SUBSCRIBERS",
                     {"valueFrom": {"configMapKeyRef": {"name": "pathways", "key": "events"}}}),
                 "deploy/k8s/placements.yaml Deployment placements: "
                 "PLACEMENTS_EVENT_SUBSCRIBERS: taken from", id="k8s-subscribers-hidden"),
    pytest.param(lambda: _kubernetes_with("reintegration", "AUTH_ISSUER",
                                          {"value": "https://elsewhere.example.org"}),
                 "deploy/k8s/reintegration.yaml Deployment reintegration: AUTH_ISSUER:",
                 id="k8s-another-issuer"),
    pytest.param(lambda: _kubernetes_with(
                     "placements", "PLACEMENTS_EVENTS_SIGNING_SECRETS",
                     {"valueFrom": {"secretKeyRef": {"name": "pathways-events",
                                                     "key": "placements"}}}),
                 "deploy/k8s/placements.yaml Deployment placements: "
                 "PLACEMENTS_EVENTS_SIGNING_SECRETS:", id="k8s-another-events-secret"),
]


@pytest.mark.parametrize(("altered", "reported"), ALTERED)
def test_a_disagreement_is_reported_where_it_is(altered: Callable[[], dict[str, Place]],
                                                reported: str) -> None:
    problems = disagreements("the altered copy", altered())
    assert len(problems) == 1 and problems[0].startswith(reported), problems
