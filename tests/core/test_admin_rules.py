"""Admin paths that must keep the same rules as the API."""

from django.contrib.auth.models import User
from model_bakery import baker

from assessments.models import AssessmentResult
from candidates.models import Candidate
from interviews.models import Interview, InterviewSession


def test_reviewing_a_malformed_id_is_not_found(admin_client, assessment):
    """A review URL whose id is not a UUID names no assessment: 404, nothing reviewed."""
    review = "/admin/assessments/assessmentresult/{}/review/"
    response = admin_client.post(review.format("not-a-uuid"), {"review_status": "approved"})
    assert response.status_code == 404
    assert "<h1>Not Found</h1>" in response.text
    assessment.refresh_from_db()
    assert assessment.review_status == AssessmentResult.ReviewStatus.PENDING

    # The same review of a real id goes through: the 404 is the id's doing.
    response = admin_client.post(review.format(assessment.pk), {"review_status": "approved"})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/assessments/assessmentresult/{assessment.pk}/change/"
    assessment.refresh_from_db()
    assert assessment.review_status == AssessmentResult.ReviewStatus.APPROVED


def _said(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def _restore(client, model: str, objs):
    return client.post(
        f"/admin/{model}/?deleted=yes",
        {"action": "restore_selected", "_selected_action": [str(obj.pk) for obj in objs]},
        follow=True,
    )


def test_restoring_a_conflicting_assessment_is_refused_with_a_warning(
    admin_client, assessment, other_candidate
):
    assessment.soft_delete(reason="rescored")
    baker.make(
        AssessmentResult,
        interview=assessment.interview,
        overall_score=60,
        skill_scores={"python": {"score": 60}},
    )
    # A second deleted assessment, of another interview, that can come back.
    restorable = baker.make(
        AssessmentResult,
        interview=Interview.objects.get(candidate=other_candidate),
        overall_score=70,
        skill_scores={"react": {"score": 70}},
    )
    restorable.soft_delete(reason="by mistake")
    before = AssessmentResult.all_objects.values().get(pk=assessment.pk)

    response = _restore(admin_client, "assessments/assessmentresult", [assessment, restorable])

    assert _said(response) == [
        (
            "warning",
            "Not restored: Assessment 78.50 (Pending): it conflicts with a live record "
            "(e.g. a newer one).",
        ),
        ("info", "Restored 1 assessment results."),
    ]
    assert AssessmentResult.all_objects.values().get(pk=assessment.pk) == before
    assert not AssessmentResult.all_objects.get(pk=restorable.pk).is_deleted


def test_restore_counts_what_it_restored(admin_client, candidate, other_candidate):
    candidate.soft_delete(reason="one")
    other_candidate.soft_delete(reason="two")

    response = _restore(admin_client, "candidates/candidate", [candidate, other_candidate])

    assert _said(response) == [("info", "Restored 2 candidates.")]
    assert Candidate.objects.count() == 2


def test_an_erased_candidate_is_not_restored(admin_client, candidate, other_candidate):
    from privacy.services import erase_candidate

    erase_candidate(candidate)
    other_candidate.soft_delete(reason="by mistake")

    response = _restore(admin_client, "candidates/candidate", [candidate, other_candidate])

    assert _said(response) == [
        (
            "warning",
            f"Not restored: Erased candidate <erased-{candidate.pk}@erased.invalid>: "
            "An erased candidate cannot be restored.",
        ),
        ("info", "Restored 1 candidates."),
    ]
    assert Candidate.all_objects.get(pk=candidate.pk).is_deleted
    assert not Candidate.all_objects.get(pk=other_candidate.pk).is_deleted


def test_erasing_from_the_admin_records_who_and_says_how_many(
    admin_client, admin_user, candidate, other_candidate
):
    response = admin_client.post(
        "/admin/candidates/candidate/",
        {
            "action": "erase_selected",
            "_selected_action": [str(candidate.pk), str(other_candidate.pk)],
            "confirm": "yes",
        },
        follow=True,
    )

    assert _said(response) == [("success", "Erased the personal data of 2 candidates.")]
    erased = Candidate.all_objects.filter(pk__in=[candidate.pk, other_candidate.pk])
    assert {(c.is_erased, c.deleted_by, c.deletion_reason) for c in erased} == {
        (True, admin_user, "erased")
    }


def test_an_interview_without_a_candidate_is_told_only_that(admin_client, resume):
    """The resume cannot be checked against a candidate not given: no second error."""
    response = admin_client.post(
        "/admin/interviews/interview/add/",
        {"resume": str(resume.pk), "role_type": "python", "total_tokens_used": 0, "cost_usd": "0"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].errors == {"candidate": ["This field is required."]}
    assert not Interview.objects.exists()


def test_an_interview_added_in_the_admin_gets_its_session(admin_client, candidate, resume):
    response = admin_client.post(
        "/admin/interviews/interview/add/",
        {
            "candidate": str(candidate.pk),
            "resume": str(resume.pk),
            "role_type": "python",
            "scheduled_for_0": "2026-12-01",
            "scheduled_for_1": "09:00:00",
            "ai_model_used": "interviewer-v2",
            "total_tokens_used": 0,
            "cost_usd": "0",
            "_continue": "Save and continue editing",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    interview = Interview.objects.get(candidate=candidate)
    # "Save and continue" opens the new interview's own page.
    assert response["Location"] == f"/admin/interviews/interview/{interview.pk}/change/"
    assert (interview.resume, interview.ai_model_used, interview.status) == (
        resume,
        "interviewer-v2",
        "scheduled",
    )
    assert f"{interview.scheduled_for:%Y-%m-%d %H:%M}" == "2026-12-01 09:00"
    assert InterviewSession.objects.filter(interview=interview).exists()


def test_an_email_change_in_the_admin_renames_the_login(admin_client, candidate):
    candidate.user = User.objects.create_user(candidate.email, password="x9-unused")
    candidate.save()
    response = admin_client.post(
        f"/admin/candidates/candidate/{candidate.pk}/change/",
        {
            "email": "ada.king@example.com",
            "full_name": candidate.full_name,
            "phone": "",
            "status": "active",
            "user": str(candidate.user_id),
            "target_role": "",
            "experience_level": "",
            "timezone": "UTC",
            "skills": "python",
            "resumes-TOTAL_FORMS": "0",
            "resumes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    assert User.objects.get(pk=candidate.user_id).username == "ada.king@example.com"


def test_status_deleted_cannot_be_chosen_by_hand(admin_client, candidate):
    page = admin_client.get(f"/admin/candidates/candidate/{candidate.pk}/change/")
    assert 'value="deleted"' not in page.text


def test_autocomplete_offers_live_candidates_only(admin_client, candidate, other_candidate):
    other_candidate.soft_delete()
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "term": "",
            "app_label": "interviews",
            "model_name": "interview",
            "field_name": "candidate",
        },
    )
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {str(candidate.pk)}


def test_chart_scores_read_as_plain_numbers(admin_client, assessment):
    assessment.skill_scores = {"python": {"score": 80}, "sql": 100}
    assessment.save()
    page = admin_client.get(f"/admin/assessments/assessmentresult/{assessment.pk}/change/")
    assert ">80 " in page.text
    assert "E+" not in page.text
