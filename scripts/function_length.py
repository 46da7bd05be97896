"""Fails when a function in backend/ is longer than MAX_LINES lines (from its `def` to its last line,
docstring and comments included): a function that long wants to be split into steps with names.

    .venv/bin/python scripts/function_length.py [--max 60] [folder ...]
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

MAX_LINES = 60
# Written by Tortoise's migration tool, and frozen once released.
SKIPPED = ("backend/migrations/",)


def long_functions(folder: Path, max_lines: int) -> list[tuple[str, int, str, int]]:
    """(file, line, name, length) of each function over max_lines, longest first."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        if any(part in path.as_posix() for part in SKIPPED):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > max_lines:
                    found.append((path.as_posix(), node.lineno, node.name, length))
    return sorted(found, key=lambda f: -f[3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", default=["backend"])
    parser.add_argument("--max", type=int, default=MAX_LINES)
    args = parser.parse_args()
    found = [f for folder in args.folders for f in long_functions(Path(folder), args.max)]
    for path, line, name, length in found:
        print(f"{path}:{line}: {name} is {length} lines (at most {args.max})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
