"""gunicorn.conf.py as gunicorn reads it (`make serve`): where it listens, how it runs
requests and for how long, where workers keep their metrics, and its hooks, called as
gunicorn calls them.

test_production_server.py starts gunicorn for real; these read the file the way gunicorn
does at start, in this process, for what a running server does not show cheaply: a 30 s
limit nobody waits out, the default address (a test server is told 127.0.0.1), a
worker's exit.
"""

import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn.app.base import Application
from gunicorn.workers.gthread import ThreadWorker
from prometheus_client import CollectorRegistry, values
from prometheus_client.multiprocess import MultiProcessCollector

CONFIG_FILE = Path(settings.BASE_DIR) / "gunicorn.conf.py"


class ConfigFile(Application):
    """gunicorn's own reading of the configuration file, without a command line."""

    def load_config(self):
        self.load_config_from_file(str(CONFIG_FILE))

    def load(self):  # Nothing is served.
        raise NotImplementedError


@pytest.fixture
def gunicorn_config(monkeypatch, tmp_path):
    """Read gunicorn.conf.py under the environment a test gives (None: unset), the
    metrics folder in tmp_path unless it says otherwise.

    The file writes into the environment (PROMETHEUS_MULTIPROC_DIR, a .env file) and
    onto sys.path: both are restored afterwards.
    """
    saved = dict(os.environ)
    monkeypatch.setattr(sys, "path", list(sys.path))

    def read(**environment: str | None):
        for name, value in {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), **environment}.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        return ConfigFile().cfg

    yield read
    os.environ.clear()
    os.environ.update(saved)


def test_a_request_is_abandoned_after_30_s_and_the_database_s_limits_end_inside_it(
    gunicorn_config,
):
    config = gunicorn_config()

    assert config.timeout == 30
    # A request that waited the pool's longest, then ran a statement until the server
    # cancelled it, still answers (503) before gunicorn abandons it and kills its worker.
    worst_answer = settings.DB_POOL_TIMEOUT + settings.DB_STATEMENT_TIMEOUT_MS / 1000
    assert settings.DB_STATEMENT_TIMEOUT_MS > 0
    assert worst_answer < config.timeout


def test_requests_in_flight_get_30_s_to_finish_on_sigterm(gunicorn_config):
    assert gunicorn_config().graceful_timeout == 30


@pytest.mark.parametrize("threads", [1, 4])
def test_workers_are_threaded_however_many_threads(gunicorn_config, threads):
    """gthread, even with one thread: a sync worker would ignore keepalive."""
    config = gunicorn_config(WEB_CONCURRENCY="3", WEB_THREADS=str(threads))

    assert config.worker_class_str == "gthread"
    assert config.worker_class is ThreadWorker
    assert (config.workers, config.threads, config.keepalive) == (3, threads, 5)


def test_it_listens_on_every_interface_port_8000_by_default(gunicorn_config):
    assert gunicorn_config(HOST=None, PORT=None).bind == ["0.0.0.0:8000"]


def test_host_and_port_choose_where_it_listens(gunicorn_config):
    assert gunicorn_config(HOST="127.0.0.1", PORT="8123").bind == ["127.0.0.1:8123"]


def test_each_start_gets_a_fresh_empty_metrics_folder_removed_when_it_stops(gunicorn_config):
    """Files left by an earlier start would count workers that no longer exist; folders
    left behind would pile up, one per start."""
    folders = []
    try:
        for _start in range(2):
            config = gunicorn_config(PROMETHEUS_MULTIPROC_DIR=None)
            folders.append(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
            assert folders[-1], "gunicorn.conf.py named no metrics folder"
            assert Path(folders[-1]).is_dir()
            assert not list(Path(folders[-1]).iterdir())
            (Path(folders[-1]) / "counter_4101.db").touch()  # A worker's figures.

            config.on_exit(SimpleNamespace(cfg=config))  # As gunicorn does when it stops.

            assert not Path(folders[-1]).exists()
    finally:
        for folder in filter(None, folders):
            shutil.rmtree(folder, ignore_errors=True)

    assert folders[0] != folders[1]


def test_the_operator_s_metrics_folder_is_kept(gunicorn_config, tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    config = gunicorn_config(PROMETHEUS_MULTIPROC_DIR=str(folder))

    config.on_exit(SimpleNamespace(cfg=config))

    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
    assert folder.is_dir()


def record_pool_figures(pid: int, connections: float, requests: float) -> None:
    """Write a pool gauge (livesum, as core/metrics.py declares) and a request counter
    into the metrics folder, as worker ``pid`` does."""
    value = values.MultiProcessValue(lambda: pid)
    gauge = value("gauge", "pool", "pool", (), (), "Open.", multiprocess_mode="livesum")
    counter = value("counter", "served", "served_total", (), (), "Served.")
    gauge.set(connections)
    counter.inc(requests)
    value.close_all_files()


def scrape(folder: Path) -> dict[str, float]:
    """What /metrics adds up from the folder: every process's files."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))
    return {sample.name: sample.value for metric in registry.collect() for sample in metric.samples}


def test_a_worker_s_live_gauges_stop_counting_when_it_exits(gunicorn_config, tmp_path):
    config = gunicorn_config(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    record_pool_figures(4101, connections=3, requests=10)
    record_pool_figures(4102, connections=2, requests=5)
    assert scrape(tmp_path) == {"pool": 5, "served_total": 15}

    # As gunicorn's arbiter does when it reaps a worker: child_exit(arbiter, worker).
    config.child_exit(SimpleNamespace(cfg=config), SimpleNamespace(pid=4101))

    # The exited worker's connections are gone; what it served still counts.
    assert scrape(tmp_path) == {"pool": 2, "served_total": 15}
