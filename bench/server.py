"""The app as production serves it: gunicorn with the committed gunicorn.conf.py."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench.database import BASE_DIR

HOST = "localhost"
#: What the TLS-terminating proxy in front of production adds (USE_X_FORWARDED_PROTO).
PROXY_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https"}
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """gunicorn, started as `make serve` starts it, in a process group of its own."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        # Its log lines (an access line per request, as in production) go to files: a pipe
        # nobody reads would stall the workers.
        self.stdout = tempfile.TemporaryFile()  # noqa: SIM115 - open while gunicorn runs
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn"],
            cwd=BASE_DIR,
            env={**env, "HOST": "127.0.0.1", "PORT": str(self.port)},
            stdout=self.stdout,
            stderr=self.stderr,
            start_new_session=True,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.errors()}")
            try:
                status, _, _ = self.request("GET", "/healthz")
            except OSError:
                status = 0
            if status == 200:
                return
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer in {START_TIMEOUT} s:\n{self.errors()}")

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-4000:]

    def request(self, method: str, path: str, headers=None, body: bytes | None = None):
        """Send one request; return its status, headers and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(
                method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})}
            )
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def admin_session(self, username: str, password: str) -> str:
        """Log in through the admin's login form, as a browser does; return the Cookie
        header that carries the session."""
        status, headers, body = self.request("GET", "/admin/login/")
        cookies = SimpleCookie()
        for value in headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        csrf = cookies["csrftoken"].value
        marker = b'name="csrfmiddlewaretoken" value="'
        start = body.index(marker) + len(marker)
        form_token = body[start : body.index(b'"', start)].decode()
        status, headers, body = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}/admin/login/",
            },
            body=urlencode(
                {
                    "username": username,
                    "password": password,
                    "csrfmiddlewaretoken": form_token,
                    "next": "/admin/",
                }
            ).encode(),
        )
        for value in headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        if status != 302 or "sessionid" not in cookies:
            raise RuntimeError(f"the admin login answered {status}: {body[:500]!r}")
        return f"sessionid={cookies['sessionid'].value}; csrftoken={cookies['csrftoken'].value}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.stdout.close()
        self.stderr.close()
