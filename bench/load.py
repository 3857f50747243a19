"""The two loads of every hot path: wrk against the served app, pgbench against the
database, at the same concurrency."""

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.database import Server, client_program
from bench.scales import TAIL_BASE

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk" / "hot_path.lua"
#: Clients at once, for both loads; threads of the load generators (one per core).
CLIENTS = 8
THREADS = 2


@dataclass
class Request:
    """One hot path's request, as wrk sends it."""

    method: str
    #: The path; "{n}" stands for the last 12 digits of a random target's id.
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    #: The targets' numbers (k) to draw from, or None.
    targets: tuple[int, int] | None = None


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, request: Request, seconds: int) -> WrkResult:
    """Load ``request`` from CLIENTS connections for ``seconds``."""
    with tempfile.NamedTemporaryFile(suffix=".body") as body_file:
        if request.body is not None:
            body_file.write(request.body)
            body_file.flush()
        first, last = request.targets or (0, 0)
        env = {
            **os.environ,
            "BENCH_METHOD": request.method,
            "BENCH_PATH": request.path,
            "BENCH_TAIL_BASE": str(TAIL_BASE),
            "BENCH_FIRST": str(first),
            "BENCH_LAST": str(last),
            "BENCH_HEADERS": "\n".join(
                f"{name}: {value}" for name, value in request.headers.items()
            ),
            "BENCH_BODY_FILE": body_file.name if request.body is not None else "",
        }
        command = [
            "wrk", f"-t{THREADS}", f"-c{CLIENTS}", f"-d{seconds}s", "--latency",
            # Exports take seconds each; wrk's default (2 s) would count them as failures.
            "--timeout", "60s", "-s", str(LUA_SCRIPT), base_url,
        ]  # fmt: skip
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    line = next(
        (line for line in result.stdout.splitlines() if line.startswith("BENCH_RESULT ")), None
    )
    if result.returncode or line is None:
        raise RuntimeError(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line.removeprefix("BENCH_RESULT "))
    return WrkResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=sum(figures["errors"].values()),
    )


@dataclass
class PgbenchResult:
    tps: float
    latency_ms: float
    failed: int


def run_pgbench(
    server: Server,
    dbname: str,
    script: Path,
    seconds: int | None = None,
    *,
    transactions: int = 1,
    clients: int = CLIENTS,
) -> PgbenchResult:
    """Run ``script`` from ``clients`` connections for ``seconds`` (or ``transactions``
    times each). The simple query protocol: the app's client-side binding sends the
    same text the same way."""
    args, env = server.client_args(dbname)
    duration = ["-T", str(seconds)] if seconds else ["-t", str(transactions)]
    command = [
        client_program("pgbench"), "--no-vacuum", "--protocol=simple",
        f"--client={clients}", f"--jobs={min(THREADS, clients)}", *duration,
        f"--file={script}", *args,
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    if result.returncode:
        errors = [line for line in output.splitlines() if "error" in line.lower()]
        raise RuntimeError("pgbench failed: " + ("\n".join(errors[:3]) or output[-2000:]))
    tps = re.search(r"^tps = ([\d.]+)", output, re.MULTILINE)
    latency = re.search(r"^latency average = ([\d.]+) ms", output, re.MULTILINE)
    failed = re.search(r"^number of failed transactions: (\d+)", output, re.MULTILINE)
    if tps is None:
        raise RuntimeError(f"pgbench printed no tps:\n{output[-2000:]}")
    return PgbenchResult(
        tps=float(tps.group(1)),
        latency_ms=float(latency.group(1)) if latency else 0.0,
        failed=int(failed.group(1)) if failed else 0,
    )
