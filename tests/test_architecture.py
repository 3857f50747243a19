"""The rooms' import contract (README, Architecture), as `make lint` checks it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOMS = ["config", "ops", "privacy", "assessments", "interviews", "candidates", "core"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    # Not measured: coverage would follow it into the copy and count its files.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=project, env=env, capture_output=True, text=True
    )


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """The rooms and the contract, copied where a test may break them."""
    base = Path(settings.BASE_DIR)
    for room in ROOMS:
        shutil.copytree(base / room, tmp_path / room, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(base / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_rooms_keep_the_contract():
    result = lint_imports(Path(settings.BASE_DIR))
    assert result.returncode == 0, result.stdout
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "imports"),
    [
        ("core/upward.py", "candidates.models"),  # The floor imports no app.
        ("candidates/upward.py", "interviews.models"),
        ("interviews/upward.py", "assessments.models"),
        ("assessments/upward.py", "privacy.services"),
        ("privacy/upward.py", "config.urls"),  # Only Django imports the roof.
        ("ops/upward.py", "config.settings"),
    ],
)
def test_an_upward_import_breaks_the_contract(project_copy, module, imports):
    (project_copy / module).write_text(f"import {imports}  # noqa: F401\n")

    result = lint_imports(project_copy)

    assert result.returncode != 0
    assert "0 kept, 1 broken" in result.stdout
    assert f"{module.removesuffix('.py').replace('/', '.')} -> {imports}" in result.stdout
