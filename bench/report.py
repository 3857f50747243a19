"""The benchmark's results: a table on the terminal, a JSON file in bench/results/."""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def figure(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def rate(value) -> str:
    """A rate per second: a decimal when it is small enough to need one."""
    return figure(value, 1 if value is not None and value < 10 else 0)


def path_table(paths: list[dict]) -> str:
    header = (
        "| hot path (8 clients) | req/s | p50 ms | p99 ms | queries/req "
        "| pgbench tps, same SQL | app / pgbench |"
    )
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|"]
    for row in paths:
        ratio = row.get("ratio")
        lines.append(
            f"| {row['label']} | {rate(row.get('requests_per_s'))} "
            f"| {figure(row.get('p50_ms'), 1)} | {figure(row.get('p99_ms'), 1)} "
            f"| {figure(row.get('queries'))} | {rate(row.get('pgbench_tps'))} "
            f"| {'-' if ratio is None else f'{ratio:.0%}'} |"
        )
    return "\n".join(lines)


def notes(paths: list[dict]) -> str:
    lines = []
    for row in paths:
        for note in row.get("notes", []):
            lines.append(f"* {row['label']}: {note}")
    return "\n".join(lines)


def audit_table(audit: list[dict]) -> str:
    lines = [
        "| audited write | with audit triggers | without | ratio |",
        "|---|---:|---:|---:|",
    ]
    for row in audit:
        lines.append(
            f"| {row['write']} | {row['with']} | {row['without']} "
            f"| {figure(row.get('ratio'), 2)}x |"
        )
    return "\n".join(lines)


def purge_table(purge: dict) -> str:
    if not purge:
        return ""
    lines = [
        "| retention purge | rows | seconds | rows/s | queries |",
        "|---|---:|---:|---:|---:|",
        f"| manage.py purge_expired ({purge['interviews']:,} interviews) "
        f"| {purge['rows']:,} | {purge['seconds']:.1f} | {figure(purge['rows_per_s'])} "
        f"| {purge['queries']:,} |",
    ]
    if purge.get("floor_rows_per_s"):
        lines.append(
            f"| one UPDATE of the same messages (the SQL floor) | {purge['messages']:,} "
            f"| {purge['floor_seconds']:.1f} | {figure(purge['floor_rows_per_s'])} | 1 |"
        )
    return "\n".join(lines)


def render(result: dict) -> str:
    machine = result["machine"]
    parts = [
        f"Scale {result['scale']}, {result['date']}; {machine['cpus']} CPUs (load average "
        f"{machine['load_average'][0]} at the start), {machine['postgres']} "
        f"({machine['server']}); gunicorn {machine['workers']} workers x {machine['threads']} "
        f"threads, pool of {machine['pool']} per worker; {result['load']['clients']} clients, "
        f"{result['load']['seconds']} s per load.",
        "",
        path_table(result["paths"]),
    ]
    if any(row.get("notes") for row in result["paths"]):
        parts += ["", notes(result["paths"])]
    if result.get("purge"):
        parts += ["", purge_table(result["purge"])]
    if result.get("audit"):
        parts += ["", audit_table(result["audit"])]
    return "\n".join(parts)


def save(result: dict) -> Path:
    """Write ``result`` into bench/results/<date>.json, beside other scales' of that day."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{result['date']}.json"
    runs = {}
    if path.exists():
        try:
            runs = json.loads(path.read_text())
        except ValueError:
            runs = {}
    runs[result["scale"]] = result
    path.write_text(json.dumps(runs, indent=2, ensure_ascii=False) + "\n")
    return path
