"""The code base stays ruff-clean (configuration in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from core.settings import PROJECT_ROOT


def test_ruff_check_is_clean() -> None:
    command = [sys.executable, "-m", "ruff", "check", "."]
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
