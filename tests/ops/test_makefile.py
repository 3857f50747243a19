"""The make targets the README and SPEC name, read with `make --dry-run`: the commands
each would run, in order, with nothing run (one test runs `make restore` for real, up to
its refusal, in an empty folder).

The virtualenv's markers and .env count as made (`-o`): setting up is checked on its own.
"""

import os
import subprocess

from tests.dbutils import checkout

#: The Makefile as committed (under `make mutate` the project runs from a copy without it).
BASE_DIR = checkout()
SET_UP = ("-o", ".venv/.installed-dev", "-o", ".venv/.installed-prod", "-o", ".env")
#: Nothing of the caller's (DEBUG, BACKUP, PYTEST_ARGS, a parent make's flags) reaches make.
ENV = {"PATH": os.environ["PATH"]}
MANAGE = ".venv/bin/python manage.py"
DEVELOPMENT = "DEBUG=${DEBUG:-true}"


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=BASE_DIR,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def planned(*args: str) -> list[str]:
    """The commands `make <args>` would run, set up already."""
    done = make("--dry-run", *SET_UP, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_make_run_migrates_seeds_and_serves_on_the_loopback_only():
    assert planned("run") == [
        f"{DEVELOPMENT} {MANAGE} migrate --noinput",
        f"{DEVELOPMENT} {MANAGE} create_local_admin",
        f"{DEVELOPMENT} {MANAGE} seed_demo",
        f"{DEVELOPMENT} {MANAGE} runserver 127.0.0.1:8000",
    ]


CHECKS = [
    ".venv/bin/ruff check .",
    ".venv/bin/ruff format --check .",
    ".venv/bin/lint-imports",
    "git ls-files -z | xargs -0 .venv/bin/detect-secrets-hook --baseline .secrets.baseline",
    f"DJANGO_SETTINGS_MODULE=config.settings_test {MANAGE} makemigrations --check --dry-run",
    ".venv/bin/pytest ",
]


def test_make_test_lints_checks_the_migrations_then_runs_the_suite():
    assert planned("test") == CHECKS


def test_make_test_sets_up_the_virtualenv_first():
    """With a requirements file changed, the development requirements are installed first."""
    done = make("--dry-run", "-W", "requirements/dev.txt", "-o", ".env", "test")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("test -x .venv/bin/python || ")
    assert lines[0].endswith(" -m venv .venv")
    assert lines[1:] == [
        ".venv/bin/python -m pip install --quiet --disable-pip-version-check"
        " -r requirements/dev.txt",
        "touch .venv/.installed-dev",
        *CHECKS,
    ]


def test_make_pytest_passes_its_arguments():
    assert planned("pytest", "PYTEST_ARGS=-k transcript -x --no-cov") == [
        ".venv/bin/pytest -k transcript -x --no-cov"
    ]


def test_make_serve_installs_only_the_production_requirements_and_runs_gunicorn():
    """gunicorn, started in the project folder, reads gunicorn.conf.py there."""
    done = make("--dry-run", "-W", "requirements/prod.txt", "serve")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        ".venv/bin/python -m pip install --quiet --disable-pip-version-check"
        " -r requirements/prod.txt",
        "touch .venv/.installed-prod",
        ".venv/bin/gunicorn",
    ]


def test_make_backup():
    assert planned("backup") == [f"{DEVELOPMENT} {MANAGE} backup"]


def test_make_restore_restores_the_file_it_is_given():
    assert planned("restore", "BACKUP=backups/portal 2026.dump")[-1] == (
        f'{DEVELOPMENT} {MANAGE} restore "backups/portal 2026.dump"'
    )


def test_make_restore_without_a_file_says_how_and_restores_nothing(tmp_path):
    """Run for real, in an empty folder: past its refusal it would find no project to run."""
    done = make("-C", str(tmp_path), "-f", str(BASE_DIR / "Makefile"), *SET_UP, "restore")

    assert done.returncode == 2
    assert done.stdout == "usage: make restore BACKUP=backups/<file>.dump\n"
    assert "manage.py" not in done.stdout + done.stderr


def test_make_bench_measures_the_small_scale_unless_told():
    assert planned("bench")[-1] == ".venv/bin/python -m bench --scale small "
    assert planned("bench", "SCALE=large", "REBUILD=1")[-1] == (
        ".venv/bin/python -m bench --scale large --rebuild"
    )
