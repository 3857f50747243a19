"""The local settings file (.env) that manage.py, make run and make serve all read."""

import os

import pytest

from ops.serving import read_dotenv


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
