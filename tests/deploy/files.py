"""The deployment files as the deploy tests read them: the compose file, the Kubernetes
manifests that the base ``kustomization.yaml`` lists (each document with the file it comes from),
and what the base and each overlay render to."""

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ROOT / "deploy" / "overlays"
COMPOSE = ROOT / "docker-compose.yml"
# What an operator applies: the base, and the production overlay (an example of its values).
KUSTOMIZATIONS = {"base": K8S, "production": OVERLAYS / "production"}

Document = dict[str, Any]


def documents(path: Path) -> list[Document]:
    """The YAML documents of ``path`` (empty ones left out)."""
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def kustomization() -> Document:
    """``deploy/k8s/kustomization.yaml``."""
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())  # type: ignore[no-any-return]


def resources() -> list[tuple[str, Document]]:
    """Every document the kustomization applies, with its file's name."""
    return [(name, d) for name in kustomization()["resources"] for d in documents(K8S / name)]


def compose() -> Document:
    """``docker-compose.yml``, YAML merge keys (``<<: *auth``) resolved."""
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def env(container: Document) -> dict[str, Document]:
    """A Kubernetes container's ``env`` entries by variable name."""
    return {e["name"]: e for e in container.get("env", [])}


@functools.cache
def rendered(kustomization: str) -> tuple[Document, ...]:
    """Every document ``kubectl kustomize`` renders of :data:`KUSTOMIZATIONS`' ``kustomization``
    (kubectl carries kustomize; no cluster is needed)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is needed to render the kustomizations (`kubectl kustomize`, "
                           "offline); install kubectl (it carries kustomize)")
    result = subprocess.run([kubectl, "kustomize", str(KUSTOMIZATIONS[kustomization])],
                            capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {kustomization}: {result.stderr}")
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


def of_kind(documents: tuple[Document, ...] | list[Document], kind: str) -> dict[str, Document]:
    """The documents of ``kind`` by name."""
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}
