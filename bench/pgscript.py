"""Turn the SQL of captured requests into a pgbench script that runs the same SQL.

The endpoint is captured three times: twice on one target (``k1``) and once on another
(``k2``). Literals that are the same in all three stay as they are (the caller's token,
page sizes, a filter's JSON). The others vary per request, and each becomes what
pgbench can compute:

* a target's id (its last 12 digits, see bench.scales): ``:bench_n``, set at random by
  ``\\set`` at the top of the script, as wrk's script picks one;
* a value an earlier statement returned (the session of the interview read just
  before): that statement's column, kept by ``\\aset``;
* a timestamp taken during the request (updated_at, a session's expiry check):
  ``now()``;
* a UUID made during the request (a new row's key, pghistory's context id): a fresh
  random one, from two ``\\set`` random numbers.

Anything else that varies cannot be replayed faithfully, and the builder says so
(``ScriptError``) rather than run something else. Transactions are kept as they were:
BEGIN before the statement that opened one, COMMIT where it ended.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from bench.capture import Capture, Statement
from bench.scales import TAIL_BASE, tail

#: A statement's literals (strings, numbers) among quoted identifiers and the rest. Only
#: the literal groups are replaced; identifiers are matched so their digits are left be.
TOKENS = re.compile(
    r"""(?P<ident>"(?:[^"]|"")*")"""
    r"""|(?P<string>'(?:[^']|'')*')"""
    r"""|(?P<number>(?<![\w$.:])\d+(?:\.\d+)?(?![\w.]))"""
    r"""|(?P<semicolon>;)"""
)
#: Django names savepoints after the thread and a counter: different in every request.
SAVEPOINT = re.compile(r'^"s\d+_x\d+"$')
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:\d\d)?|Z)?$")
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: How far outside the request's own window a timestamp may lie and still be its "now"
#: (clocks of this process and of the server).
CLOCK_SLACK = timedelta(seconds=2)


class ScriptError(Exception):
    """The captured requests cannot be replayed by pgbench as the same SQL."""


@dataclass
class Token:
    kind: str  # "ident", "string", "number" or "semicolon"
    start: int
    end: int
    text: str


@dataclass
class Shape:
    """A statement split into its fixed text and its literals."""

    parts: list[str]  # len(literals) + 1 pieces of fixed text
    literals: list[Token]


def shape_of(sql: str) -> Shape:
    parts, literals, position = [], [], 0
    savepoints: dict[str, str] = {}
    pieces: list[str] = []
    for match in TOKENS.finditer(sql):
        kind = match.lastgroup
        text = match.group()
        if kind == "ident":
            if SAVEPOINT.match(text):
                name = savepoints.setdefault(text, f'"bench_savepoint_{len(savepoints) + 1}"')
                pieces.append(sql[position : match.start()] + name)
                position = match.end()
            continue
        if kind == "semicolon":
            # pgbench ends a command at ";": one statement of several sent together
            # (pghistory's set_config before a write) is separated by "\;" instead.
            pieces.append(sql[position : match.start()] + "\\;")
            position = match.end()
            continue
        pieces.append(sql[position : match.start()])
        parts.append("".join(pieces))
        pieces = []
        literals.append(Token(kind, match.start(), match.end(), text))
        position = match.end()
    pieces.append(sql[position:])
    parts.append("".join(pieces))
    return Shape(parts, literals)


def inner(token: Token) -> str:
    """A literal's value as text: a string unquoted."""
    if token.kind == "string":
        return token.text[1:-1].replace("''", "'")
    return token.text


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def same_value(text: str, value) -> bool:
    """Whether literal ``text`` (unquoted) denotes ``value``, a Python result value."""
    if value is None or isinstance(value, bool | dict | list):
        return False
    if isinstance(value, uuid.UUID):
        return bool(UUID_TEXT.match(text)) and uuid.UUID(text) == value
    if isinstance(value, datetime):
        if not TIMESTAMP.match(text):
            return False
        try:
            return datetime.fromisoformat(text) == value
        except ValueError:
            return False
    if isinstance(value, int | Decimal | float):
        try:
            return Decimal(text) == Decimal(str(value))
        except InvalidOperation:
            return False
    return isinstance(value, str) and text == value


@dataclass
class Script:
    """A pgbench script, and what its variables stand for."""

    #: ``\set`` lines, then the SQL commands in order (BEGIN and COMMIT included), each
    #: with the prefix under which ``\aset`` keeps its result ("": not kept).
    settings: list[str]
    commands: list[tuple[str, str]]
    #: The range ``:bench_n`` is drawn from (k, from 1), or None when no target.
    targets: tuple[int, int] | None
    #: Statements per transaction of the script (as the app ran them).
    statements: int

    @property
    def text(self) -> str:
        lines = list(self.settings)
        for command, prefix in self.commands:
            lines.extend([command, f"\\aset {prefix}"] if prefix else [command + ";"])
        return "\n".join(lines) + "\n"


class Builder:
    def __init__(
        self, captures: list[Capture], *, target_set: int | None, k1: int | None, k2: int | None
    ):
        if len(captures) != 3:
            raise ValueError("three captures: two on k1, one on k2")
        self.captures = captures
        self.k1, self.k2 = k1, k2
        # Ids of the target set's rows (any kind, any child), as hex or dashed text.
        self.target_ids = None
        if target_set is not None:
            self.target_ids = re.compile(
                rf"(be{target_set:02x}[0-9a-f]{{4}}-?0000-?4000-?8000-?)(\d{{12}})"
            )
        self.fresh: dict[str, int] = {}  # a UUID made during the request -> its number
        self.kept: set[int] = set()  # statements whose results \aset keeps

    def build(self, targets: tuple[int, int] | None) -> Script:
        first = self.captures[0]
        for capture in self.captures:
            if capture.status >= 300:
                raise ScriptError(f"the request answered {capture.status}")
            for statement in capture.statements:
                if statement.unsupported:
                    raise ScriptError(f"it runs {statement.unsupported}: {statement.sql[:80]}")
        counts = {len(capture.statements) for capture in self.captures}
        if len(counts) != 1:
            raise ScriptError(f"requests ran different numbers of statements: {sorted(counts)}")
        shapes = [[shape_of(s.sql) for s in capture.statements] for capture in self.captures]
        commands = []
        for index, statement in enumerate(first.statements):
            one, two, three = (shapes[c][index] for c in range(3))
            if not one.parts == two.parts == three.parts:
                raise ScriptError(f"statement {index + 1} differs between requests")
            texts = [
                self.literal(index, position, [one, two, three])
                for position in range(len(one.literals))
            ]
            body = one.parts[0] + "".join(
                text + part for text, part in zip(texts, one.parts[1:], strict=True)
            )
            commands.append((statement, body))
        settings = []
        if targets is not None:
            low, high = targets
            settings.append(f"\\set bench_n {TAIL_BASE} + random({low}, {high})")
        for number in sorted(set(self.fresh.values())):
            settings.append(f"\\set bench_ra{number} random(10000000, 99999999)")
            settings.append(f"\\set bench_rb{number} random(100000000000, 999999999999)")
        script: list[tuple[str, str]] = []
        open_transaction = False
        for index, (statement, body) in enumerate(commands):
            if (open_transaction and not statement.in_transaction) or statement.opens_transaction:
                if open_transaction:
                    script.append(("COMMIT", ""))
                open_transaction = False
            if statement.opens_transaction:
                script.append(("BEGIN", ""))
                open_transaction = True
            script.append((body, self.prefix(index) if index in self.kept else ""))
        if open_transaction:
            script.append(("COMMIT", ""))
        return Script(settings, script, targets, len(commands))

    def literal(self, index: int, position: int, shapes: list[Shape]) -> str:
        """What literal ``position`` of statement ``index`` becomes in the script."""
        tokens = [shape.literals[position] for shape in shapes]
        texts = [token.text for token in tokens]
        first = tokens[0]
        if self.target_ids is not None and self.target_ids.search(first.text):
            # The target's ids (in whatever text holds them): the same in both requests
            # on k1, and the same but for the ids in the request on k2.
            replaced = self.with_variable(first.text, self.k1)
            if texts[1] == texts[0] and self.with_variable(texts[2], self.k2) == replaced:
                return replaced
        if texts[0] == texts[1] == texts[2]:
            return first.text
        values = [inner(token) for token in tokens]
        derived = self.derived(index, values, first.kind)
        if derived is not None:
            return derived
        if first.kind == "string" and all(
            TIMESTAMP.match(value) and self.during(capture, value)
            for capture, value in zip(self.captures, values, strict=True)
        ):
            return "now()"
        if first.kind == "string" and all(UUID_TEXT.match(value) for value in values):
            number = self.fresh.setdefault(str(uuid.UUID(values[0])), len(self.fresh) + 1)
            return quoted(f":bench_ra{number}-0000-4000-8000-:bench_rb{number}")
        statement = self.captures[0].statements[index].sql
        raise ScriptError(
            f"literal {first.text[:60]} of statement {index + 1} varies between requests "
            f"and is not derived from anything pgbench can compute: {statement[:120]}"
        )

    def with_variable(self, text: str, k: int) -> str:
        """``text`` with target ``k``'s ids ending in ``:bench_n`` instead of its digits;
        ids of other targets are left as they are."""
        return self.target_ids.sub(
            lambda match: match[1] + ":bench_n" if match[2] == tail(k) else match[0], text
        )

    def derived(self, index: int, values: list[str], kind: str) -> str | None:
        """``:bench_q<j>_<column>`` when, in every capture, the value is what statement
        ``j`` (before ``index``) returned last in ``column``."""
        for earlier in range(index - 1, -1, -1):
            candidates = self.columns(earlier)
            for column in candidates:
                if all(
                    self.matches(capture.statements[earlier], column, value)
                    for capture, value in zip(self.captures, values, strict=True)
                ):
                    self.kept.add(earlier)
                    variable = f":{self.prefix(earlier)}{column}"
                    return variable if kind == "number" else quoted(variable)
        return None

    @staticmethod
    def prefix(index: int) -> str:
        """The ``\aset`` prefix of statement ``index``'s result: its number."""
        return f"bench_q{index + 1}_"

    def columns(self, index: int) -> list[str]:
        """Columns of statement ``index`` that ``\\aset`` can keep unambiguously: named
        as pgbench variables may be, and each name once (a later one would win)."""
        names = self.captures[0].statements[index].columns
        return [name for name in names if VARIABLE.match(name) and names.count(name) == 1]

    @staticmethod
    def matches(statement: Statement, column: str, value: str) -> bool:
        if statement.last_row is None or column not in statement.columns:
            return False
        return same_value(value, statement.last_row[statement.columns.index(column)])

    @staticmethod
    def during(capture: Capture, value: str) -> bool:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return False
        return capture.started - CLOCK_SLACK <= moment <= capture.finished + CLOCK_SLACK


def build_script(
    captures: list[Capture],
    *,
    target_set: int | None = None,
    k1: int | None = None,
    k2: int | None = None,
    targets: tuple[int, int] | None = None,
) -> Script:
    """The pgbench script of three captures of one endpoint (see the module's docstring):
    twice on target ``k1`` and once on ``k2`` of ``target_set``; ``:bench_n`` is drawn
    from ``targets``."""
    return Builder(captures, target_set=target_set, k1=k1, k2=k2).build(targets)


def render(script: Script, variables: dict[str, object]) -> list[str]:
    """The script's SQL commands with ``variables`` put in, as pgbench sends them."""
    names = sorted(variables, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(f":{name}") for name in names)) if names else None
    rendered = []
    for command, _prefix in script.commands:
        if pattern is not None:
            command = pattern.sub(lambda match: str(variables[match.group()[1:]]), command)
        rendered.append(command.replace("\\;", ";"))
    return rendered
