"""The benchmark's pgbench scripts run the SQL the endpoint runs."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from bench.capture import Capture, Statement, capture
from bench.database import Server
from bench.load import run_pgbench
from bench.paths import answer
from bench.pgscript import ScriptError, build_script, render
from bench.scales import Kind, TargetSet, tail, target_id
from interviews.models import InterviewMessage

UUID = "[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"
TIMESTAMP = r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00:00'"


def as_pattern(command: str) -> re.Pattern:
    """A rendered command as a pattern of the SQL it stands for: what pgbench makes
    anew for each transaction (a UUID, the time) may be anything of its kind."""
    pieces = re.split(r"(':bench_ra\d+-0000-4000-8000-:bench_rb\d+'|now\(\))", command)
    pattern = "".join(
        TIMESTAMP if piece == "now()" else f"'{UUID}'" if ":bench_ra" in piece else re.escape(piece)
        for piece in pieces
    )
    return re.compile(pattern)


def captured(client, method, path, body=None):
    if body is None:
        return capture(lambda: client.generic(method, path))
    return capture(lambda: client.generic(method, path, body, content_type="application/json"))


def three_captures(client, method, template, target, body=None):
    """Two requests on target 1, one on target 2, as the benchmark captures them."""
    return [
        captured(client, method, template.format(id=target_id(*target, k)), body) for k in (1, 1, 2)
    ]


def test_a_read_script_is_the_captured_sql_with_the_target_drawn_at_random(tiny, engine_token):
    client = Client(HTTP_AUTHORIZATION=f"Token {engine_token}")
    read = (TargetSet.READ, Kind.INTERVIEW)
    captures = three_captures(client, "GET", "/api/v1/interviews/{id}/messages/", read)
    assert captures[0].status == 200

    script = build_script(captures, target_set=TargetSet.READ, k1=1, k2=2, targets=(1, 2))

    assert script.settings[0] == "\\set bench_n 100000000000 + random(1, 2)"
    commands = render(script, {"bench_n": tail(1)})
    assert len(commands) == len(captures[0].statements)
    for command, statement in zip(commands, captures[0].statements, strict=True):
        assert as_pattern(command).fullmatch(statement.sql), (command, statement.sql)
    # The other target's request is the same script with the other number drawn.
    for command, statement in zip(
        render(script, {"bench_n": tail(2)}), captures[2].statements, strict=True
    ):
        assert as_pattern(command).fullmatch(statement.sql)


def database_server() -> tuple[Server, str]:
    params = connection.get_connection_params()
    server = Server(
        host=str(params.get("host") or "localhost"),
        port=int(params.get("port") or 5432),
        user=params.get("user") or "postgres",
        password=params.get("password") or "",
    )
    return server, params["dbname"]


@pytest.mark.slow
def test_an_append_script_keeps_the_transaction_and_numbers_messages_like_the_app(
    committed_tiny, engine_token, tmp_path
):
    client = Client(HTTP_AUTHORIZATION=f"Token {engine_token}")
    live = (TargetSet.LIVE, Kind.INTERVIEW)
    captures = three_captures(client, "POST", "/api/v1/interviews/{id}/messages/", live, answer())
    assert [c.status for c in captures] == [201, 201, 201]

    script = build_script(captures, target_set=TargetSet.LIVE, k1=1, k2=2, targets=(1, 3))

    commands = [command for command, _ in script.commands]
    opened = next(i for i, s in enumerate(captures[0].statements) if s.opens_transaction)
    # BEGIN before the statement that opened the service's transaction, COMMIT at its end.
    assert commands[opened] == "BEGIN"
    assert commands[-1] == "COMMIT"
    assert commands.count("BEGIN") == commands.count("COMMIT") == 1
    insert = next(c for c in commands if "INSERT INTO" in c)
    # The number is the database's, as in the app: the insert names none.
    assert re.search(r"'::uuid, DEFAULT, 'candidate_response'", insert), insert

    path = tmp_path / "append.sql"
    path.write_text(script.text)
    server, dbname = database_server()
    messages = InterviewMessage.objects.filter(
        interview__pk__in=[target_id(*live, k) for k in (1, 2, 3)]
    )
    before = messages.count()
    run_pgbench(server, dbname, path, transactions=3, clients=2)

    # Each of the 6 transactions appended one message, numbered next in its transcript.
    assert messages.count() == before + 3 * 2
    by_interview: dict = {}
    for interview, number in messages.values_list("interview_id", "sequence_number"):
        by_interview.setdefault(interview, []).append(number)
    for numbers in by_interview.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def synthetic(*texts: str) -> Capture:
    moment = datetime.now(UTC)
    statements = [
        Statement(sql=text, opens_transaction=False, in_transaction=False) for text in texts
    ]
    return Capture(statements, 200, b"", moment, moment)


def test_a_literal_that_varies_and_comes_from_nothing_pgbench_knows_is_refused():
    captures = [
        synthetic("SELECT 1 FROM t WHERE name = 'one'"),
        synthetic("SELECT 1 FROM t WHERE name = 'two'"),
        synthetic("SELECT 1 FROM t WHERE name = 'three'"),
    ]
    with pytest.raises(ScriptError, match="varies between requests"):
        build_script(captures)


def test_requests_that_run_different_statements_are_refused():
    captures = [synthetic("SELECT 1"), synthetic("SELECT 1"), synthetic("SELECT 1", "SELECT 2")]
    with pytest.raises(ScriptError, match="different numbers of statements"):
        build_script(captures)


def test_a_value_an_earlier_statement_returned_is_kept_by_aset():
    first = synthetic("SELECT id FROM t", "UPDATE u SET x = 1 WHERE t_id = 7")
    second = synthetic("SELECT id FROM t", "UPDATE u SET x = 1 WHERE t_id = 9")
    third = synthetic("SELECT id FROM t", "UPDATE u SET x = 1 WHERE t_id = 4")
    for result, value in ((first, 7), (second, 9), (third, 4)):
        result.statements[0].columns = ["id"]
        result.statements[0].last_row = (value,)

    script = build_script([first, second, third])

    assert script.commands == [
        ("SELECT id FROM t", "bench_q1_"),
        ("UPDATE u SET x = 1 WHERE t_id = :bench_q1_id", ""),
    ]
