"""The benchmark's generator writes rows the application itself would accept."""

from datetime import timedelta

from django.db import connection

from assessments.models import AssessmentResult
from bench import generator
from bench.scales import Kind, TargetSet, target_id
from candidates.models import Candidate, Resume
from core import schemas
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession
from tests.bench.conftest import NOW

MODELS = (
    Candidate,
    Resume,
    Interview,
    InterviewSession,
    InterviewMessage,
    AgentAction,
    AssessmentResult,
)


def test_rows_pass_the_models_validation_and_the_document_schemas(tiny):
    for model in MODELS:
        rows = list(model._base_manager.all())  # Soft-deleted rows included.
        assert rows, f"no {model.__name__} rows"
        documents = [
            field.name for field in model._meta.fields if field.get_internal_type() == "JSONField"
        ]
        for row in rows:
            row.full_clean()
            values = {name: getattr(row, name) for name in documents}
            assert schemas.check(model, values) == {}, (model.__name__, row.pk)


def query(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_every_interview_has_one_session_and_a_gapless_transcript_owned_by_it(tiny):
    assert query(
        "SELECT count(*) FROM interviews i"
        " WHERE (SELECT count(*) FROM interview_sessions s WHERE s.interview_id = i.id) <> 1"
    ) == [(0,)]
    assert query(
        "SELECT count(*) FROM interview_messages m JOIN interview_sessions s ON s.id = m.session_id"
        " WHERE s.interview_id <> m.interview_id"
    ) == [(0,)]
    numbering = query(
        "SELECT interview_id, min(sequence_number), max(sequence_number), count(*)"
        " FROM interview_messages GROUP BY interview_id"
    )
    assert numbering
    assert all(low == 1 and high == count for _, low, high, count in numbering)
    # What the append trigger keeps: the session's last activity is its last message.
    assert (
        query(
            "SELECT count(*) FROM interview_sessions s JOIN interview_messages m"
            " ON m.interview_id = s.interview_id GROUP BY s.id, s.last_activity_at"
            " HAVING max(m.created_at) <> s.last_activity_at"
        )
        == []
    )


def test_the_target_sets_hold_what_the_hot_paths_ask_for(tiny):
    scale = tiny
    for k in range(1, scale.read_interviews + 1):
        interview = Interview.objects.get(pk=target_id(TargetSet.READ, Kind.INTERVIEW, k))
        assert interview.status == Interview.Status.COMPLETED
        assert interview.messages.count() == scale.transcript
        assert interview.assessments.count() == 1
        # Every target has the same shape, so its page runs the same statements.
        assert interview.resume_id is not None
    for k in range(1, scale.live_interviews + 1):
        interview = Interview.objects.get(pk=target_id(TargetSet.LIVE, Kind.INTERVIEW, k))
        assert interview.status == Interview.Status.IN_PROGRESS
        assert str(interview.session.pk) == target_id(TargetSet.LIVE, Kind.SESSION, k)
        assert interview.resume_id is not None
    candidate = Candidate.objects.get(pk=target_id(TargetSet.EXPORT, Kind.CANDIDATE, 1))
    assert InterviewMessage.objects.filter(interview__candidate=candidate).count() == (
        scale.export_messages
    )
    assert candidate.interviews.count() == scale.export_interviews


def test_the_audit_triggers_recorded_every_row(tiny):
    for model in (Candidate, Interview, InterviewSession, AssessmentResult):
        events = model.pgh_event_model.objects.filter(pgh_label="insert").count()
        assert events == model._base_manager.count(), model.__name__


def test_only_the_purge_set_is_past_the_retention_cutoff_and_it_can_be_renewed(tiny):
    conn = connection.connection
    finished_before = NOW - timedelta(days=400)
    generator.fill_purge_set(conn, tiny, finished_before=finished_before)
    expired = Interview.all_objects.filter(completed_at__lt=finished_before)
    purge_ids = {
        target_id(TargetSet.PURGE, Kind.INTERVIEW, k) for k in range(1, tiny.purge_interviews + 1)
    }
    assert {str(pk) for pk in expired.values_list("pk", flat=True)} == purge_ids
    assert InterviewMessage.objects.filter(interview__in=expired).count() == tiny.purge_messages
    # Every completed interview is younger than the cutoff by far more than a day, so
    # a cutoff in whole days cannot reach them.
    others = Interview.all_objects.exclude(pk__in=purge_ids).filter(completed_at__isnull=False)
    assert not others.filter(completed_at__lt=finished_before + timedelta(days=2)).exists()

    assert generator.remove_purge_set(conn) == tiny.purge_interviews
    assert not expired.exists()
    generator.fill_purge_set(conn, tiny, finished_before=finished_before)
    assert expired.count() == tiny.purge_interviews
