"""The deployment files, checked offline: no Docker engine or cluster runs here.

Kubernetes manifests are validated against the API schemas (kubernetes-validate, strict) and
checked for what the design asks of them; the compose file and the Dockerfile for their
structure.
"""

import re
from typing import Any

import kubernetes_validate
import pytest

from launcher.topology import SERVICES
from tests.deploy.files import COMPOSE, K8S, ROOT, compose, env, kustomization, resources

K8S_VERSION = "1.30.0"
NAMES = [s.name for s in SERVICES]


def _resources() -> list[dict[str, Any]]:
    return [d for _, d in resources()]


def _of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _resources() if d["kind"] == kind}


class TestKubernetes:
    @pytest.mark.parametrize("document", _resources(),
                             ids=lambda d: f"{d['kind']}-{d['metadata']['name']}")
    def test_valid_against_the_api_schema(self, document: dict[str, Any]) -> None:
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)

    def test_every_listed_file_exists_and_secrets_are_not_applied(self) -> None:
        listed = kustomization()["resources"]
        assert all((K8S / name).is_file() for name in listed)
        assert "secrets.example.yaml" not in listed
        assert not [d for d in _resources() if d["kind"] == "Secret"]

    @pytest.mark.parametrize("name", NAMES)
    def test_service_has_deployment_service_hpa_pdb(self, name: str) -> None:
        deployment = _of_kind("Deployment")[name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert _of_kind("Service")[name]["spec"]["selector"].items() <= labels.items()
        hpa = _of_kind("HorizontalPodAutoscaler")[name]
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                 "name": name}
        assert hpa["spec"]["minReplicas"] >= 2  # a PDB of minAvailable 1 needs two
        pdb = _of_kind("PodDisruptionBudget")[name]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()

    @pytest.mark.parametrize("name", NAMES)
    def test_probes_on_health_and_not_root(self, name: str) -> None:
        pod = _of_kind("Deployment")[name]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["args"][:2] == ["serve", name]
        port = next(s.port for s in SERVICES if s.name == name)
        assert container["ports"][0]["containerPort"] == port

    @pytest.mark.parametrize("name", NAMES)
    def test_secrets_by_reference_only(self, name: str) -> None:
        (container,) = _of_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"]
        variables = env(container)
        url = variables[f"{name.upper()}_DATABASE_URL"]
        assert "value" not in url and url["valueFrom"]["secretKeyRef"]["name"]
        for variable in variables.values():
            assert not re.search(r"postgres(ql)?://|whsec_", str(variable.get("value", "")))

    def test_services_sign_events_with_a_secret_by_reference(self) -> None:
        # Who verifies tokens against which keys, and who hears which events: test_wiring.py.
        for name in ("candidates", "placements", "reintegration"):
            (container,) = _of_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"]
            secrets = env(container)[f"{name.upper()}_EVENTS_SIGNING_SECRETS"]
            assert "secretKeyRef" in secrets["valueFrom"]

    def test_prepare_job_runs_db_prepare(self) -> None:
        (job,) = _of_kind("Job").values()
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["db", "prepare"]
        assert "secretKeyRef" in env(container)["DATABASE_URL"]["valueFrom"]

    def test_network_policies_isolate_the_services(self) -> None:
        policies = _of_kind("NetworkPolicy")
        deny = policies["default-deny"]["spec"]
        assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
        # Only the gateway is open to everyone.
        assert "from" not in policies["gateway-ingress"]["spec"]["ingress"][0]
        services = policies["services-ingress"]["spec"]
        allowed = services["ingress"][0]["from"][0]["podSelector"]["matchExpressions"][0]
        assert set(allowed["values"]) == set(NAMES)
        targets = services["podSelector"]["matchExpressions"][0]["values"]
        assert "gateway" not in targets and set(targets) == set(NAMES) - {"gateway"}
        # Postgres (5432) is reached by the pathways pods only; nothing else opens 5432.
        egress = [p for p in policies.values() if "Egress" in p["spec"]["policyTypes"]]
        to_db = [p for p in egress for rule in p["spec"].get("egress", [])
                 if any(port["port"] == 5432 for port in rule.get("ports", []))]
        assert [p["metadata"]["name"] for p in to_db] == ["pathways-egress"]


class TestCompose:
    document = compose()

    def test_only_the_gateway_is_published(self) -> None:
        published = [n for n, s in self.document["services"].items() if "ports" in s]
        assert published == ["gateway"]

    def test_postgres_has_a_healthcheck_and_prepare_waits_for_it(self) -> None:
        services = self.document["services"]
        assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
        assert services["prepare"]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services["prepare"]["command"] == ["db", "prepare"]

    @pytest.mark.parametrize("name", NAMES)
    def test_each_service_waits_for_prepare_and_runs_itself(self, name: str) -> None:
        service = self.document["services"][name]
        assert service["depends_on"]["prepare"]["condition"] == \
            "service_completed_successfully"
        assert service["command"][:2] == ["serve", name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"

    def test_no_secret_written_in(self) -> None:
        text = COMPOSE.read_text()
        passwords = re.findall(r"://[^:@/\s]+:([^@\s]+)@", text)
        assert passwords  # the URLs are there, with their passwords from the environment
        for password in passwords:
            assert password.startswith("${"), password


class TestDockerfile:
    text = (ROOT / "deploy" / "Dockerfile").read_text()

    def test_multi_stage_non_root_with_healthcheck(self) -> None:
        stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", self.text, re.MULTILINE)
        assert len(stages) >= 2
        user = re.findall(r"^USER\s+(\S+)", self.text, re.MULTILINE)
        assert user and not user[-1].startswith(("root", "0"))
        assert re.search(r"^HEALTHCHECK .*\n?.*health/ready", self.text, re.MULTILINE)
        assert re.search(r'^ENTRYPOINT \["pathways"\]', self.text, re.MULTILINE)
