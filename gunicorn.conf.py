"""gunicorn's configuration: `make serve`, or `gunicorn` run from this folder.

Every value can be overridden on gunicorn's command line; the figures an operator
tunes come from the environment (and .env, as the settings read it): WEB_CONCURRENCY
worker processes, WEB_THREADS threads each, PORT. README, "Deploy to production",
explains how they meet the database's connection limit.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# The project is imported from here whichever directory gunicorn was started in
# (`gunicorn -c /srv/portal/gunicorn.conf.py`): this file's imports, and the workers.
sys.path.insert(0, str(BASE_DIR))
chdir = str(BASE_DIR)

from ops import serving  # noqa: E402 - needs the project on the path, set just above

serving.read_dotenv(BASE_DIR)

wsgi_app = "config.wsgi:application"
_host = os.environ.get("HOST", "0.0.0.0")
_port = os.environ.get("PORT", "8000")
bind = [f"{_host}:{_port}"]

# Threads let a process overlap requests that wait on PostgreSQL; processes use the
# CPUs. Each thread holds at most one pooled connection (config/settings.py).
worker_class = "gthread"
workers = serving.workers()
threads = serving.threads()

# A request still running after 30 s is abandoned and its worker replaced; the pool's
# wait (DB_POOL_TIMEOUT, 10 s) and the statement timeout answer well before that.
timeout = 30
# On SIGTERM (a deploy), requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# Workers are replaced after about this many requests, at staggered times, so that
# slow memory growth never accumulates and they never all restart at once.
max_requests = 1000
max_requests_jitter = 100

# No control socket: one fixed path per user would be shared by every gunicorn on the
# machine, and workers are managed by signals and WEB_CONCURRENCY instead.
control_socket_disable = True

# Request bodies are capped by Django (DATA_UPLOAD_MAX_MEMORY_SIZE); these bound the
# request line and headers before Django sees them.
limit_request_line = 8190
limit_request_fields = 100

# Logs: one JSON object per line on stdout (access) and stderr (everything else).
accesslog = "-"
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logs.JSONFormatter"},
        "access": {"()": "core.logs.GunicornAccessFormatter"},
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
}

# Prometheus metrics are kept in files shared by the workers, so that /metrics adds
# up every process, whichever one answers the scrape. A fresh folder per start: old
# files would count workers that no longer exist.
# The folder made here is removed when gunicorn stops; an operator's is left alone.
_made_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _made_metrics_dir = tempfile.mkdtemp(prefix="portal-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _made_metrics_dir


def on_starting(server):
    """Refuse to serve what the system checks reject (ops/checks.py, check --deploy).

    In a separate process, so that the master opens no database connection that its
    workers would inherit; told the worker and thread counts gunicorn really uses.
    """
    env = {
        **os.environ,
        "WEB_CONCURRENCY": str(server.cfg.workers),
        "WEB_THREADS": str(server.cfg.threads),
    }
    check = [sys.executable, "manage.py", "check", "--deploy", "--database", "default"]
    result = subprocess.run(
        check, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    # Its report (on stderr: errors and warnings; a clean run's "no issues" is left out)
    # becomes one line of gunicorn's log, JSON as every other.
    report = result.stderr.strip()
    if result.returncode:
        server.log.error("The system checks refused this configuration; not serving.\n%s", report)
        sys.exit(result.returncode)
    if report:
        server.log.warning("%s", report)


def on_exit(server):
    """The metrics folder made for this start goes with it."""
    if _made_metrics_dir:
        shutil.rmtree(_made_metrics_dir, ignore_errors=True)


def child_exit(server, worker):
    """A worker's metrics stop counting as live when it exits."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
