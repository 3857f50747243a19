"""How much data each benchmark scale holds, and the ids of the rows the hot paths aim at.

The rows a hot path requests (an interview to read, a live interview to append to, a
candidate to export) belong to *target sets*. Their ids are made from a set number, a
kind of row and a running number ``k``, so that a load generator can name a random one
without asking the database: wrk's Lua script and pgbench's ``\\set`` both compute the
same 12 digits. Every other row has a random UUID, as in production.
"""

from dataclasses import dataclass

#: The last 12 hex digits of a target id: this plus ``k`` (1, 2, …), in decimal, so the
#: digits stay valid hex and always number 12.
TAIL_BASE = 100_000_000_000


class TargetSet:
    """The numbers of the target sets (the second byte of their ids)."""

    #: Completed interviews of exactly ``Scale.transcript`` messages: transcript reads and
    #: the admin's interview page.
    READ = 0x01
    #: Interviews in progress: appends and session writes.
    LIVE = 0x02
    #: Candidates with ``Scale.export_messages`` messages: the subject-access export.
    EXPORT = 0x03
    #: Interviews finished long ago: the retention purge.
    PURGE = 0x04


class Kind:
    """The kinds of row in a target set (the third byte of their ids)."""

    CANDIDATE = 0x01
    RESUME = 0x02
    INTERVIEW = 0x03
    SESSION = 0x04
    ASSESSMENT = 0x05


def target_id(target_set: int, kind: int, k: int, child: int = 0) -> str:
    """The id of row ``k`` (from 1) of ``kind`` in ``target_set``; ``child`` numbers the
    rows of one kind that belong to the same target (an exported candidate's interviews)."""
    if not 1 <= k < 10**11 or not 0 <= child < 256:
        raise ValueError(f"no target id for k={k}, child={child}")
    return f"be{target_set:02x}{kind:02x}{child:02x}-0000-4000-8000-{TAIL_BASE + k}"


def tail(k: int) -> str:
    """The 12 digits every id of target ``k`` ends with."""
    return str(TAIL_BASE + k)


@dataclass(frozen=True)
class Scale:
    name: str
    #: Candidates, and interviews (with a session each) besides the target sets.
    candidates: int
    interviews: int
    #: Fewest and most messages of an ordinary interview that has started.
    messages: tuple[int, int]
    #: Target sets: interviews to read (each of ``transcript`` messages), live interviews
    #: (each starting with ``transcript`` messages), candidates to export (each with
    #: ``export_interviews`` interviews, ``export_messages`` messages in all), interviews
    #: for the purge (``purge_messages`` messages in all).
    read_interviews: int
    live_interviews: int
    export_candidates: int
    export_interviews: int
    export_messages: int
    purge_interviews: int
    purge_messages: int
    #: Rows written by the audit-trigger measurement's bulk insert and update.
    audit_rows: int
    #: Seconds each load runs (wrk, then pgbench), after a warm-up of ``warmup`` seconds.
    duration: int
    warmup: int
    transcript: int = 100

    @property
    def ordinary_messages(self) -> int:
        """Roughly how many messages the ordinary interviews hold."""
        low, high = self.messages
        return int(self.interviews * 0.97 * (low + high) / 2)

    @property
    def total_messages(self) -> int:
        """Roughly how many messages the fill writes (the purge set comes on top)."""
        return (
            self.ordinary_messages
            + (self.read_interviews + self.live_interviews) * self.transcript
            + self.export_candidates * self.export_messages
        )


SCALES = {
    # For the test suite: a handful of rows of every kind.
    "tiny": Scale(
        name="tiny",
        candidates=20,
        interviews=30,
        messages=(2, 6),
        read_interviews=2,
        live_interviews=3,
        export_candidates=1,
        export_interviews=2,
        export_messages=20,
        purge_interviews=2,
        purge_messages=10,
        audit_rows=50,
        duration=2,
        warmup=1,
        transcript=10,
    ),
    # `make bench`: filled in a few minutes on a 2-core machine.
    "small": Scale(
        name="small",
        candidates=5_000,
        interviews=15_000,
        messages=(4, 16),
        read_interviews=200,
        live_interviews=200,
        export_candidates=2,
        export_interviews=20,
        export_messages=10_000,
        purge_interviews=500,
        purge_messages=50_000,
        audit_rows=5_000,
        duration=10,
        warmup=2,
    ),
    # `make bench SCALE=large`: millions of messages (3M+), 300k assessments.
    "large": Scale(
        name="large",
        candidates=100_000,
        interviews=310_000,
        messages=(4, 14),
        read_interviews=2_000,
        live_interviews=2_000,
        export_candidates=4,
        export_interviews=20,
        export_messages=10_000,
        purge_interviews=10_000,
        purge_messages=1_000_000,
        audit_rows=100_000,
        duration=30,
        warmup=5,
    ),
}
