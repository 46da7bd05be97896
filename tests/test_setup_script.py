"""scripts/setup (run by scripts/dev on every start) installs only when something changed: restarting an
unchanged checkout runs neither pip nor npm and prints nothing, so the app is back up in a moment."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RECORDER = """#!/usr/bin/env bash
if [ "${1:-}" = "-V" ]; then echo "Python 3.11.0"; exit 0; fi
echo "$(basename "$0") $* PYTHONWARNINGS=${PYTHONWARNINGS:-}" >> "$CALLS"
if [ "$(basename "$0")" = npm ]; then mkdir -p node_modules; fi
"""


def a_checkout(tmp_path: Path) -> Path:
    """A checkout with the real scripts/setup and stand-ins for python, pip and npm that write down each call."""
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup", checkout / "scripts" / "setup")
    for name in ("pyproject.toml", "setup.py", "package-lock.json"):
        (checkout / name).write_text(f"{name} pins\n")
    for tool in (checkout / ".venv" / "bin" / "python", checkout / ".venv" / "bin" / "pip", tmp_path / "bin" / "npm"):
        tool.parent.mkdir(parents=True, exist_ok=True)
        tool.write_text(RECORDER)
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return checkout


def run_setup(checkout: Path, *extras: str) -> tuple[str, list[str]]:
    calls = checkout.parent / "calls.log"
    calls.unlink(missing_ok=True)
    env = {**os.environ, "CALLS": str(calls), "PATH": f"{checkout.parent / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONWARNINGS", None)
    done = subprocess.run(
        ["bash", "scripts/setup", *extras], cwd=checkout, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout + done.stderr, calls.read_text().splitlines() if calls.exists() else []


def test_restarting_an_unchanged_checkout_installs_nothing_and_prints_nothing(tmp_path):
    checkout = a_checkout(tmp_path)
    _, first = run_setup(checkout, "test", "dev")

    output, again = run_setup(checkout)

    assert any("install --quiet --disable-pip-version-check -e .[dev,test]" in call for call in first)
    assert any(call.startswith("npm ci") for call in first)
    assert (output, again) == ("", [])


def test_changed_pins_or_a_new_extra_install_again_keeping_the_extras_already_there(tmp_path):
    checkout = a_checkout(tmp_path)
    run_setup(checkout, "test")

    _, with_dev = run_setup(checkout, "dev")
    (checkout / "package-lock.json").write_text("new pins\n")
    _, after_change = run_setup(checkout)

    assert any("-e .[dev,test]" in call for call in with_dev)
    assert any("-e .[dev,test]" in call for call in after_change)
    assert any(call.startswith("npm ci") for call in after_change)


def test_the_install_is_told_to_keep_setuptools_warning_box_to_itself(tmp_path):
    checkout = a_checkout(tmp_path)

    _, calls = run_setup(checkout)

    assert calls and all(call.endswith("PYTHONWARNINGS=ignore") for call in calls)
