"""JSON documents round-trip exactly: no lost precision, no repr() text, no errors."""

import datetime
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from assessments.models import AssessmentResult
from interviews.models import InterviewSession

MOMENT = datetime.datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=datetime.UTC)
BERLIN = datetime.datetime(
    2026, 3, 14, 16, 9, 26, 535897, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
)
TRACE_ID = uuid.UUID("5f0c1d2e-8a4b-4c3d-9e7f-a1b2c3d4e5f6")


def test_datetimes_uuids_and_decimals_come_back_as_exact_strings(assessment):
    assessment.ai_reasoning = {
        "scored_at": MOMENT,
        "local": BERLIN,
        "day": MOMENT.date(),
        "trace": TRACE_ID,
        "weights": {"python": Decimal("0.3333"), "sql": Decimal("1E+2")},
        "steps": [{"at": MOMENT, "confidence": Decimal("99.99")}],
    }
    assessment.save()

    stored = AssessmentResult.objects.get(pk=assessment.pk).ai_reasoning

    assert stored == {
        "scored_at": "2026-03-14T15:09:26.535897Z",
        "local": "2026-03-14T16:09:26.535897+01:00",
        "day": "2026-03-14",
        "trace": "5f0c1d2e-8a4b-4c3d-9e7f-a1b2c3d4e5f6",
        "weights": {"python": "0.3333", "sql": "1E+2"},
        "steps": [{"at": "2026-03-14T15:09:26.535897Z", "confidence": "99.99"}],
    }
    assert datetime.datetime.fromisoformat(stored["scored_at"]) == MOMENT
    assert datetime.datetime.fromisoformat(stored["local"]) == BERLIN
    assert uuid.UUID(stored["trace"]) == TRACE_ID
    assert Decimal(stored["weights"]["python"]) == Decimal("0.3333")


def test_plain_json_types_are_kept(assessment):
    document = {"int": 7, "float": 0.25, "bool": False, "null": None, "text": "naïve ✓", "list": []}
    assessment.skill_scores = document
    assessment.save()
    assert AssessmentResult.objects.get(pk=assessment.pk).skill_scores == document


def test_a_500_kb_conversation_memory_saves_and_loads(interview):
    turns = [
        {
            "turn": number,
            "at": MOMENT + datetime.timedelta(seconds=number),
            "question": f"Question {number}: explain how asyncio schedules coroutines. " * 4,
            "notes": {"confidence": Decimal("0.875"), "tags": ["async", "python"]},
        }
        for number in range(1, 1400)
    ]
    # One very long value too: the GIN index must cope with it.
    memory = {"turns": turns, "summary": "x" * 20_000, "trace": TRACE_ID}
    size = len(json.dumps(memory, default=str))
    assert size > 500_000

    session = interview.session
    session.conversation_memory = memory
    session.save()

    loaded = InterviewSession.objects.get(pk=session.pk).conversation_memory
    assert len(loaded["turns"]) == len(turns)
    assert loaded["turns"][-1]["at"] == "2026-03-14T15:32:45.535897Z"
    assert loaded["turns"][-1]["notes"]["confidence"] == "0.875"
    assert loaded["summary"] == memory["summary"]
    assert loaded["trace"] == str(TRACE_ID)


def test_containment_queries_find_documents(assessment):
    found = AssessmentResult.objects.filter(skill_scores__contains={"python": {"score": 82}})
    assert list(found) == [assessment]
    assert not AssessmentResult.objects.filter(skill_scores__contains={"python": {"score": 1}})
    assert list(AssessmentResult.objects.filter(skill_scores__has_key="python")) == [assessment]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # A time of day in a zone with daylight saving has no offset without a date.
        (
            {"at": datetime.time(10, 30, tzinfo=ZoneInfo("Europe/Berlin"))},
            "Value must be valid JSON.",
        ),
        (
            {"score": float("nan")},
            "Not a storable JSON document: Out of range float values are not JSON compliant",
        ),
        (
            {"score": float("-inf")},
            "Not a storable JSON document: Out of range float values are not JSON compliant",
        ),
        ({"raw": b"bytes"}, "Value must be valid JSON."),
        ({"text": "nul\x00"}, "JSON text may not contain NUL (\\u0000) characters."),
        ({"nul\x00key": 1}, "JSON text may not contain NUL (\\u0000) characters."),
    ],
)
def test_what_jsonb_cannot_store_is_a_field_error(assessment, value, message):
    assessment.ai_reasoning = value
    with pytest.raises(ValidationError) as refused:
        assessment.full_clean()
    assert refused.value.message_dict == {"ai_reasoning": [message]}


def test_saving_a_time_of_day_in_a_zone_with_daylight_saving_says_why(assessment):
    assessment.ai_reasoning = {"at": datetime.time(10, 30, tzinfo=ZoneInfo("Europe/Berlin"))}
    with pytest.raises(TypeError) as refused:
        assessment.save()
    assert str(refused.value) == (
        "datetime.time(10, 30, tzinfo=zoneinfo.ZoneInfo(key='Europe/Berlin')) "
        "has a time zone but no UTC offset"
    )


def test_times_of_day_are_stored_as_written(assessment):
    assessment.ai_reasoning = {
        "naive": datetime.time(10, 30, 15, 250),
        "utc": datetime.time(10, 30, tzinfo=datetime.UTC),
        "paris": datetime.time(11, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
    }
    assessment.full_clean()
    assessment.save()
    stored = AssessmentResult.objects.get(pk=assessment.pk).ai_reasoning
    assert stored == {"naive": "10:30:15.000250", "utc": "10:30:00Z", "paris": "11:30:00+01:00"}
    assert datetime.time.fromisoformat(stored["paris"]) == assessment.ai_reasoning["paris"]


def test_a_deep_document_is_found_wherever_it_sits(admin_api, resume):
    """Depth is checked in every branch, not only until the first plain value."""
    deep = []
    for _ in range(65):
        deep = [deep]
    response = admin_api.patch(
        f"/api/v1/resumes/{resume.pk}/", {"parsed_data": [deep, 1, "x"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"parsed_data": ["JSON documents may nest at most 64 levels deep."]}
