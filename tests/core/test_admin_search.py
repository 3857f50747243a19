"""Every admin list of a candidate's records is searched by the candidate's email and by
their name: a recruiter finds a candidate's interview, resume or assessment from either."""

import pytest

#: The candidate's email, and their name as a phrase (quoted: one term, which the email,
#: ada.lovelace@…, does not contain).
SEARCHES = ["ada.lovelace@example.com", '"Ada Lovelace"']


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize(
    ("changelist", "record"),
    [
        ("/admin/candidates/candidate/", lambda assessment: assessment.interview.candidate),
        ("/admin/candidates/resume/", lambda assessment: assessment.interview.resume),
        ("/admin/interviews/interview/", lambda assessment: assessment.interview),
        ("/admin/assessments/assessmentresult/", lambda assessment: assessment),
    ],
)
def test_a_candidate_s_records_are_found_by_email_and_by_name(
    admin_client, assessment, other_candidate, changelist, record, search
):
    found = record(assessment)
    others = [other_candidate, *other_candidate.resumes.all(), *other_candidate.interviews.all()]

    page = admin_client.get(changelist, {"q": search})

    assert page.status_code == 200
    listed = {row.pk for row in page.context["cl"].result_list}
    assert found.pk in listed
    assert not listed & {other.pk for other in others}
