"""The local settings file (.env) that manage.py, make run and make serve all read, and
how many processes and threads serve requests."""

import os

import pytest

from ops.serving import DEFAULT_THREADS, read_dotenv, threads, workers


@pytest.fixture
def clean_environment(monkeypatch):
    for name in ("PORTAL_DOTENV_ONLY", "PORTAL_DOTENV_BOTH"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    # read_dotenv wrote straight into os.environ; monkeypatch undoes only its own.
    for name in ("PORTAL_DOTENV_ONLY", "PORTAL_DOTENV_BOTH"):
        os.environ.pop(name, None)


def test_the_file_fills_in_what_the_environment_lacks(tmp_path, clean_environment):
    (tmp_path / ".env").write_text("PORTAL_DOTENV_ONLY=from-file\nPORTAL_DOTENV_BOTH=from-file\n")
    clean_environment.setenv("PORTAL_DOTENV_BOTH", "from-environment")

    read_dotenv(tmp_path)

    assert os.environ["PORTAL_DOTENV_ONLY"] == "from-file"
    assert os.environ["PORTAL_DOTENV_BOTH"] == "from-environment"


def test_no_file_is_no_change(tmp_path, clean_environment):
    before = dict(os.environ)

    read_dotenv(tmp_path)

    assert dict(os.environ) == before


def test_without_settings_two_workers_per_cpu_plus_one_serve_with_four_threads(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)

    assert workers() == 2 * len(os.sched_getaffinity(0)) + 1
    assert threads() == DEFAULT_THREADS == 4


def test_web_concurrency_and_web_threads_set_the_sizes(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("WEB_THREADS", "7")

    assert (workers(), threads()) == (3, 7)
