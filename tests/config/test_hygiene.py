"""Nothing secret or personal reaches git: the secrets scan `make lint` runs keeps the
tree clean and catches a new secret, and what the project writes is ignored."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dbutils import checkout

HOOK = Path(sys.executable).parent / "detect-secrets-hook"
BASELINE = checkout() / ".secrets.baseline"


def scan(files, cwd) -> subprocess.CompletedProcess:
    # Unmeasured: coverage has nothing to learn from the scanner.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    return subprocess.run(
        [str(HOOK), "--baseline", ".secrets.baseline", *files],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_every_tracked_file_passes_the_scan():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=checkout(), capture_output=True, text=True, check=True
    ).stdout.split()

    result = scan(tracked, checkout())

    assert result.returncode == 0, result.stdout


def test_a_new_secret_fails_the_scan(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)  # The hook reads git.
    shutil.copy(BASELINE, tmp_path)
    leaked = "".join(["AKIA", "ZQ3DRSTUVW4XYZ2A"])  # An AWS access key id, in two parts.
    (tmp_path / "settings_local.py").write_text(f'AWS_ACCESS_KEY_ID = "{leaked}"\n')

    result = scan(["settings_local.py"], tmp_path)

    assert result.returncode == 1
    assert "AWS Access Key" in result.stdout


@pytest.mark.parametrize(
    "written",
    [
        ".env",  # The settings, secrets among them.
        ".pgdata/base/1/1259",  # The embedded server's data: candidates' personal data.
        "backups/portal-20261203.dump",  # make backup: the same data again.
        "mutants/core/services.py",  # make mutate's copy, with the settings it reads.
        "staticfiles/admin/css/base.css",
    ],
)
def test_what_the_project_writes_is_ignored_by_git(written):
    result = subprocess.run(["git", "check-ignore", "-q", written], cwd=checkout(), check=False)

    assert result.returncode == 0, f"{written} is not ignored"
