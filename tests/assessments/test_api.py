"""HTTP tests for /api/v1/assessments/ (SPEC §4): CRUD, review, permissions, filters."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker
from rest_framework.test import APIClient

from assessments.models import AssessmentResult
from interviews import services
from interviews.models import Interview

LIST_URL = "/api/v1/assessments/"
NOWHERE = "0b7c5a36-6a4c-4a5e-9c52-1f6f2f7a4d11"  # A UUID no row has.

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
NOT_FOUND = {"detail": "No AssessmentResult matches the given query."}
NOT_A_JSON_OBJECT = {"skill_scores": ['Must be a JSON object, e.g. {"python": {...}}.']}
ALREADY_ASSESSED = {"interview": ["This interview already has an assessment."]}
AT_MOST_100 = "Ensure this value is less than or equal to 100."
AT_LEAST_0 = "Ensure this value is greater than or equal to 0."
NOT_A_NUMBER = "A valid number is required."


def detail_url(assessment_or_pk) -> str:
    pk = getattr(assessment_or_pk, "pk", assessment_or_pk)
    return f"{LIST_URL}{pk}/"


def review_url(assessment_or_pk) -> str:
    return f"{detail_url(assessment_or_pk)}review/"


def payload(interview, **overrides) -> dict:
    body = {
        "interview": str(interview.pk),
        "overall_score": "78.50",
        "skill_scores": {"python": {"score": 82, "level": "advanced"}},
        "skill_boundary_map": {"python": {"ceiling": "metaclasses"}},
        "strengths": ["generators", "typing"],
        "weaknesses": ["asyncio"],
        "integrity_flags": ["tab_switching"],
        "ai_reasoning": {"summary": "Solid fundamentals."},
        "recommended_actions": ["advance_to_onsite"],
        "integrity_score": "91.25",
        "ai_model": "gpt-4o-2024-08-06",
        "prompt_version": "scoring-v3",
    }
    body.update(overrides)
    return body


def snapshot(assessment: AssessmentResult) -> dict:
    """The stored columns a failed request must leave alone."""
    row = AssessmentResult.all_objects.get(pk=assessment.pk)
    return {
        "interview_id": row.interview_id,
        "overall_score": row.overall_score,
        "skill_scores": row.skill_scores,
        "integrity_score": row.integrity_score,
        "review_status": row.review_status,
        "reviewed_by_id": row.reviewed_by_id,
        "reviewed_at": row.reviewed_at,
        "final_score": row.final_score,
        "review_notes": row.review_notes,
        "deleted_at": row.deleted_at,
    }


def user_of(client) -> User:
    """The login an APIClient was force-authenticated as."""
    return client.handler._force_user


def new_interview(candidate, **fields) -> Interview:
    return services.create_interview(candidate=candidate, role_type="python", **fields)


@pytest.fixture
def other_interview(other_candidate) -> Interview:
    return Interview.objects.get(candidate=other_candidate)


@pytest.fixture
def reviewer_only_api(make_staff):
    """A staff login holding review_ and view_ only (no change_)."""
    client = APIClient()
    client.force_authenticate(
        make_staff(
            "assessments.view_assessmentresult",
            "assessments.review_assessmentresult",
            username="reviewer-only",
        )
    )
    return client


# --- Create -------------------------------------------------------------------------


def test_create_returns_201_with_every_field_and_scores_as_decimal_strings(admin_api, interview):
    response = admin_api.post(LIST_URL, payload(interview), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["interview"] == str(interview.pk)
    assert body["overall_score"] == "78.50"
    assert body["integrity_score"] == "91.25"
    assert body["final_score"] is None
    assert body["skill_scores"] == {"python": {"score": 82, "level": "advanced"}}
    assert body["integrity_flags"] == ["tab_switching"]
    assert body["strengths"] == ["generators", "typing"]
    assert body["ai_model"] == "gpt-4o-2024-08-06"
    assert body["prompt_version"] == "scoring-v3"
    assert body["review_status"] == "pending"
    assert body["reviewed_by"] is None
    assert body["reviewed_at"] is None
    assert body["review_notes"] == ""
    assert body["schema_version"] == 1
    for field in ("id", "generated_at", "created_at", "updated_at"):
        assert body[field], field
    stored = AssessmentResult.objects.get(pk=body["id"])
    assert stored.interview_id == interview.pk
    assert stored.overall_score == Decimal("78.50")
    assert stored.integrity_score == Decimal("91.25")


def test_create_accepts_json_numbers_and_answers_with_two_decimal_strings(admin_api, interview):
    response = admin_api.post(
        LIST_URL,
        payload(interview, overall_score=78.5, integrity_score=100),
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.json()["overall_score"] == "78.50"
    assert response.json()["integrity_score"] == "100.00"
    assert not isinstance(response.json()["overall_score"], float)


def test_create_with_only_required_fields_fills_defaults(admin_api, interview):
    response = admin_api.post(
        LIST_URL,
        {"interview": str(interview.pk), "overall_score": "0", "skill_scores": {}},
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["overall_score"] == "0.00"
    assert body["skill_scores"] == {}
    assert body["integrity_score"] is None
    assert body["integrity_flags"] is None
    assert body["review_status"] == "pending"


def test_create_ignores_review_fields_sent_by_the_client(admin_api, interview):
    response = admin_api.post(
        LIST_URL,
        payload(
            interview,
            review_status="approved",
            final_score="99.00",
            reviewed_by=user_of(admin_api).pk,
            reviewed_at="2024-01-01T00:00:00Z",
            review_notes="self-approved",
        ),
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["review_status"] == "pending"
    assert body["final_score"] is None
    assert body["reviewed_by"] is None
    assert body["reviewed_at"] is None
    assert body["review_notes"] == ""
    stored = AssessmentResult.objects.get(pk=body["id"])
    assert stored.review_status == "pending"
    assert stored.reviewed_by_id is None
    assert stored.final_score is None


# --- Create: validation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("overall_score", 101, AT_MOST_100),
        ("overall_score", "100.01", AT_MOST_100),
        ("overall_score", -1, AT_LEAST_0),
        ("overall_score", "-0.01", AT_LEAST_0),
        ("overall_score", "abc", NOT_A_NUMBER),
        ("overall_score", "12.345", "Ensure that there are no more than 2 decimal places."),
        ("overall_score", "NaN", NOT_A_NUMBER),
        ("overall_score", "Infinity", NOT_A_NUMBER),
        ("overall_score", None, "This field may not be null."),
        ("overall_score", {"score": 1}, NOT_A_NUMBER),
        ("integrity_score", 101, AT_MOST_100),
        ("integrity_score", -1, AT_LEAST_0),
        ("integrity_score", "abc", NOT_A_NUMBER),
        ("skill_scores", None, "This field may not be null."),
        ("schema_version", 0, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_create_refuses_an_invalid_value_naming_the_field(
    admin_api, interview, field, value, message
):
    response = admin_api.post(LIST_URL, payload(interview, **{field: value}), format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not AssessmentResult.all_objects.exists()


@pytest.mark.parametrize(
    "value",
    [["python"], [{"python": 82}], "python", '{"python": 82}', 42, 82.5, True],
    ids=["list", "list-of-objects", "string", "json-in-a-string", "integer", "float", "boolean"],
)
def test_create_refuses_skill_scores_that_are_not_a_json_object(admin_api, interview, value):
    response = admin_api.post(LIST_URL, payload(interview, skill_scores=value), format="json")

    assert response.status_code == 400
    assert response.json() == NOT_A_JSON_OBJECT
    assert not AssessmentResult.all_objects.exists()


@pytest.mark.parametrize("field", ["interview", "overall_score", "skill_scores"])
def test_create_refuses_a_missing_required_field(admin_api, interview, field):
    body = payload(interview)
    del body[field]

    response = admin_api.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: ["This field is required."]}
    assert not AssessmentResult.all_objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (NOWHERE, f'Invalid pk "{NOWHERE}" - object does not exist.'),
        ("not-a-uuid", "Must be a valid UUID."),
        ("", "This field may not be null."),
        # A JSON integer is read as a UUID's 128-bit number, not refused as malformed.
        (12345, 'Invalid pk "00000000-0000-0000-0000-000000003039" - object does not exist.'),
        ([NOWHERE], "Must be a valid UUID."),
        ({"id": NOWHERE}, "Must be a valid UUID."),
        (None, "This field may not be null."),
    ],
    ids=["unknown", "malformed", "blank", "integer", "list", "object", "null"],
)
def test_create_refuses_an_interview_that_is_not_a_known_uuid(admin_api, interview, value, message):
    body = payload(interview)
    body["interview"] = value

    response = admin_api.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {"interview": [message]}
    assert not AssessmentResult.all_objects.exists()


def test_create_refuses_a_soft_deleted_interview(admin_api, interview):
    interview.soft_delete(reason="duplicate")

    response = admin_api.post(LIST_URL, payload(interview), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "interview": [f'Invalid pk "{interview.pk}" - object does not exist.']
    }
    assert not AssessmentResult.all_objects.exists()


def test_second_live_assessment_for_an_interview_is_refused_on_interview(admin_api, assessment):
    before = snapshot(assessment)

    response = admin_api.post(LIST_URL, payload(assessment.interview), format="json")

    assert response.status_code == 400
    assert response.json() == ALREADY_ASSESSED
    assert AssessmentResult.all_objects.count() == 1
    assert snapshot(assessment) == before


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ('{"interview": ', "Expecting value: line 1 column 15 (char 14)"),
        ("not json at all", "Expecting value: line 1 column 1 (char 0)"),
        (
            '{"overall_score": 1,}',
            "Expecting property name enclosed in double quotes: line 1 column 21 (char 20)",
        ),
        ("\x00\x01", "Expecting value: line 1 column 1 (char 0)"),
    ],
    ids=["truncated", "text", "trailing-comma", "binary"],
)
def test_malformed_json_body_is_a_400_and_stores_nothing(admin_api, interview, raw, detail):
    response = admin_api.post(LIST_URL, data=raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": f"JSON parse error - {detail}"}
    assert not AssessmentResult.all_objects.exists()


def test_json_array_body_is_a_400_and_stores_nothing(admin_api, interview):
    response = admin_api.post(LIST_URL, [payload(interview)], format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    assert not AssessmentResult.all_objects.exists()


# --- Retrieve and list --------------------------------------------------------------


def test_retrieve_returns_the_assessment_with_decimal_strings(admin_api, assessment):
    response = admin_api.get(detail_url(assessment))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(assessment.pk)
    assert body["interview"] == str(assessment.interview_id)
    assert body["overall_score"] == "78.50"
    assert body["skill_scores"] == {"python": {"score": 82, "level": "advanced"}}
    assert body["review_status"] == "pending"


def test_retrieve_unknown_id_is_404(admin_api, db):
    response = admin_api.get(detail_url(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_retrieve_malformed_id_is_404(admin_api, db):
    assert admin_api.get(f"{LIST_URL}not-a-uuid/").status_code == 404


def test_list_is_paginated_and_holds_the_live_assessments(admin_api, assessment):
    response = admin_api.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["next"] is None
    assert body["previous"] is None
    assert [row["id"] for row in body["results"]] == [str(assessment.pk)]
    assert body["results"][0]["overall_score"] == "78.50"


def test_deleted_fields_are_shown_to_staff_only(admin_api, engine_api, assessment):
    staff_view = admin_api.get(detail_url(assessment)).json()
    engine_view = engine_api.get(detail_url(assessment)).json()

    assert {"deleted_at", "deleted_by", "deletion_reason"} <= set(staff_view)
    assert not {"deleted_at", "deleted_by", "deletion_reason"} & set(engine_view)
    assert engine_view["overall_score"] == "78.50"


# --- Update -------------------------------------------------------------------------


def test_put_replaces_the_scores_and_keeps_the_review_fields(admin_api, assessment):
    response = admin_api.put(
        detail_url(assessment),
        payload(
            assessment.interview,
            overall_score="64.00",
            skill_scores={"python": {"score": 60, "level": "intermediate"}},
            review_status="approved",
            final_score="99.00",
        ),
        format="json",
    )

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["overall_score"] == "64.00"
    assert body["skill_scores"] == {"python": {"score": 60, "level": "intermediate"}}
    assert body["review_status"] == "pending"
    assert body["final_score"] is None
    assessment.refresh_from_db()
    assert assessment.overall_score == Decimal("64.00")
    assert assessment.review_status == "pending"


def test_put_without_required_fields_is_400_and_changes_nothing(admin_api, assessment):
    before = snapshot(assessment)

    response = admin_api.put(detail_url(assessment), {"overall_score": "10"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "interview": ["This field is required."],
        "skill_scores": ["This field is required."],
    }
    assert snapshot(assessment) == before


def test_put_moving_to_an_interview_with_a_live_assessment_is_400(
    admin_api, assessment, other_interview
):
    other = baker.make(
        AssessmentResult, interview=other_interview, overall_score=50, skill_scores={}
    )
    before = snapshot(other)

    response = admin_api.put(detail_url(other), payload(assessment.interview), format="json")

    assert response.status_code == 400
    assert response.json() == ALREADY_ASSESSED
    assert snapshot(other) == before


def test_patch_changes_only_the_named_fields(admin_api, assessment):
    response = admin_api.patch(detail_url(assessment), {"integrity_score": "42.10"}, format="json")

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["integrity_score"] == "42.10"
    assert body["overall_score"] == "78.50"
    assert body["skill_scores"] == {"python": {"score": 82, "level": "advanced"}}
    assessment.refresh_from_db()
    assert assessment.integrity_score == Decimal("42.10")


def test_patch_cannot_set_review_fields(admin_api, assessment):
    before = snapshot(assessment)

    response = admin_api.patch(
        detail_url(assessment),
        {
            "review_status": "overridden",
            "final_score": "12.00",
            "reviewed_by": user_of(admin_api).pk,
            "review_notes": "sneaky",
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["review_status"] == "pending"
    assert response.json()["final_score"] is None
    assert snapshot(assessment) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("overall_score", 101, AT_MOST_100),
        ("overall_score", -1, AT_LEAST_0),
        ("overall_score", "abc", NOT_A_NUMBER),
        ("skill_scores", None, "This field may not be null."),
        ("interview", "not-a-uuid", "Must be a valid UUID."),
        ("interview", NOWHERE, f'Invalid pk "{NOWHERE}" - object does not exist.'),
    ],
)
def test_invalid_patch_is_400_on_the_field_and_changes_nothing(
    admin_api, assessment, field, value, message
):
    before = snapshot(assessment)

    response = admin_api.patch(detail_url(assessment), {field: value}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert snapshot(assessment) == before


@pytest.mark.parametrize(
    "value", [["python"], "python", 42, False], ids=["list", "string", "integer", "boolean"]
)
def test_patch_refuses_skill_scores_that_are_not_a_json_object(admin_api, assessment, value):
    before = snapshot(assessment)

    response = admin_api.patch(detail_url(assessment), {"skill_scores": value}, format="json")

    assert response.status_code == 400
    assert response.json() == NOT_A_JSON_OBJECT
    assert snapshot(assessment) == before


def test_malformed_json_patch_is_400_and_changes_nothing(admin_api, assessment):
    before = snapshot(assessment)

    response = admin_api.patch(
        detail_url(assessment), data='{"overall_score": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - Expecting value: line 1 column 19 (char 18)"
    }
    assert snapshot(assessment) == before


# --- Delete -------------------------------------------------------------------------


def test_delete_soft_deletes_recording_who_and_why(admin_api, assessment):
    response = admin_api.delete(f"{detail_url(assessment)}?reason=scored+the+wrong+transcript")

    assert response.status_code == 204
    row = AssessmentResult.all_objects.get(pk=assessment.pk)
    assert row.deleted_at is not None
    assert row.deleted_by == user_of(admin_api)
    assert row.deletion_reason == "scored the wrong transcript"
    gone = admin_api.get(detail_url(assessment))
    assert (gone.status_code, gone.json()) == (404, NOT_FOUND)
    assert admin_api.get(LIST_URL).json()["count"] == 0


def test_after_soft_delete_a_new_assessment_can_be_created_for_the_interview(admin_api, assessment):
    assert admin_api.delete(detail_url(assessment)).status_code == 204

    response = admin_api.post(
        LIST_URL, payload(assessment.interview, overall_score="81.00"), format="json"
    )

    assert response.status_code == 201, response.data
    assert response.json()["overall_score"] == "81.00"
    assert AssessmentResult.all_objects.filter(interview=assessment.interview).count() == 2
    assert AssessmentResult.objects.filter(interview=assessment.interview).count() == 1


def test_delete_of_an_unknown_assessment_is_404(admin_api, db):
    response = admin_api.delete(detail_url(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- Review -------------------------------------------------------------------------


def test_recruiter_approves_an_assessment(recruiter_api, assessment):
    before = timezone.now()

    response = recruiter_api.post(
        review_url(assessment),
        {"review_status": "approved", "review_notes": "Agree with the AI."},
        format="json",
    )

    assert response.status_code == 200, response.data
    body = response.json()
    recruiter = User.objects.get(username="recruiter")
    assert body["review_status"] == "approved"
    assert body["reviewed_by"] == recruiter.pk
    assert body["final_score"] is None
    assert body["review_notes"] == "Agree with the AI."
    assert body["overall_score"] == "78.50"
    reviewed_at = datetime.datetime.fromisoformat(body["reviewed_at"])
    assert before <= reviewed_at <= timezone.now()
    assessment.refresh_from_db()
    assert assessment.review_status == "approved"
    assert assessment.reviewed_by == recruiter
    assert assessment.reviewed_at == reviewed_at
    assert assessment.overall_score == Decimal("78.50")


def test_override_records_the_final_score_as_a_decimal_string(admin_api, assessment):
    response = admin_api.post(
        review_url(assessment),
        {"review_status": "overridden", "final_score": "65.25", "review_notes": "Too generous."},
        format="json",
    )

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["review_status"] == "overridden"
    assert body["final_score"] == "65.25"
    assert body["overall_score"] == "78.50"
    assert body["reviewed_by"] == user_of(admin_api).pk
    assert body["review_notes"] == "Too generous."
    assessment.refresh_from_db()
    assert assessment.final_score == Decimal("65.25")
    assert assessment.reviewed_by == user_of(admin_api)


@pytest.mark.parametrize("score", [0, 100, "0.00", "100.00"])
def test_override_accepts_the_bounds_of_the_score_range(admin_api, assessment, score):
    response = admin_api.post(
        review_url(assessment),
        {"review_status": "overridden", "final_score": score},
        format="json",
    )

    assert response.status_code == 200, response.data
    assert Decimal(response.json()["final_score"]) == Decimal(str(score))


def test_approving_after_an_override_clears_the_final_score(admin_api, assessment):
    admin_api.post(
        review_url(assessment),
        {"review_status": "overridden", "final_score": "40.00"},
        format="json",
    )

    response = admin_api.post(review_url(assessment), {"review_status": "approved"}, format="json")

    assert response.status_code == 200
    assert response.json()["review_status"] == "approved"
    assert response.json()["final_score"] is None
    assessment.refresh_from_db()
    assert assessment.final_score is None


REQUIRED_SCORE = {"final_score": ["Required when review_status is overridden."]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"review_status": "overridden"}, REQUIRED_SCORE),
        ({"review_status": "overridden", "final_score": None}, REQUIRED_SCORE),
        (
            {"review_status": "overridden", "final_score": "100.01"},
            {"final_score": ["Ensure this value is less than or equal to 100."]},
        ),
        (
            {"review_status": "overridden", "final_score": 101},
            {"final_score": ["Ensure this value is less than or equal to 100."]},
        ),
        (
            {"review_status": "overridden", "final_score": -1},
            {"final_score": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"review_status": "overridden", "final_score": "abc"},
            {"final_score": ["A valid number is required."]},
        ),
        (
            {"review_status": "overridden", "final_score": "1.234"},
            {"final_score": ["Ensure that there are no more than 2 decimal places."]},
        ),
        (
            {"review_status": "approved", "final_score": "70.00"},
            {"final_score": ["Only an override carries a final score."]},
        ),
        ({"review_status": "pending"}, {"review_status": ['"pending" is not a valid choice.']}),
        ({"review_status": "rejected"}, {"review_status": ['"rejected" is not a valid choice.']}),
        ({"review_status": ""}, {"review_status": ['"" is not a valid choice.']}),
        ({"review_status": None}, {"review_status": ["This field may not be null."]}),
        ({"final_score": "70.00"}, {"review_status": ["This field is required."]}),
        ({}, {"review_status": ["This field is required."]}),
    ],
)
def test_invalid_review_is_400_on_the_field_and_changes_nothing(
    admin_api, assessment, body, errors
):
    before = snapshot(assessment)

    response = admin_api.post(review_url(assessment), body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot(assessment) == before


def test_malformed_json_review_is_400_and_changes_nothing(admin_api, assessment):
    before = snapshot(assessment)

    response = admin_api.post(
        review_url(assessment), data='{"review_status": "appr', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - Unterminated string starting at: line 1 column 19 (char 18)"
    }
    assert snapshot(assessment) == before


def test_review_of_a_soft_deleted_assessment_is_404(admin_api, assessment):
    assessment.soft_delete(reason="superseded")

    response = admin_api.post(review_url(assessment), {"review_status": "approved"}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert AssessmentResult.all_objects.get(pk=assessment.pk).review_status == "pending"


def test_review_of_an_unknown_assessment_is_404(admin_api, db):
    response = admin_api.post(
        review_url(uuid.uuid4()), {"review_status": "approved"}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_review_permission_alone_is_enough_to_review(reviewer_only_api, assessment):
    response = reviewer_only_api.post(
        review_url(assessment), {"review_status": "approved"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["reviewed_by"] == user_of(reviewer_only_api).pk


def test_review_needs_the_view_permission_too(make_staff, assessment):
    client = APIClient()
    client.force_authenticate(
        make_staff("assessments.review_assessmentresult", username="blind-reviewer")
    )

    response = client.post(review_url(assessment), {"review_status": "approved"}, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert AssessmentResult.objects.get(pk=assessment.pk).review_status == "pending"


# --- Permissions --------------------------------------------------------------------


def test_recruiter_can_list_and_retrieve(recruiter_api, assessment):
    assert recruiter_api.get(LIST_URL).json()["count"] == 1
    assert recruiter_api.get(detail_url(assessment)).status_code == 200


@pytest.mark.parametrize("method", ["patch", "put"])
def test_recruiter_cannot_edit_the_ai_scores(recruiter_api, assessment, method):
    before = snapshot(assessment)

    response = getattr(recruiter_api, method)(
        detail_url(assessment),
        payload(assessment.interview, overall_score="99.00"),
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert snapshot(assessment) == before


def test_recruiter_cannot_create(recruiter_api, interview):
    response = recruiter_api.post(LIST_URL, payload(interview), format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert not AssessmentResult.all_objects.exists()


def test_recruiter_cannot_delete(recruiter_api, assessment):
    response = recruiter_api.delete(detail_url(assessment))

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert AssessmentResult.objects.filter(pk=assessment.pk).exists()


def test_engine_creates_and_patches_assessments(engine_api, interview):
    created = engine_api.post(LIST_URL, payload(interview), format="json")
    assert created.status_code == 201, created.data

    patched = engine_api.patch(
        detail_url(created.json()["id"]), {"overall_score": "80.00"}, format="json"
    )

    assert patched.status_code == 200, patched.data
    assert patched.json()["overall_score"] == "80.00"
    assert AssessmentResult.objects.get(pk=created.json()["id"]).overall_score == Decimal("80.00")


def test_engine_can_list_and_retrieve(engine_api, assessment):
    assert engine_api.get(LIST_URL).json()["count"] == 1
    assert engine_api.get(detail_url(assessment)).status_code == 200


def test_engine_cannot_review(engine_api, assessment):
    before = snapshot(assessment)

    response = engine_api.post(review_url(assessment), {"review_status": "approved"}, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert snapshot(assessment) == before


def test_engine_cannot_delete(engine_api, assessment):
    response = engine_api.delete(detail_url(assessment))

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert AssessmentResult.objects.filter(pk=assessment.pk).exists()


def requests_for(assessment, interview):
    return [
        ("get", LIST_URL, None),
        ("get", detail_url(assessment), None),
        ("post", LIST_URL, payload(interview)),
        ("put", detail_url(assessment), payload(assessment.interview)),
        ("patch", detail_url(assessment), {"overall_score": "1.00"}),
        ("delete", detail_url(assessment), None),
        ("post", review_url(assessment), {"review_status": "approved"}),
    ]


REQUEST_IDS = ["list", "retrieve", "create", "put", "patch", "delete", "review"]


@pytest.mark.parametrize("index", range(7), ids=REQUEST_IDS)
def test_staff_without_permissions_is_refused_everything(
    staff_without_permissions, assessment, other_interview, index
):
    method, url, body = requests_for(assessment, other_interview)[index]
    before = snapshot(assessment)

    response = getattr(staff_without_permissions, method)(url, body, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert snapshot(assessment) == before
    assert AssessmentResult.all_objects.count() == 1


@pytest.mark.parametrize("index", range(7), ids=REQUEST_IDS)
def test_anonymous_caller_gets_401(api_client, assessment, other_interview, index):
    method, url, body = requests_for(assessment, other_interview)[index]
    before = snapshot(assessment)

    response = getattr(api_client, method)(url, body, format="json")

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert snapshot(assessment) == before
    assert AssessmentResult.all_objects.count() == 1


@pytest.mark.parametrize("index", range(7), ids=REQUEST_IDS)
def test_candidate_never_sees_or_touches_assessments(
    candidate_api, assessment, other_interview, index
):
    # `assessment` scores the candidate's own interview: still none of their business.
    method, url, body = requests_for(assessment, other_interview)[index]
    before = snapshot(assessment)

    response = getattr(candidate_api, method)(url, body, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert "overall_score" not in response.content.decode()
    assert snapshot(assessment) == before
    assert AssessmentResult.all_objects.count() == 1


# --- Filters and ordering -----------------------------------------------------------


@pytest.fixture
def scored(candidate, interview, other_interview):
    """Three live assessments (and a soft-deleted one) named for filter tests."""
    second = new_interview(candidate)
    deleted_for = new_interview(candidate)
    rows = {
        "ada": baker.make(
            AssessmentResult,
            interview=interview,
            overall_score=Decimal("78.50"),
            skill_scores={"python": {"score": 82, "level": "advanced"}},
            integrity_flags=["tab_switching", "long_pause"],
        ),
        "grace": baker.make(
            AssessmentResult,
            interview=other_interview,
            overall_score=Decimal("55.00"),
            skill_scores={"react": {"score": 55, "level": "intermediate"}},
            integrity_flags=[],
            review_status="approved",
        ),
        "ada-2": baker.make(
            AssessmentResult,
            interview=second,
            overall_score=Decimal("91.00"),
            skill_scores={
                "python": {"score": 93, "level": "expert"},
                "sql": {"score": 85, "level": "advanced"},
            },
            integrity_flags=["copy_paste"],
            review_status="overridden",
            final_score=Decimal("90.00"),
        ),
    }
    gone = baker.make(
        AssessmentResult,
        interview=deleted_for,
        overall_score=Decimal("60.00"),
        skill_scores={"python": {"score": 60, "level": "advanced"}},
        integrity_flags=["tab_switching"],
    )
    gone.soft_delete(reason="test")
    return rows


def names(response, scored) -> set[str]:
    by_id = {str(row.pk): name for name, row in scored.items()}
    return {by_id[row["id"]] for row in response.json()["results"]}


def test_list_without_filters_holds_only_live_rows(admin_api, scored):
    response = admin_api.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert names(response, scored) == {"ada", "grace", "ada-2"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"review_status": "pending"}, {"ada"}),
        ({"review_status": "approved"}, {"grace"}),
        ({"review_status": "overridden"}, {"ada-2"}),
        ({"min_score": "78.5"}, {"ada", "ada-2"}),
        ({"min_score": "78.51"}, {"ada-2"}),
        ({"max_score": "78.5"}, {"ada", "grace"}),
        ({"min_score": "56", "max_score": "80"}, {"ada"}),
        ({"min_score": "100"}, set()),
        ({"skill_scores__contains": '{"python": {"level": "advanced"}}'}, {"ada"}),
        ({"skill_scores__contains": '{"python": {}}'}, {"ada", "ada-2"}),
        ({"skill_scores__contains": '{"sql": {"score": 85}}'}, {"ada-2"}),
        ({"skill_scores__contains": '{"python": {"level": "novice"}}'}, set()),
        ({"skill_scores__has_key": "python"}, {"ada", "ada-2"}),
        ({"skill_scores__has_key": "react"}, {"grace"}),
        ({"skill_scores__has_key": "cobol"}, set()),
        # Top-level keys only: not a value, not a nested key.
        ({"skill_scores__has_key": "advanced"}, set()),
        ({"skill_scores__has_key": "score"}, set()),
        ({"integrity_flags__contains": '["tab_switching"]'}, {"ada"}),
        ({"integrity_flags__contains": '["tab_switching", "long_pause"]'}, {"ada"}),
        ({"integrity_flags__contains": '["copy_paste"]'}, {"ada-2"}),
        ({"integrity_flags__contains": "[]"}, {"ada", "grace", "ada-2"}),
        (
            {"skill_scores__has_key": "python", "integrity_flags__contains": '["copy_paste"]'},
            {"ada-2"},
        ),
    ],
)
def test_filters_select_the_matching_assessments(admin_api, scored, params, expected):
    response = admin_api.get(LIST_URL, params)

    assert response.status_code == 200, response.content
    assert names(response, scored) == expected
    assert response.json()["count"] == len(expected)


def test_interview_filter(admin_api, scored):
    response = admin_api.get(LIST_URL, {"interview": str(scored["grace"].interview_id)})

    assert response.status_code == 200
    assert names(response, scored) == {"grace"}


def test_candidate_filter(admin_api, scored, candidate, other_candidate):
    ada = admin_api.get(LIST_URL, {"candidate": str(candidate.pk)})
    grace = admin_api.get(LIST_URL, {"candidate": str(other_candidate.pk)})
    nobody = admin_api.get(LIST_URL, {"candidate": str(uuid.uuid4())})

    assert names(ada, scored) == {"ada", "ada-2"}
    assert names(grace, scored) == {"grace"}
    assert nobody.json()["count"] == 0


@pytest.mark.parametrize(
    "param",
    ["skill_scores__contains", "integrity_flags__contains"],
)
@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ('{"python": ', "Expecting value: line 1 column 11 (char 10)"),
        ("[tab_switching", "Expecting value: line 1 column 2 (char 1)"),
        (
            "{'python': 1}",
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        ("nan-json", "Expecting value: line 1 column 1 (char 0)"),
    ],
)
def test_malformed_json_filter_is_400_naming_the_parameter(admin_api, scored, param, raw, why):
    response = admin_api.get(LIST_URL, {param: raw})

    assert response.status_code == 400
    assert response.json() == {param: [f"Enter valid JSON ({why})."]}


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("min_score", "abc", "Enter a number."),
        ("max_score", "abc", "Enter a number."),
        (
            "review_status",
            "rejected",
            "Select a valid choice. rejected is not one of the available choices.",
        ),
        ("interview", "not-a-uuid", "Enter a valid UUID."),
        ("candidate", "not-a-uuid", "Enter a valid UUID."),
    ],
)
def test_malformed_filter_value_is_400_naming_the_parameter(
    admin_api, scored, param, value, message
):
    response = admin_api.get(LIST_URL, {param: value})

    assert response.status_code == 400
    assert response.json() == {param: [message]}


def test_ordering_by_overall_score_descending(admin_api, scored):
    response = admin_api.get(LIST_URL, {"ordering": "-overall_score"})

    assert response.status_code == 200
    scores = [row["overall_score"] for row in response.json()["results"]]
    assert scores == ["91.00", "78.50", "55.00"]


def test_ordering_by_overall_score_ascending(admin_api, scored):
    response = admin_api.get(LIST_URL, {"ordering": "overall_score"})

    assert [row["overall_score"] for row in response.json()["results"]] == [
        "55.00",
        "78.50",
        "91.00",
    ]


@pytest.mark.parametrize(
    ("ordering", "named"),
    [
        ("skill_scores", "skill_scores"),
        ("-review_notes", "-review_notes"),
        ("nonsense", "nonsense"),
        ("overall_score,", "an empty field"),
        ("interview__candidate__email", "interview__candidate__email"),
    ],
)
def test_ordering_by_an_unknown_field_is_400(admin_api, scored, ordering, named):
    response = admin_api.get(LIST_URL, {"ordering": ordering})

    assert response.status_code == 400
    assert response.json() == {
        "ordering": [
            f"Cannot order by {named}; choose from created_at, generated_at, overall_score, "
            "reviewed_at, updated_at."
        ]
    }


def test_page_size_limits_the_page(admin_api, scored):
    response = admin_api.get(LIST_URL, {"page_size": 2, "ordering": "-overall_score"})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] == (
        "http://testserver/api/v1/assessments/?ordering=-overall_score&page=2&page_size=2"
    )


# --- Query counts -------------------------------------------------------------------


def make_assessments(candidate, count: int) -> None:
    for number in range(count):
        baker.make(
            AssessmentResult,
            interview=new_interview(candidate),
            overall_score=Decimal(number),
            skill_scores={"python": {"score": number}},
            integrity_flags=["tab_switching"],
        )


@pytest.mark.parametrize("caller", ["admin_api", "engine_api", "recruiter_api"])
def test_list_query_count_does_not_grow_with_rows(
    request, candidate, django_assert_max_num_queries, caller
):
    client = request.getfixturevalue(caller)
    client.get(LIST_URL)  # Warm-up: permission caches are filled once per login.
    make_assessments(candidate, 1)
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(LIST_URL).json()["count"] == 1

    make_assessments(candidate, 29)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(LIST_URL)

    assert response.json()["count"] == 30
    assert len(response.json()["results"]) == 30


def test_list_of_thirty_assessments_takes_a_handful_of_queries(
    admin_api, candidate, django_assert_max_num_queries
):
    make_assessments(candidate, 30)

    with django_assert_max_num_queries(4):
        response = admin_api.get(LIST_URL)

    assert len(response.json()["results"]) == 30


def test_response_body_is_json(admin_api, assessment):
    response = admin_api.get(detail_url(assessment))

    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["overall_score"] == "78.50"


def test_the_crud_endpoints_cannot_write_a_review(admin_api, assessment, admin_user):
    """Reviews go through the review action, which records who and when."""
    response = admin_api.patch(
        detail_url(assessment),
        {
            "review_status": "overridden",
            "final_score": "12.00",
            "review_notes": "Sneaked in",
            "reviewed_by": admin_user.pk,
            "reviewed_at": "2026-01-01T00:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 200
    stored = AssessmentResult.objects.get(pk=assessment.pk)
    assert (
        stored.review_status,
        stored.final_score,
        stored.review_notes,
        stored.reviewed_by,
        stored.reviewed_at,
    ) == ("pending", None, "", None, None)


@pytest.mark.parametrize("caller", ["admin_api", "engine_api"])
def test_a_listed_assessment_reads_as_its_own_page_does(request, caller, admin_api, interview):
    """Lists are made from rows, pages from the model: both are written by the same
    serializer's fields, every kind of field filled (decimals, documents, a reviewer's
    key, timestamps) and for staff and non-staff alike."""
    created = admin_api.post(LIST_URL, payload(interview), format="json").json()
    reviewed = admin_api.post(
        review_url(created["id"]),
        {"review_status": "overridden", "final_score": "80.25", "review_notes": "Fair."},
        format="json",
    )
    assert reviewed.status_code == 200
    client = request.getfixturevalue(caller)

    [listed] = client.get(LIST_URL).json()["results"]

    assert listed == client.get(detail_url(created["id"])).json()
    assert listed["reviewed_by"] == user_of(admin_api).pk
    assert (listed["final_score"], listed["integrity_score"]) == ("80.25", "91.25")
