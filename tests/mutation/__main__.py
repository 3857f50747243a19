"""Mutation testing with mutmut: ``make mutate`` runs ``prepare``, ``run``, ``report``.

``prepare`` migrates a template database once; every run of the suite under a mutant
copies it (see ``django_db_modify_db_settings`` in tests/conftest.py).

``run`` is ``mutmut run`` that also mutates decorated functions (see
``mutate_decorated_functions``).

``report`` lists the surviving mutants. A survivor is either killed by a sharper
test or named in tests/mutation/equivalent.txt with the reason it changes nothing
anyone can observe; any other survivor fails the command.
"""

import fnmatch
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

EQUIVALENT = Path(__file__).with_name("equivalent.txt")
MUTMUT = str(Path(sys.executable).with_name("mutmut"))
#: mutmut's verdicts that mean a test noticed the mutant.
NOTICED = {"killed", "timeout", "segfault", "caught by type check"}
#: Verdicts that mean a mutant ran and nothing failed, or that no test reached it.
UNNOTICED = {"survived", "no tests", "suspicious"}


def prepare() -> None:
    """(Re)create the migrated template database and drop copies left by killed runs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.db import connection

    template = os.environ["TEST_DATABASE_TEMPLATE"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname ~ %s", [f"^{template}_[0-9]+$"]
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.settings_dict.setdefault("TEST", {})["NAME"] = template
    connection.creation.create_test_db(verbosity=1, autoclobber=True, serialize=False)


def mutate_decorated_functions() -> None:
    """Teach mutmut 3 to mutate decorated functions too.

    mutmut leaves every decorated function alone, and here the decorators sit on the
    code that holds the promises: ``@transaction.atomic`` services, ``@action`` API
    endpoints, ``@admin.action`` bulk actions, signal receivers. mutmut replaces each
    mutated function by a trampoline that calls the original or a mutant copy; its
    reason for skipping decorated ones is that the copies would carry the decorators
    too (registering a receiver or a route once per mutant). So: the trampoline keeps
    the decorators, the copies lose them (but for staticmethod and classmethod, which
    mutmut already handles), and the decorator expressions themselves stay unmutated.
    """
    import libcst as cst
    from libcst.metadata import PositionProvider
    from mutmut.mutation import file_mutation

    visitor = file_mutation.MutationVisitor
    skip = visitor._skip_node_and_children

    def skip_all_but_decorated_functions(self, node):
        if isinstance(node, cst.FunctionDef) and node.decorators:
            position = self.get_metadata(PositionProvider, node, None)
            pragma = position is not None and position.start.line in self._ignored_node_lines
            if not (
                pragma
                or node.name.value in file_mutation.NEVER_MUTATE_FUNCTION_NAMES
                or node in self._enum_creation_hooks
            ):
                return False
        return skip(self, node)

    arrange = file_mutation.function_trampoline_arrangement

    def arrange_with_undecorated_copies(function, mutants, class_name):
        declarations, (trampoline, *copies), assignments, names = arrange(
            function, mutants, class_name
        )
        kept = [
            decorator
            for decorator in function.decorators
            if isinstance(decorator.decorator, cst.Name)
            and decorator.decorator.value in ("staticmethod", "classmethod")
        ]
        copies = [copy.with_changes(decorators=kept) for copy in copies]
        return declarations, [trampoline, *copies], assignments, names

    visitor._skip_node_and_children = skip_all_but_decorated_functions
    file_mutation.function_trampoline_arrangement = arrange_with_undecorated_copies


def time_out_only_the_worker_that_ran_late() -> None:
    """Signal a late worker, never a process that later got its pid.

    mutmut keeps each worker's deadline by pid and signals that pid when it passes,
    even if the worker ended long before: after some thousand forks the pid belongs
    to a newer worker, which then reports a timeout it never had. psutil remembers
    which process a pid named (by its start time) and refuses to signal another.
    """
    import contextlib
    import heapq
    import signal
    import threading
    import time

    import psutil
    from mutmut.workers import isolation

    deadlines: list[tuple[float, int, psutil.Process]] = []
    changed = threading.Condition()

    def expire() -> None:
        with changed:
            while True:
                while not deadlines:
                    changed.wait()
                now = time.time()
                while deadlines and deadlines[0][0] <= now:
                    _deadline, _pid, process = heapq.heappop(deadlines)
                    # Refused if it ended in time: the pid may be another process's now.
                    with contextlib.suppress(psutil.NoSuchProcess):
                        process.send_signal(signal.SIGXCPU)
                if deadlines:
                    changed.wait(timeout=max(0.0, deadlines[0][0] - now))

    def register_timeout(pid: int, timeout_s: float) -> None:
        try:
            process = psutil.Process(pid)
        except psutil.NoSuchProcess:
            return  # Already over.
        with changed:
            if not getattr(register_timeout, "started", False):
                threading.Thread(target=expire, daemon=True).start()
                register_timeout.started = True
            heapq.heappush(deadlines, (time.time() + timeout_s, pid, process))
            changed.notify()

    isolation.register_timeout = register_timeout


def run_fastest_tests_first() -> None:
    """Hand each mutant's tests to pytest fastest first.

    pytest stops at the first failure (-x), so a mutant the quick tests catch costs
    seconds, not the minutes of the slowest test that happens to reach it.
    """
    from mutmut.state import state
    from mutmut.workers.isolation import ForkServerRunner

    submit = ForkServerRunner.submit

    def submit_sorted(self, mutant_name, tests, cpu_time_limit, estimated_time):
        durations = state().duration_by_test
        tests = sorted(tests, key=lambda test: (durations.get(test, 0.0), test))
        return submit(self, mutant_name, tests, cpu_time_limit, estimated_time)

    ForkServerRunner.submit = submit_sorted


#: Connects to the configured database and stays until told to go (a line on stdin).
HOLD_DATABASE = """
import sys
import django
django.setup()
from django.db import connection
connection.ensure_connection()
print("holding", flush=True)
sys.stdin.readline()
"""


def run(arguments: list[str]) -> None:
    """``mutmut run <arguments>``, decorated functions included.

    The embedded PostgreSQL stops when the last process using it exits, and mutmut's
    workers leave without signing off: any other process ending (a test run beside
    this one) could then stop it under a worker. A holder process keeps it up for
    the whole run.
    """
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_DATABASE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if holder.stdout.readline().strip() != "holding":
        sys.exit("Could not connect to the database.")
    # This runner was imported as tests.mutation from the checkout; the suite must import
    # its `tests` package from mutants/ (pytest refuses a conftest whose package was
    # imported from elsewhere, as happens when mutmut lists the tests in a fork of this
    # process).
    for name in [name for name in sys.modules if name == "tests" or name.startswith("tests.")]:
        del sys.modules[name]
    try:
        mutate_decorated_functions()
        run_fastest_tests_first()
        time_out_only_the_worker_that_ran_late()
        from mutmut.__main__ import cli

        cli(["run", *arguments])
    finally:
        holder.communicate("\n", timeout=60)


def explained() -> dict[str, str]:
    """Mutant name -> why it is equivalent, from equivalent.txt."""
    reasons = {}
    for number, line in enumerate(EQUIVALENT.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition(" ")
        if not sep or not reason.strip():
            sys.exit(f"{EQUIVALENT.name}:{number}: give a reason after the mutant's name")
        reasons[name] = reason.strip()
    return reasons


def verdicts() -> dict[str, str]:
    """Mutant name -> mutmut's verdict, for every mutant of the last run."""
    listing = subprocess.run(
        [MUTMUT, "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pattern = re.compile(r"^\s+(\S+): (.+)$")
    return {m[1]: m[2] for line in listing.splitlines() if (m := pattern.match(line))}


def report(patterns: list[str]) -> int:
    """Print the figures and every unexplained survivor; 1 if there is any.

    ``patterns`` (as given to ``run``) limit the report to those mutants.
    """
    results = verdicts()
    if patterns:
        results = {
            name: verdict
            for name, verdict in results.items()
            if any(fnmatch.fnmatch(name, pattern) for pattern in patterns)
        }
    reasons = explained()
    counts = Counter(results.values())
    unnoticed = sorted(name for name, verdict in results.items() if verdict in UNNOTICED)
    unexplained = [name for name in unnoticed if name not in reasons]
    stale = sorted(name for name in reasons if name in results and results[name] not in UNNOTICED)
    # A whole run makes every mutant there is: a listed name it did not make is one
    # whose code has moved or changed since (its number or module is not the same).
    gone = [] if patterns else sorted(name for name in reasons if name not in results)
    untested = sorted(
        name for name, verdict in results.items() if verdict not in NOTICED | UNNOTICED
    )

    noticed = sum(counts[verdict] for verdict in NOTICED)
    print(
        f"Mutants: {len(results)}; killed {noticed}; survived {len(unnoticed)} "
        f"({len(unnoticed) - len(unexplained)} explained as equivalent, "
        f"{len(unexplained)} unexplained)."
    )
    print("By verdict: " + ", ".join(f"{v} {n}" for v, n in sorted(counts.items())))
    if untested:
        print(f"{len(untested)} mutants were not tested (an interrupted run?): run again.")
    for name in stale:
        print(f"Listed as equivalent but not surviving (remove it): {name}")
    for name in gone:
        print(f"Listed as equivalent but no such mutant (its code changed; remove it): {name}")
    for name in unexplained:
        diff = subprocess.run(
            [MUTMUT, "show", name],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        print(f"\n=== Unexplained survivor ({results[name]}): {name}\n{diff.strip()}")
    return 1 if unexplained or stale or gone or untested else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "prepare":
        prepare()
    elif command == "run":
        run(sys.argv[2:])
    elif command == "report":
        sys.exit(report(sys.argv[2:]))
    else:
        sys.exit("usage: python -m tests.mutation prepare|run [mutant names]|report [mutant names]")
