"""The layout holds: the kit imports nothing of ours but itself, no service imports another, the
gateway imports no service, the demo drives the API only through the launcher's client, and no
module imports itself back through others (imports inside functions count too)."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shared", "services", "gateway", "launcher", "demo", "bench")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module of ours ``module`` imports, at its top or inside a function."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from a import b`` names module ``a.b`` when there is one, else something in ``a``.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                     for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # ``import a.b.c`` of a name inside a module
                name = name.rpartition(".")[0]
            if name and name.split(".")[0] in PACKAGES:
                yield name


GRAPH = {module: set(_imports(module, path)) - {module} for module, path in MODULES.items()}


def _owner(module: str) -> str:
    """The part of the tree a module belongs to: ``services.candidates`` for a service's."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "services" and len(parts) > 1 else parts[0]


def _allowed(importer: str, imported: str) -> bool:
    owner, target = _owner(importer), _owner(imported)
    if owner == target or target == "shared":
        return True
    if owner == "services" or target == "services":  # the bare package ``services``
        return target == "services" and not imported.count(".")
    if owner == "demo":
        return imported == "launcher.api_client"
    return owner in ("launcher", "bench")  # the launcher and the benchmarks run everything


def test_no_part_imports_what_sits_above_it() -> None:
    """The kit imports only itself, a service only itself and the kit, the gateway likewise; the
    demo adds the API client; only the launcher and the benchmarks may import the rest."""
    wrong = sorted(f"{importer} imports {imported}" for importer, targets in GRAPH.items()
                   for imported in targets if not _allowed(importer, imported))
    assert not wrong, "\n".join(wrong)


def test_there_is_no_import_cycle() -> None:
    """Tarjan's strongly connected components over every import: none has two modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in GRAPH[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert not cycles, cycles


@pytest.mark.parametrize(("importer", "imported", "allowed"), [
    ("shared.access", "launcher.topology", False),
    ("services.candidates.main", "services.placements.models", False),
    ("gateway.proxy", "services.candidates.models", False),
    ("demo.seed", "gateway.identity", False),
    ("demo.seed", "launcher.api_client", True),
    ("launcher.runner", "demo.seed", True),
    ("services.placements.main", "shared.app", True),
])
def test_the_rule_itself(importer: str, imported: str, allowed: bool) -> None:
    """The rule refuses what it should (so that the two tests above can fail)."""
    assert _allowed(importer, imported) is allowed
