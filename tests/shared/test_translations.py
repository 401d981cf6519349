"""Every message a person reads from the API has its French and Arabic translation, and none is
left out of the catalogues by being written in the code without ``_()``.

Two checks per package: the catalogues hold a usable translation of every message collected
(``pathways messages --check`` for that package), and a scan of the code finds no message
written as a bare string where a client reads it: a problem raised with a literal or f-string
detail, a ``ValueError`` raised by a Pydantic validator (its text is a 422's ``errors[].msg``),
a ``detail=``/``"detail"``/``"msg"`` given as a literal. A message that never reaches a client
is allowed by its exception class or its place, below, each with its reason.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from launcher import messages

ROOT = Path(__file__).resolve().parent.parent.parent
# The packages whose messages are all marked and translated.
PACKAGES = ("shared", "gateway", "services.candidates", "services.placements",
            "services.reintegration")

# Exceptions whose message never reaches a client, and why.
NEVER_SHOWN: dict[str, str] = {
    "TypeError": "a programming error; a request never causes it (a bare 500 if it did)",
    "RuntimeError": "a programming or start-up error, logged; the client sees a bare 500",
    "AssertionError": "a programming error",
    "KeyError": "a programming error",
    "TimeoutError": "start-up and test tooling waiting for a process",
    "FileNotFoundError": "command-line tooling",
    "NotImplementedError": "a programming error",
    "MissingKey": "shared.sealing: a key setting missing at start-up, read by an operator",
    "SealingError": "shared.sealing: a stored value that does not open, logged as a bug",
    "MissingSetting": "a setting missing at start-up, read by an operator",
    "DisconnectionError": "shared.db: tells the pool to reconnect; never leaves the process",
    "DiscoveryMismatch": "shared.jwks: an issuer's discovery document, logged at start-up",
    "VerificationFailed": "shared.events.signing: a signed call between services, whose "
                          "caller is another service (its reason is in that service's log)",
    "MalformedEvents": "shared.events.inbox: only Pathways' own services post to the inbox",
    "MergeConflict": "gateway.openapi: the merged API description cannot be built; a bug "
                     "the gateway's start-up and tests report",
    "InvalidSignature": "shared.events: a signed call or event between Pathways' services",
    "RateLimiterUnavailable": "gateway.ratelimit: caught, answered with its own 503 problem",
    "SolverStopped": "services.placements.matching: the solver stopping, caught by the engine, "
                     "which reports shortfalls instead",
}
# Places (file, function or module constant) whose literal messages never reach a client, and
# why. The API description is English: its examples are not answers.
NEVER_SHOWN_IN: dict[tuple[str, str], str] = {
    ("*", "example"): "a problem's example in the API description",
    ("shared/errors.py", "VALIDATION_EXAMPLE"): "the API description's example of a 422",
    ("shared/problem_docs.py", "*"): "the API description's examples",
    ("gateway/openapi.py", "*"): "the merged API description's examples",
    ("gateway/auth_router.py", "_ERRORS"): "the token route's examples in the API description",
    ("gateway/auth_router.py", "_oauth_example"): "likewise",
    ("shared/sealing.py", "*"): "sealed values and their keys: start-up and operators' errors",
    ("gateway/ratelimit.py", "*"): "the limiter's own errors, answered by the proxy's problems",
    ("gateway/upstream_client.py", "*"): "the proxy's client: its errors become the proxy's "
                                         "own 502, 503 and 504 problems, worded there",
    ("shared/health.py", "*"): "readiness probes, read by an orchestrator, not a person",
    ("shared/logs.py", "write"): "the access log's line, read by operators",
    ("shared/trusted_issuers.py", "_issuer"): "AUTH_TRUSTED_ISSUERS read at start-up",
    ("shared/trusted_issuers.py", "_algorithms"): "AUTH_TRUSTED_ISSUERS read at start-up",
    ("shared/trusted_issuers.py", "_one_key_location"): "AUTH_TRUSTED_ISSUERS read at start-up",
    ("gateway/settings.py", "*"): "the gateway's settings, read at start-up",
    ("services/placements/matching/exceptions.py", "__init__"): "a run's failure as an "
        "exception's own text, logged; the run stores its code and its (marked) detail",
    ("services/placements/monitoring/checks.py", "*"): "a wage or housing check's deviation, "
        "stored with the check-in as recorded; its code `kind` has a label",
}
VALIDATOR_DECORATORS = frozenset({"field_validator", "model_validator", "validator",
                                  "root_validator"})
VALIDATOR_WRAPPERS = frozenset({"AfterValidator", "BeforeValidator", "PlainValidator",
                                "WrapValidator"})
TEXT_KEYS = frozenset({"title", "detail", "msg"})
MARKS = frozenset({"_", "translate"})


@pytest.fixture(scope="module")
def collected() -> dict[str, set[messages.Key]]:
    return messages.collect_all()


@pytest.mark.parametrize("package", PACKAGES)
def test_every_message_has_its_translations(
        package: str, collected: dict[str, set[messages.Key]]) -> None:
    gaps = messages.missing(package, collected[package])
    assert not gaps, (f"{len(gaps)} messages of {package} lack a translation (run "
                      "`pathways messages`, then fill the empty msgstr):\n"
                      + "\n".join(map(str, gaps[:40])))


@dataclass(frozen=True)
class Bare:
    """A message written in the code without ``_()``."""

    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value))


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _marks(call: ast.Call) -> bool:
    """Whether one of the call's arguments is a message marked ``_(…)``/``translate(…)``
    (``InvalidDates.of("field", _("…"))``: the first is a field's name)."""
    return any(isinstance(arg, ast.Call) and _name(arg.func) in MARKS
               for arg in [*call.args, *(k.value for k in call.keywords)])


def _builds_error(call: ast.Call) -> bool:
    """``super().__init__(…)`` or ``cls(…)``: an error made inside its own class."""
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "cls") or (
        isinstance(func, ast.Attribute) and func.attr == "__init__"
        and isinstance(func.value, ast.Call) and _name(func.value.func) == "super")


def _is_examples(key: ast.AST | None) -> bool:
    return isinstance(key, ast.Constant) and key.value == "json_schema_extra"


def _validator_names(tree: ast.Module) -> set[str]:
    """The functions a module hands to Pydantic as validators (``AfterValidator(f)``,
    ``AfterValidator(make(...))``): any name inside such a wrapper's arguments."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in VALIDATOR_WRAPPERS:
            for arg in node.args:
                names.update(n.id for n in ast.walk(arg) if isinstance(n, ast.Name))
    return names


def _bare_messages(path: Path) -> Iterator[Bare]:
    relative = path.relative_to(ROOT).as_posix()
    if (relative, "*") in NEVER_SHOWN_IN:
        return
    tree = ast.parse(path.read_text(), relative)
    validators = _validator_names(tree)

    def visit(node: ast.AST, function: str, in_validator: bool) -> Iterator[Bare]:
        if isinstance(node, ast.keyword) and node.arg == "json_schema_extra":
            return  # a schema's examples: documentation
        if isinstance(node, ast.Dict):  # model_config = {"json_schema_extra": …} likewise
            node = ast.copy_location(
                ast.Dict(keys=[k for k in node.keys if not _is_examples(k)],
                         values=[v for k, v in zip(node.keys, node.values, strict=True)
                                 if not _is_examples(k)]), node)
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and not function:
            function = targets[0].id  # a module's constant: named like a function
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
            decorated = {_name(d.func if isinstance(d, ast.Call) else d)
                         for d in node.decorator_list}
            in_validator = in_validator or bool(decorated & VALIDATOR_DECORATORS) \
                or node.name in validators
        if (relative, function) in NEVER_SHOWN_IN or ("*", function) in NEVER_SHOWN_IN:
            return
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                and not _marks(node.exc):
            cls = _name(node.exc.func)
            first = node.exc.args[0] if node.exc.args else None
            if cls == "ValueError":
                if in_validator and _is_text(first):
                    yield Bare(relative, node.lineno, "a validator's ValueError")
            elif cls not in NEVER_SHOWN and _is_text(first):
                yield Bare(relative, node.lineno, f"raise {cls}(…)")
        if isinstance(node, ast.Call) and _builds_error(node) and node.args \
                and _is_text(node.args[0]):
            yield Bare(relative, node.lineno, "an error built with a bare message")
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in TEXT_KEYS - {"title"} and _is_text(keyword.value):
                    yield Bare(relative, node.lineno, f"{keyword.arg}=…")
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            for key, value in zip(node.keys, node.values, strict=True):
                # "title" is a problem's only beside its "status"; a record may have one too
                if isinstance(key, ast.Constant) and key.value in TEXT_KEYS and _is_text(value) \
                        and (key.value != "title" or "status" in keys):
                    yield Bare(relative, node.lineno, f'"{key.value}": …')
        for child in ast.iter_child_nodes(node):
            yield from visit(child, function, in_validator)

    yield from visit(tree, "", False)


def bare_messages(package: str) -> list[Bare]:
    """The messages of ``package``'s code a client reads that are not marked with ``_()``."""
    folder = ROOT.joinpath(*package.split("."))
    return [bare for path in sorted(folder.rglob("*.py")) if "migrations" not in path.parts
            for bare in _bare_messages(path)]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_message_escapes_the_catalogues(package: str) -> None:
    found = bare_messages(package)
    assert not found, ("messages a client reads, not marked with _() (wrap them, or allow "
                       "them in this test saying why no client reads them):\n"
                       + "\n".join(map(str, found)))


def test_the_scan_finds_an_unmarked_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            ) -> None:
    source = tmp_path / "module.py"
    source.write_text(
        "from pydantic import AfterValidator, BaseModel, field_validator\n"
        "from shared.i18n import _\n"
        "def f(x):\n"
        "    raise NotFound(f'No thing {x}.')\n"
        "def g(x):\n"
        "    raise NotFound(_('No thing {x}.', x=x))\n"
        "def config():\n"
        "    raise ValueError('a setting is wrong')\n"
        "def check(v):\n"
        "    raise ValueError('not a code')\n"
        "Code = AfterValidator(check)\n"
        "class M(BaseModel):\n"
        "    @field_validator('a')\n"
        "    def a(cls, v):\n"
        "        raise ValueError(_('fine'))\n"
        "    @field_validator('b')\n"
        "    def b(cls, v):\n"
        "        raise ValueError(f'bad {v}')\n"
        "problem = {'detail': 'Slow down.'}\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)  # the scan names files from the root
    assert [(bare.line, bare.what) for bare in _bare_messages(source)] == [
        (4, "raise NotFound(…)"), (10, "a validator's ValueError"),
        (18, "a validator's ValueError"), (19, '"detail": …')]
