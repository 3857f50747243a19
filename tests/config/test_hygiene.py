"""The secrets scan `make lint` runs: the tree is clean, and a new secret is caught."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
