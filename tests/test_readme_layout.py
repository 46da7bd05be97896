"""The layout table (docs/layout.md) matches the tree: every entry of the repository's top level and of
backend/ is described, and every path the table names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_DESCRIBED = {"README.md", ".gitignore", ".dockerignore", "__init__.py", "backend"}  # backend: entry by entry
UNTRACKED = {".git", ".venv", "node_modules", "var", "test-results", "build"}


def layout_paths() -> set[str]:
    table = (ROOT / "docs" / "layout.md").read_text()
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {path.rstrip("/") for cell in first_cells for path in re.findall(r"`([^`]+)`", cell)}


def test_every_path_in_the_layout_table_exists():
    assert sorted(p for p in layout_paths() if not (ROOT / p).exists()) == []


def test_the_layout_table_describes_the_top_level_and_backend():
    described = layout_paths()
    entries = [
        p.name
        for p in ROOT.iterdir()
        if p.name not in UNTRACKED and not p.name.endswith((".egg-info", "_cache")) and not p.name.startswith(".")
    ]
    entries += [f"backend/{p.name}" for p in (ROOT / "backend").iterdir() if p.name != "__pycache__"]
    entries += [".ci/run"]
    missing = sorted(e for e in entries if e not in described and Path(e).name not in NOT_DESCRIBED)
    assert missing == []
