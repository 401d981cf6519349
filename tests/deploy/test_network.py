"""The network policies allow exactly the flows deploy/k8s/networkpolicy.yaml documents, in the
base and in the production overlay as kustomize renders them.

The policies are read back as data: for each workload (a Deployment's pods), every flow in and
out that some policy selecting it allows, as (workload, peer, port). Between the services the
expected flows are derived from the wiring the runner gives them (``launcher.runner.system_env``:
a service talks to another exactly when its environment holds the other's address, as in both
deployments); the flows out of the cluster are those the file documents, with each
kustomization's own addresses. Anything more (a rule with no peers or no ports, a wider range, a
stray port) or less is a difference the test names.
"""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from launcher.runner import system_env
from launcher.topology import SERVICES
from tests.deploy.files import KUSTOMIZATIONS, Document, of_kind, rendered

NAMES = [s.name for s in SERVICES]
PORTS = {s.name: s.port for s in SERVICES}
DEPLOYED_URLS = {s.name: f"http://{s.name}:{s.port}" for s in SERVICES}
SERVICES_ONLY = [n for n in NAMES if n != "gateway"]

# A flow: (workload, peer, "PROTOCOL/port") with the peer as :func:`_peers` writes it.
Flow = tuple[str, str, str]

DNS = "namespace{kubernetes.io/metadata.name=kube-system} pod{k8s-app=kube-dns}"
# Where each kustomization says the world outside the namespace is.
PLACES: dict[str, dict[str, str]] = {
    "base": {
        "ingress-controller": "namespace{kubernetes.io/metadata.name=ingress-nginx} "
                              "pod{app.kubernetes.io/name=ingress-nginx}",
        "postgres": "cidr 10.0.10.0/24",
        "redis": "cidr 10.0.11.0/24",
        "identity-provider": "cidr 10.0.12.0/24",
        "identity-provider-port": "TCP/443",
        "collector": "namespace{kubernetes.io/metadata.name=observability} "
                     "pod{app.kubernetes.io/name=opentelemetry-collector}",
    },
    "production": {
        "ingress-controller": "namespace{kubernetes.io/metadata.name=ingress-nginx} "
                              "pod{app.kubernetes.io/component=controller}",
        "postgres": "cidr 10.30.4.0/24",
        "redis": "cidr 10.30.5.0/24",
        "identity-provider": "cidr 10.30.8.16/28",
        "identity-provider-port": "TCP/8443",
        "collector": "namespace{kubernetes.io/metadata.name=monitoring} "
                     "pod{app.kubernetes.io/name=otel-collector}",
    },
}
# Prometheus, scraping every pod's /metrics on the pod's named port.
MONITORING = ("namespace{kubernetes.io/metadata.name=monitoring} "
              "pod{app.kubernetes.io/name=prometheus}")
# Partner webhooks: any public address over HTTPS; never a private, shared, loopback or
# link-local (cloud metadata) one.
WEBHOOKS = ("cidr 0.0.0.0/0 except 10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,"
            "172.16.0.0/12,192.168.0.0/16")


def talks_to() -> set[tuple[str, str]]:
    """(caller, callee) for every service whose environment holds another's address: the
    gateway's upstreams, the services' token keys and revocations at the gateway, the calls of
    ``CALLS`` and the events of ``EVENT_ROUTES``."""
    return {(spec.name, other)
            for spec, variables in system_env(DEPLOYED_URLS).items()
            for other, url in DEPLOYED_URLS.items()
            if other != spec.name and any(url in value for value in variables.values())}


def expected(kustomization: str) -> tuple[set[Flow], set[Flow]]:
    """The documented flows: (into each workload, out of each workload)."""
    places = PLACES[kustomization]
    inbound = {(callee, f"pod {caller}", f"TCP/{PORTS[callee]}") for caller, callee in talks_to()}
    inbound.add(("gateway", places["ingress-controller"], "TCP/8000"))
    inbound |= {(name, MONITORING, "TCP/http") for name in NAMES}
    outbound = {(caller, f"pod {callee}", f"TCP/{PORTS[callee]}")
                for caller, callee in talks_to()}
    for name in NAMES:
        outbound |= {(name, DNS, "UDP/53"), (name, DNS, "TCP/53"),
                     (name, places["postgres"], "TCP/5432"),
                     (name, places["collector"], "TCP/4317"),
                     (name, places["collector"], "TCP/4318"),
                     (name, places["identity-provider"], places["identity-provider-port"])}
    outbound.add(("gateway", places["redis"], "TCP/6379"))
    for name in SERVICES_ONLY:
        outbound.add((name, WEBHOOKS, "TCP/443"))
    return inbound, outbound


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes label selector's verdict on ``labels``."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        present, value = key in labels, labels.get(key)
        verdict = {"In": value in expression.get("values", []),
                   "NotIn": value not in expression.get("values", []),
                   "Exists": present, "DoesNotExist": not present}[operator]
        if not verdict:
            return False
    return True


def _selector_text(kind: str, selector: dict[str, Any]) -> str:
    labels = ",".join(f"{k}={v}" for k, v in sorted(selector.get("matchLabels", {}).items()))
    expressions = ",".join(f"{e['key']} {e['operator']} {sorted(e.get('values', []))}"
                           for e in selector.get("matchExpressions", []))
    return f"{kind}{{{';'.join(filter(None, (labels, expressions))) or '*'}}}"


def _peers(peers: list[dict[str, Any]] | None, pods: dict[str, dict[str, str]]) -> list[str]:
    """Each peer of a rule as text: ``pod NAME`` for each of our workloads a same-namespace
    pod selector picks, ``namespace{…} pod{…}`` for other namespaces' pods, ``cidr …`` for an
    address range, ``anyone`` for a rule without peers."""
    if not peers:
        return ["anyone"]
    found = []
    for peer in peers:
        if "ipBlock" in peer:
            block = peer["ipBlock"]
            excepted = ",".join(sorted(block.get("except", [])))
            found.append(f"cidr {block['cidr']}" + (f" except {excepted}" if excepted else ""))
        elif "namespaceSelector" in peer:
            found.append(f"{_selector_text('namespace', peer['namespaceSelector'])} "
                         f"{_selector_text('pod', peer.get('podSelector', {}))}")
        else:
            picked = [n for n, labels in pods.items() if _selects(peer["podSelector"], labels)]
            found += [f"pod {n}" for n in picked] or [_selector_text("pod", peer["podSelector"])]
    return found


def _ports(ports: list[dict[str, Any]] | None) -> list[str]:
    if not ports:
        return ["any port"]
    return [f"{p.get('protocol', 'TCP')}/{p.get('port', 'any')}"
            + (f"-{p['endPort']}" if "endPort" in p else "") for p in ports]


def flows(documents: tuple[Document, ...] | list[Document]) -> tuple[set[Flow], set[Flow]]:
    """What the NetworkPolicies among ``documents`` allow, into and out of each Deployment's
    pods."""
    pods = {name: d["spec"]["template"]["metadata"]["labels"]
            for name, d in of_kind(documents, "Deployment").items()}
    inbound: set[Flow] = set()
    outbound: set[Flow] = set()
    for policy in of_kind(documents, "NetworkPolicy").values():
        spec = policy["spec"]
        for name, labels in pods.items():
            if not _selects(spec["podSelector"], labels):
                continue
            if "Ingress" in spec["policyTypes"]:
                inbound |= {(name, peer, port) for rule in spec.get("ingress", [])
                            for peer in _peers(rule.get("from"), pods)
                            for port in _ports(rule.get("ports"))}
            if "Egress" in spec["policyTypes"]:
                outbound |= {(name, peer, port) for rule in spec.get("egress", [])
                             for peer in _peers(rule.get("to"), pods)
                             for port in _ports(rule.get("ports"))}
    return inbound, outbound


def _differences(got: set[Flow], wanted: set[Flow]) -> list[str]:
    return ([f"allowed but not documented: {f}" for f in sorted(got - wanted)]
            + [f"documented but not allowed: {f}" for f in sorted(wanted - got)])


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_everything_else_is_denied(kustomization: str) -> None:
    deny = of_kind(rendered(kustomization), "NetworkPolicy")["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_exactly_the_documented_flows(kustomization: str) -> None:
    inbound, outbound = flows(rendered(kustomization))
    wanted_in, wanted_out = expected(kustomization)
    assert _differences(inbound, wanted_in) == []
    assert _differences(outbound, wanted_out) == []


def test_the_topology_is_what_the_policies_are_checked_against() -> None:
    # The derivation reads the wiring: the flows the services need are all there.
    assert talks_to() == {
        ("gateway", "candidates"), ("gateway", "placements"), ("gateway", "reintegration"),
        ("candidates", "gateway"), ("placements", "gateway"), ("reintegration", "gateway"),
        ("placements", "candidates"), ("reintegration", "candidates"),  # CALLS
        ("candidates", "placements"), ("candidates", "reintegration"),  # candidate.erased
        ("placements", "reintegration"),  # placement.completed, placement.ended_early
    }


# --- the check fails on policies that differ ----------------------------------------------------


def _policy(documents: list[Document], name: str) -> dict[str, Any]:
    spec: dict[str, Any] = of_kind(documents, "NetworkPolicy")[name]["spec"]
    return spec


def _open_gateway(documents: list[Document]) -> None:
    del _policy(documents, "gateway-ingress")["ingress"][0]["from"]


def _drop_redis(documents: list[Document]) -> None:
    documents.remove(of_kind(documents, "NetworkPolicy")["redis-egress"])


def _any_port_to_postgres(documents: list[Document]) -> None:
    del _policy(documents, "postgres-egress")["egress"][0]["ports"]


def _webhooks_to_private(documents: list[Document]) -> None:
    _policy(documents, "webhooks-egress")["egress"][0]["to"][0]["ipBlock"]["except"].pop()


def _reintegration_reaches_placements(documents: list[Document]) -> None:
    _policy(documents, "reintegration-egress")["egress"].append(
        {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "placements"}}}],
         "ports": [{"port": 8102, "protocol": "TCP"}]})


ALTERED: list[tuple[Callable[[list[Document]], None], str]] = [
    (_open_gateway, "allowed but not documented: ('gateway', 'anyone', 'TCP/8000')"),
    (_drop_redis, "documented but not allowed: ('gateway', 'cidr 10.0.11.0/24', 'TCP/6379')"),
    (_any_port_to_postgres, "allowed but not documented: ('candidates', 'cidr 10.0.10.0/24', "
                            "'any port')"),
    (_webhooks_to_private, "allowed but not documented: ('candidates', 'cidr 0.0.0.0/0 except "
                           "10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,172.16.0.0/12"),
    (_reintegration_reaches_placements, "allowed but not documented: ('reintegration', "
                                        "'pod placements', 'TCP/8102')"),
]


@pytest.mark.parametrize(("alter", "reported"), ALTERED, ids=[a.__name__ for a, _ in ALTERED])
def test_a_difference_is_named(alter: Callable[[list[Document]], None], reported: str) -> None:
    documents = copy.deepcopy(list(rendered("base")))
    alter(documents)
    inbound, outbound = flows(documents)
    wanted_in, wanted_out = expected("base")
    problems = _differences(inbound, wanted_in) + _differences(outbound, wanted_out)
    assert any(p.startswith(reported) for p in problems), problems
