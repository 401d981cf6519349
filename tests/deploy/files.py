"""The deployment files as the deploy tests read them: the compose file and the Kubernetes
manifests that ``kustomization.yaml`` applies, each document with the file it comes from."""

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "docker-compose.yml"

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
