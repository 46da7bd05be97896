"""How the tests are put together: what several test modules share lives in tests/support/ (a test module
never imports another one, nor a conftest), and a server process is started by one harness only
(tests/support/server.py)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HARNESS = TESTS / "support" / "server.py"
# The other process a test needs besides the app: PgBouncer, started by its own small harness.
PGBOUNCER = TESTS / "support" / "pgbouncer.py"
# Runs the API guide's example clients (Python, Node) as a client developer would: clients, not servers.
EXAMPLE_CLIENTS = TESTS / "test_api_examples.py"


def _modules() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def _imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import anywhere in the module, inside functions too."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
    return found


def is_test_module(module: str) -> bool:
    """tests.test_x, tests.browser.test_x and the conftests are test modules; tests.support.* and
    tests.browser.screens are what they share. "tests.test_cli" → True, "tests.support.mail" → False"""
    last = module.rsplit(".", 1)[-1]
    return module.startswith("tests.") and (last.startswith("test_") or last == "conftest")


def test_the_test_module_rule_tells_a_test_module_from_a_shared_one():
    assert is_test_module("tests.test_cli") and is_test_module("tests.browser.conftest")
    assert not is_test_module("tests.support.server") and not is_test_module("tests.browser.screens")


def test_no_test_module_imports_another_test_module():
    found = [
        f"{path.relative_to(TESTS.parent)}:{line}: {module}"
        for path in _modules()
        for line, module in _imported_names(ast.parse(path.read_text()))
        if is_test_module(module)
    ]
    assert found == [], "Move what they share into tests/support/:\n" + "\n".join(found)


def test_only_the_harness_starts_a_server_process():
    starters = {"Popen", "create_subprocess_exec", "create_subprocess_shell"}
    found = []
    for path in _modules():
        if path in (HARNESS, PGBOUNCER, EXAMPLE_CLIENTS):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in starters:
                found.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}")
    assert found == [], "Start it with tests/support/server.py (ServerProcess):\n" + "\n".join(found)
