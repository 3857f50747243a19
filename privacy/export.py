"""Subject access (GDPR articles 15 and 20): everything held about a candidate, as one
JSON document, written piece by piece.

The document (``CandidateExport`` below describes every key; the OpenAPI document
publishes it)::

    {"format": "candidates-portal-export", "version": 1, "generated_at": "…",
     "personal_data": {"retention_days": …, "records": […]},
     "candidate": {…}, "login": {…} or null, "resumes": […],
     "interviews": [{…, "session": {…} or null, "messages": […],
                     "agent_actions": […], "assessments": […]}, …],
     "agent_actions": […], "history": […]}

``personal_data`` says, table by table, what the models declare personal
(core.personal): what erasure replaces, what the retention purge replaces and after
how many days, what stays and why.

Rows appear as the API renders them, with every field: soft-deleted rows and their
deletion record too, since they are still held (and the reason staff gave for a
deletion is personal data about the candidate, core.personal.DELETION_REASON). So
the document is the same whoever asks for it. Values that erasure or the retention
purge replaced appear as what replaced them: the export reads the tables, and the
old values are gone from them and from the history.

Transcripts, the AI's documents and the audit history grow without bound, so they are
read in pages (keyset pagination: each query starts after the last row read) and
written out as they are read. Memory stays flat whatever the size; a page is one
query, so queries grow by one per page, never per interview or per row; and nothing
stays open on the database while the client reads (no server-side cursor, no
transaction), so a client that stops reading midway leaves nothing behind.
"""

import json
from collections.abc import Iterable, Iterator
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework import serializers

from assessments.models import AssessmentResult
from assessments.serializers import AssessmentResultSerializer
from candidates.models import Candidate, Resume
from candidates.serializers import CandidateSerializer, ResumeSerializer
from core.json import ExactJSONEncoder
from core.personal import declared
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession
from interviews.serializers import (
    AgentActionSerializer,
    InterviewMessageSerializer,
    InterviewSerializer,
    InterviewSessionSerializer,
)

FORMAT = "candidates-portal-export"
#: Raised when a key changes meaning or goes; a new key does not raise it.
VERSION = 1

#: Rows read per query. Sessions and agent actions carry the AI's documents (a working
#: memory can weigh hundreds of KB), so fewer of them at a time.
PAGE_SIZE = {
    "resumes": 100,
    "sessions": 10,
    "messages": 500,
    "agent_actions": 100,
    "assessments": 100,
    "history": 500,
}
#: Bytes gathered before they go to the client: a few large writes, not one per row.
CHUNK_SIZE = 64 * 1024

#: Who made a recorded change (``by`` in the history): the candidate's own login, a
#: staff login, another login (the interview engine's service account), a login that no
#: longer exists, or no login at all (plain SQL, a management command). Logins are not
#: named: the people who handled a candidate's data are not the candidate's data.
ACTORS = ("candidate", "staff", "service", "former login", "system")
EVENTS = ("insert", "update", "delete")
#: The audited models, in the order the history lists their changes.
AUDITED = (Candidate, Interview, InterviewSession, AssessmentResult)
#: The models the document holds rows of, in its order.
EXPORTED = (
    Candidate,
    Resume,
    Interview,
    InterviewSession,
    InterviewMessage,
    AgentAction,
    AssessmentResult,
)


# --- The rows, as the API renders them --------------------------------------------------


class _EveryField:
    """Every field, the deletion record included (see the module's docstring)."""

    staff_only_fields = ()


class CandidateRecord(_EveryField, CandidateSerializer):
    pass


class ResumeRecord(_EveryField, ResumeSerializer):
    pass


class InterviewRecord(_EveryField, InterviewSerializer):
    pass


class SessionRecord(InterviewSessionSerializer):
    pass


class MessageRecord(InterviewMessageSerializer):
    pass


class AgentActionRecord(AgentActionSerializer):
    pass


class AssessmentRecord(_EveryField, AssessmentResultSerializer):
    pass


class TokenRecord(serializers.ModelSerializer):
    """An API token of the login: when it was issued and until when it works."""

    class Meta:
        model = AuthToken
        fields = ["created", "expiry"]


class LoginRecord(serializers.ModelSerializer):
    """The candidate's login: who it is and when it was used; never its password."""

    api_tokens = TokenRecord(many=True, source="auth_token_set")

    class Meta:
        model = get_user_model()
        fields = [
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "date_joined",
            "last_login",
            "api_tokens",
        ]


# --- The document's description (OpenAPI); test_export checks it against the document --


class InterviewEntry(InterviewRecord):
    """An interview and everything that hangs on it."""

    session = SessionRecord(allow_null=True, help_text="The AI's working state.")
    messages = MessageRecord(many=True, help_text="The transcript, in sequence_number order.")
    agent_actions = AgentActionRecord(many=True, help_text="What the AI did in this interview.")
    assessments = AssessmentRecord(
        many=True, help_text="The AI's scores and their human review (deleted ones too)."
    )

    class Meta(InterviewRecord.Meta):
        fields = [
            *InterviewRecord.Meta.fields,
            "session",
            "messages",
            "agent_actions",
            "assessments",
        ]


class HistoryEntry(serializers.Serializer):
    """One recorded change of the candidate's records (the audit trail)."""

    table = serializers.ChoiceField(choices=[model._meta.db_table for model in AUDITED])
    object_id = serializers.UUIDField()
    event = serializers.ChoiceField(choices=EVENTS)
    at = serializers.DateTimeField()
    by = serializers.ChoiceField(choices=ACTORS, help_text="Who made the change (a kind, no name).")
    values = serializers.DictField(help_text="The recorded fields as they were after the change.")


class PersonalDataRecord(serializers.Serializer):
    """What one table holds that is personal, and what becomes of it (its model's
    declaration, core.personal)."""

    table = serializers.ChoiceField(choices=[model._meta.db_table for model in EXPORTED])
    kinds = serializers.ListField(
        child=serializers.CharField(), help_text="The kinds of personal data it holds."
    )
    erased = serializers.ListField(
        child=serializers.CharField(), help_text="The fields erasure replaces, on request."
    )
    expires = serializers.ListField(
        child=serializers.CharField(),
        help_text="The fields the retention purge replaces once the interview is that old.",
    )
    kept = serializers.DictField(
        child=serializers.CharField(), help_text="Field -> why erasure and retention keep it."
    )


class PersonalDataSection(serializers.Serializer):
    retention_days = serializers.IntegerField(
        allow_null=True,
        help_text="Days after an interview ends before its transcript expires (null: kept).",
    )
    records = PersonalDataRecord(many=True)


class CandidateExport(serializers.Serializer):
    """Everything held about one candidate (subject access)."""

    format = serializers.ChoiceField(choices=[FORMAT])
    version = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    personal_data = PersonalDataSection()
    candidate = CandidateRecord()
    login = LoginRecord(allow_null=True)
    resumes = ResumeRecord(many=True)
    interviews = InterviewEntry(many=True, help_text="Oldest first.")
    agent_actions = AgentActionRecord(
        many=True, help_text="What the AI did about the candidate outside their interviews."
    )
    history = HistoryEntry(many=True, help_text="Table by table, oldest change first.")


# --- Writing it -------------------------------------------------------------------------


def filename(candidate: Candidate) -> str:
    return f"candidate-{candidate.pk}.json"


def response(candidate: Candidate) -> StreamingHttpResponse:
    """The candidate's export as a file download, streamed as it is written."""
    streamed = StreamingHttpResponse(_chunks(document(candidate)), content_type="application/json")
    streamed["Content-Disposition"] = f'attachment; filename="{filename(candidate)}"'
    # Personal data: no browser or proxy keeps a copy.
    streamed["Cache-Control"] = "no-store"
    return streamed


def document(candidate: Candidate) -> Iterator[str]:
    """Yield the JSON text of everything held about ``candidate``, piece by piece."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": timezone.now(),
        "personal_data": personal_data(),
        "candidate": CandidateRecord().to_representation(candidate),
    }
    yield _open(head)
    yield ',"login":' + _json(_login(candidate))
    yield ',"resumes":'
    resumes = Resume.all_objects.filter(candidate=candidate)
    yield from _array(ResumeRecord(), _pages(resumes, ("created_at", "pk"), "resumes"))
    # A candidate has few interviews, and their rows are small: read at once, they name
    # the rows below, which are read in pages.
    interviews = list(
        Interview.all_objects.filter(candidate=candidate).order_by("created_at", "pk")
    )
    ids = [interview.pk for interview in interviews]
    yield ',"interviews":'
    yield from _interviews(interviews, ids)
    # The AI's actions about the candidate that belong to none of their interviews.
    actions = AgentAction.objects.filter(candidate=candidate).exclude(interview_id__in=ids)
    yield ',"agent_actions":'
    yield from _array(AgentActionRecord(), _pages(actions, ("created_at", "pk"), "agent_actions"))
    yield ',"history":'
    yield from _history(candidate, ids)
    yield "}"


def personal_data() -> dict:
    """What the models declare personal, and what becomes of it (GDPR article 15(1):
    the kinds of data, how long they are kept, the right to erasure)."""
    records = []
    for model in EXPORTED:
        declaration = declared(model)
        erased = (name for personal in declaration.erasure for name in personal.erased)
        records.append(
            {
                "table": model._meta.db_table,
                "kinds": [personal.description for personal in declaration.erasure],
                "erased": list(dict.fromkeys(erased)),
                "expires": list(declaration.expiry),
                "kept": dict(declaration.kept),
            }
        )
    return {"retention_days": settings.TRANSCRIPT_RETENTION_DAYS, "records": records}


def _login(candidate: Candidate) -> dict | None:
    if candidate.user_id is None:
        return None
    tokens = Prefetch("auth_token_set", queryset=AuthToken.objects.order_by("created", "digest"))
    login = get_user_model().objects.prefetch_related(tokens).get(pk=candidate.user_id)
    return LoginRecord(login).data


def _interviews(interviews: list[Interview], ids: list) -> Iterator[str]:
    """Each interview with its session, transcript, agent actions and assessments.

    Each kind of row is one stream over every interview, in the interviews' order (so
    a kind costs the same queries for one interview as for fifty); the streams are
    handed out interview by interview.
    """
    in_order = ("interview_created_at", "interview_id")

    def rows(queryset, keys, kind):
        queryset = queryset.filter(interview_id__in=ids)
        queryset = queryset.annotate(interview_created_at=F("interview__created_at"))
        return _ByInterview(_pages(queryset, (*in_order, *keys), kind))

    sessions = rows(InterviewSession.objects, (), "sessions")
    messages = rows(InterviewMessage.objects, ("sequence_number",), "messages")
    actions = rows(AgentAction.objects, ("created_at", "pk"), "agent_actions")
    assessments = rows(AssessmentResult.all_objects, ("created_at", "pk"), "assessments")
    interview_record, session_record = InterviewRecord(), SessionRecord()
    message_record, action_record = MessageRecord(), AgentActionRecord()
    assessment_record = AssessmentRecord()
    yield "["
    for index, interview in enumerate(interviews):
        session = next(sessions.of(interview), None)
        yield (
            ("," if index else "")
            + _open(interview_record.to_representation(interview))
            + ',"session":'
            + _json(None if session is None else session_record.to_representation(session))
            + ',"messages":'
        )
        yield from _array(message_record, messages.of(interview))
        yield ',"agent_actions":'
        yield from _array(action_record, actions.of(interview))
        yield ',"assessments":'
        yield from _array(assessment_record, assessments.of(interview))
        yield "}"
    yield "]"


def _history(candidate: Candidate, interview_ids: list) -> Iterator[str]:
    """The audit trail of the candidate's records: theirs, their interviews', their
    interviews' sessions' and assessments'.

    Their interviews are those they have, and those the history records as theirs:
    an interview since deleted for good (or moved to another candidate) leaves its
    history, and that history still holds what it held.
    """
    recorded = Interview.pgh_event_model.objects.filter(candidate_id=candidate.pk)
    of_their_interviews = Q(interview_id__in=interview_ids) | Q(
        interview_id__in=recorded.values("pgh_obj_id")
    )
    sources = {
        Candidate: Q(pgh_obj_id=candidate.pk),
        Interview: Q(pgh_obj_id__in=interview_ids) | Q(candidate_id=candidate.pk),
        InterviewSession: of_their_interviews,
        AssessmentResult: of_their_interviews,
    }
    # The application login behind each change (pghistory's request context) and
    # whether it is staff's, read with the events rather than per event.
    acting_user = Cast(KeyTextTransform("user", "pgh_context__metadata"), IntegerField())
    logins = get_user_model().objects.filter(pk=OuterRef("acting_user"))
    entries = (
        _history_entry(event, candidate)
        for model in AUDITED
        for event in _pages(
            model.pgh_event_model.objects.filter(sources[model]).annotate(
                acting_user=acting_user,
                acting_staff=Subquery(logins.values("is_staff")[:1]),
            ),
            ("pgh_id",),
            "history",
        )
    )
    yield "["
    for index, entry in enumerate(entries):
        yield ("," if index else "") + _json(entry)
    yield "]"


def _history_entry(event, candidate: Candidate) -> dict:
    model = event.pgh_tracked_model
    return {
        "table": model._meta.db_table,
        "object_id": event.pgh_obj_id,
        "event": event.pgh_label,
        "at": event.pgh_created_at,
        "by": _actor(event, candidate),
        "values": {
            field.name: getattr(event, field.attname)
            for field in event._meta.concrete_fields
            if not field.name.startswith("pgh_") and field.name != "id"
        },
    }


def _actor(event, candidate: Candidate) -> str:
    if event.acting_user is None:
        return "system"
    if event.acting_user == candidate.user_id:
        return "candidate"
    if event.acting_staff is None:
        return "former login"
    return "staff" if event.acting_staff else "service"


class _ByInterview:
    """A stream of rows in the interviews' order, handed out one interview at a time."""

    def __init__(self, rows: Iterator):
        self._rows = rows
        self._next = None
        self._started = False

    def of(self, interview: Interview) -> Iterator:
        """The rows of ``interview``: those at the head of the stream that name it."""
        if not self._started:  # The first query waits until the first interview asks.
            self._next, self._started = next(self._rows, None), True
        while self._next is not None and self._next.interview_id == interview.pk:
            # Step past the row before handing it out: a caller that takes only the
            # first (an interview's one session) leaves the stream at the next.
            row, self._next = self._next, next(self._rows, None)
            yield row


def _pages(queryset, keys: tuple[str, ...], kind: str) -> Iterator:
    """Yield every row of ``queryset`` in ``keys`` order, a page per query.

    The keys end with a unique one, so every row has its place; each page starts after
    the last row of the one before. One row more than a page is read, to know whether
    another page follows without asking for it.
    """
    size = PAGE_SIZE[kind]
    queryset = queryset.order_by(*keys)
    after = Q()
    while True:
        rows = list(queryset.filter(after)[: size + 1])
        yield from rows[:size]
        if len(rows) <= size:
            return
        last = rows[size - 1]
        after = _after(keys, [getattr(last, key) for key in keys])


def _after(keys: tuple[str, ...], values: list) -> Q:
    """Rows that come after ``values`` in ``keys`` order: (a, b) > (x, y)."""
    return reduce(
        or_,
        (
            Q(**dict(zip(keys[:position], values[:position], strict=True)))
            & Q(**{f"{key}__gt": values[position]})
            for position, key in enumerate(keys)
        ),
    )


def _array(record: serializers.Serializer, rows: Iterable) -> Iterator[str]:
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + _json(record.to_representation(row))
    yield "]"


def _json(value) -> str:
    """JSON text as the API writes it (compact, UTF-8, exact datetimes and decimals)."""
    return json.dumps(value, cls=ExactJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _open(value: dict) -> str:
    """A JSON object's text, left open for more keys."""
    return _json(value).removesuffix("}")


def _chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    """The pieces as UTF-8, gathered into chunks of about CHUNK_SIZE bytes."""
    buffer, length = [], 0
    for piece in pieces:
        if length >= CHUNK_SIZE:
            yield b"".join(buffer)
            buffer, length = [], 0
        data = piece.encode()
        buffer.append(data)
        length += len(data)
    yield b"".join(buffer)  # The last pieces: the document's end at least.
