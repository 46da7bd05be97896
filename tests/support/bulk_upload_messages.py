"""The messages a bulk upload can produce, read from the code itself: every sentence-like string in the
modules that write them (strings that are not messages are named in NOT_MESSAGES)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MESSAGE_MODULES = [
    "backend/bulk_upload/messages.py",
    "backend/sessions/rules.py",
    "backend/sessions/changes.py",
    "backend/sessions/writing.py",
]
# The bulk upload writes its messages only in messages.py; its other modules must not build messages.
BULK_MODULES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "backend" / "bulk_upload").glob("*.py"))
NOT_MESSAGES = {
    'SELECT COALESCE(MAX(id), 0) AS id FROM "session"',
    "SELECT nextval(pg_get_serial_sequence('session', 'id')) AS id FROM generate_series(1, $1)",
}
PLACEHOLDER = re.compile(r"\{[a-z_]*(?::[^}]*)?\}")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def strings_of(path: str) -> list[str]:
    """Every string literal of a module but its docstrings, f-strings with {} for their fields."""
    tree = ast.parse((ROOT / path).read_text())
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found.append(PLACEHOLDER.sub("{}", node.value))
    return found


def catalogue() -> list[str]:
    """The message templates of the code: sentence-like strings (four words or more)."""
    templates = []
    for path in MESSAGE_MODULES:
        for text in strings_of(path):
            if len(text.split()) >= 4 and text not in NOT_MESSAGES and text not in templates:
                templates.append(text)
    return templates


def fragments(template: str) -> list[str]:
    """The fixed parts of a template long enough to say which message it is."""
    return [part.strip() for part in template.split("{}") if len(part.strip()) >= 8]


def pattern(template: str) -> str:
    return "(?:.+?)".join(re.escape(part) for part in template.split("{}"))
