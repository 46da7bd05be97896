"""How backend/'s modules import each other: no module imports itself back through others, an import sits at
the top of its module (not inside a function, where it would hide a cycle), and the background work
(bulk uploads, mail) loads none of the web layer."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"

# `sessiondesk <command>` loads only what the command needs, so that `migrate` does not load the web app.
LOADS_BY_COMMAND = {"backend/cli.py"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(BACKEND.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(statements: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports run while the module loads: at its top, or under a top-level `if`/`try`, but not the
    ones only a type checker reads (`if TYPE_CHECKING:`)."""
    for node in statements:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            yield from _top_level_imports(node.orelse if _is_type_checking(node.test) else node.body + node.orelse)
        elif isinstance(node, ast.Try):
            handlers = [s for handler in node.handlers for s in handler.body]
            yield from _top_level_imports(node.body + handlers + node.orelse + node.finalbody)


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The backend modules an import statement loads: `from backend.mail import outbox` loads
    backend.mail.outbox and, as Python does, the packages above it."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    loaded = set()
    for name in names:
        while name:
            if name in MODULES:
                loaded.add(name)
            name = name.rpartition(".")[0]
    # A package loading its own modules is how packages are built, not a cycle.
    return {name for name in loaded if not module.startswith(name + ".") and name != module}


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[module] = {name for node in _top_level_imports(tree.body) for name in _imported(module, node)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan's strongly
    connected components of more than one module). {"a": {"b"}, "b": {"a"}, "c": {"a"}} → [["a", "b"]]"""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle_through_a_third_module():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_backend_module_imports_itself_back_through_others():
    assert cycles(import_graph()) == []


def test_backend_modules_import_at_the_top_not_inside_functions():
    inside = []
    for module, path in MODULES.items():
        relative = str(path.relative_to(ROOT))
        if relative in LOADS_BY_COMMAND:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        at_load = set(map(id, _top_level_imports(tree.body)))
        type_checking = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and _is_type_checking(block.test)
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            imports = isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in at_load | type_checking
            if imports and _imported(module, node):
                inside.append(f"{relative}:{node.lineno}")
    assert inside == []


def test_the_bulk_upload_job_and_the_mail_sender_load_no_web_layer():
    # A worker process that runs them should not pay for (or depend on) the web app's libraries.
    code = (
        "import json, sys\n"
        "import backend.bulk_upload.job, backend.mail.sender\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    web = [m for m in loaded if m.split(".")[0] in ("starlette", "strawberry", "uvicorn")]
    assert web == []
    assert "backend.metrics_route" not in loaded
    assert "backend.app" not in loaded


def test_a_migration_imports_nothing_of_another_migration():
    # Migrations are frozen once released: each carries what it needs, so changing one changes no other.
    borrowing = [
        str(path.relative_to(ROOT))
        for path in sorted((BACKEND / "migrations").glob("0*.py"))
        if "backend.migrations" in path.read_text() or "import_module" in path.read_text()
    ]
    assert borrowing == []
