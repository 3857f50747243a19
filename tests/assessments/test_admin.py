"""Assessment review in the admin: scores beside the reasoning, approve or override."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User

from assessments.models import AssessmentResult


def _change_url(assessment):
    return f"/admin/assessments/assessmentresult/{assessment.pk}/change/"


def _review_url(assessment):
    return f"/admin/assessments/assessmentresult/{assessment.pk}/review/"


@pytest.fixture
def recruiter(client, db):
    user = User.objects.create_user("recruiter", password="x9-unused", is_staff=True)
    user.groups.add(Group.objects.get(name="Recruiters"))
    client.force_login(user)
    return user


def test_the_page_shows_a_chart_of_the_scores_next_to_the_reasoning(admin_client, assessment):
    assessment.ai_reasoning = {"summary": "Solid on <asyncio>."}
    assessment.skill_scores = {"python": {"score": 82, "level": "advanced"}, "sql": 40}
    assessment.save()

    page = admin_client.get(_change_url(assessment)).text

    assert '<svg class="skill-chart"' in page
    assert 'width="246"' in page  # 82% of the 300-pixel track.
    assert 'width="120"' in page  # sql: 40%.
    assert "Solid on &lt;asyncio&gt;." in page
    # The change form posts back to its own address.
    assert '<form method="post" id="assessmentresult_form" novalidate>' in page
    assert f'<form method="post" action="{_review_url(assessment)}" id="review-form"' in page


def test_the_page_shows_every_document_of_the_ai_beside_the_scores(admin_client, assessment):
    assessment.skill_boundary_map = {"python": "asyncio"}
    assessment.ai_reasoning = {"summary": "Solid"}
    assessment.strengths = ["generators"]
    assessment.weaknesses = ["sql"]
    assessment.integrity_flags = []
    assessment.recommended_actions = ["advance_to_onsite"]
    assessment.save()

    page = admin_client.get(_change_url(assessment)).text

    interview = assessment.interview
    assert (
        f'<div class="readonly"><a href="/admin/interviews/interview/{interview.pk}/change/">'
        "Python interview (Scheduled)</a> — Ada Lovelace &lt;ada.lovelace@example.com&gt;"
        "</div>"
    ) in page
    start = page.index('<div class="side-by-side">')
    section = page[start : page.index("</div></div>", start) + len("</div></div>")]
    chart = re.search(r"<svg .*?</svg>", section).group(0)
    assert section == (
        f'<div class="side-by-side"><div><h4>Skill scores</h4>{chart}'
        '<pre class="json">{\n  &quot;python&quot;: {\n    &quot;level&quot;: &quot;advanced&quot;,'
        "\n    &quot;score&quot;: 82\n  }\n}</pre>"
        '<h4>Skill boundaries</h4><pre class="json">{\n  &quot;python&quot;: &quot;asyncio&quot;\n}'
        "</pre></div><div><h4>The AI's reasoning</h4>"
        '<pre class="json">{\n  &quot;summary&quot;: &quot;Solid&quot;\n}</pre>'
        '<h4>Strengths</h4><pre class="json">[\n  &quot;generators&quot;\n]</pre>'
        '<h4>Weaknesses</h4><pre class="json">[\n  &quot;sql&quot;\n]</pre>'
        '<h4>Integrity flags</h4><pre class="json">[]</pre>'
        "<h4>Recommended next steps</h4>"
        '<pre class="json">[\n  &quot;advance_to_onsite&quot;\n]</pre>'
        "</div></div>"
    )
    # The change history, from the audit trail: created, then the documents added.
    history = re.search(r'<table class="history">.*?</table>', page, re.S).group(0)
    assert [row[1] for row in re.findall(r"<tr><td>(.*?)</td><td>(\w+)</td>", history)] == [
        "update",
        "insert",
    ]


def test_the_chart_draws_one_bar_per_skill_clamped_to_0_to_100(admin_client, assessment):
    assessment.skill_scores = {
        "python": {"score": 82.5, "level": "advanced"},
        "sql": 40,
        "go": {"score": "n/a"},  # Not a number: no bar.
        "cpp": {"score": 55},  # No level: none shown.
        "rust": 130,
        "c": -5,
    }
    assessment.save()

    page = admin_client.get(_change_url(assessment)).text

    def bar(y, skill, width, label):
        return (
            f'<text x="0" y="{y + 13}">{skill}</text>'
            f'<rect class="track" x="150" y="{y}" width="300" height="16" rx="3"></rect>'
            f'<rect class="bar" x="150" y="{y}" width="{width}" height="16" rx="3"></rect>'
            f'<text x="458" y="{y + 13}">{label}</text>'
        )

    assert (
        '<svg class="skill-chart" role="img" aria-label="Skill scores" '
        'viewBox="0 0 590 130" style="width: 100%; max-width: 590px" '
        'xmlns="http://www.w3.org/2000/svg">'
        # In the order jsonb keeps keys: shorter ones first.
        + bar(0, "c", 0, "0 ")
        + bar(26, "cpp", 165, "55 ")
        + bar(52, "sql", 120, "40 ")
        + bar(78, "rust", 300, "100 ")
        + bar(104, "python", 247, "82.5 advanced")
        + "</svg>"
    ) in page


@pytest.mark.parametrize("skill_scores", [{"python": "strong"}, {"python": {"level": "x"}}])
def test_no_chart_without_a_numeric_score(admin_client, assessment, skill_scores):
    assessment.skill_scores = skill_scores
    assessment.save()
    page = admin_client.get(_change_url(assessment)).text
    assert "skill-chart" not in page
    assert "<h4>Skill scores</h4>—<pre" in page


def _messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_a_recruiter_approves(client, recruiter, assessment):
    response = client.post(_review_url(assessment), {"review_status": "approved"})

    assert response.status_code == 302
    assert response["Location"] == _change_url(assessment)
    assert _messages(client.get(response["Location"])) == [
        ("success", "Review recorded: approved.")
    ]
    reviewed = AssessmentResult.objects.get(pk=assessment.pk)
    assert (reviewed.review_status, reviewed.reviewed_by) == ("approved", recruiter)
    assert reviewed.reviewed_at is not None
    assert reviewed.final_score is None


def test_a_recruiter_overrides_with_a_score_and_notes(client, recruiter, assessment):
    client.post(
        _review_url(assessment),
        {"review_status": "overridden", "final_score": "64.5", "review_notes": "Weak on SQL."},
    )

    reviewed = AssessmentResult.objects.get(pk=assessment.pk)
    assert reviewed.review_status == "overridden"
    assert reviewed.final_score == Decimal("64.50")
    assert reviewed.review_notes == "Weak on SQL."


@pytest.mark.parametrize(
    ("form", "said"),
    [
        # The model's rules, as the API states them (tests/assessments/test_api.py).
        (
            {"review_status": "overridden"},
            "final_score: Required when review_status is overridden.",
        ),
        (
            {"review_status": "approved", "final_score": "55"},
            "final_score: Only an override carries a final score.",
        ),
        (
            {"review_status": "overridden", "final_score": "101"},
            "final_score: Ensure this value is less than or equal to 100.",
        ),
        (
            {"review_status": "pending"},
            "review_status: Select a valid choice. pending is not one of the available choices.",
        ),
        ({}, "review_status: This field is required."),
    ],
)
def test_an_invalid_review_changes_nothing_and_says_why(client, recruiter, assessment, form, said):
    before = AssessmentResult.objects.values().get(pk=assessment.pk)

    response = client.post(_review_url(assessment), form, follow=True)

    assert response.redirect_chain == [(_change_url(assessment), 302)]
    assert _messages(response) == [("error", said)]
    assert AssessmentResult.objects.values().get(pk=assessment.pk) == before


def test_the_review_address_only_takes_posts(client, recruiter, assessment):
    response = client.get(_review_url(assessment))
    assert (response.status_code, response["Location"]) == (302, _change_url(assessment))
    assert AssessmentResult.objects.get(pk=assessment.pk).review_status == "pending"


@pytest.mark.parametrize("deleted", [False, True])
def test_reviewing_a_missing_or_deleted_assessment_is_not_found(
    client, recruiter, assessment, deleted
):
    if deleted:
        assessment.soft_delete(reason="rescored")
        url = _review_url(assessment)
    else:
        url = "/admin/assessments/assessmentresult/00000000-0000-4000-8000-000000000000/review/"
    assert client.post(url, {"review_status": "approved"}).status_code == 404
    assert AssessmentResult.all_objects.get(pk=assessment.pk).review_status == "pending"


def test_a_recruiter_cannot_edit_the_ai_scores(client, recruiter, assessment):
    page = client.get(_change_url(assessment))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    response = client.post(_change_url(assessment), {"overall_score": "100"})
    assert response.status_code == 403
    assert AssessmentResult.objects.get(pk=assessment.pk).overall_score == Decimal("78.50")


def test_even_an_administrator_s_change_form_leaves_the_ai_and_the_review_alone(
    admin_client, assessment
):
    """The AI's output comes through the API and the review through its own form: the
    change form writes neither, whoever sends them."""
    sent = {
        "overall_score": "100",
        "integrity_score": "100",
        "review_status": "overridden",
        "final_score": "100",
        "review_notes": "Rewritten.",
    }
    response = admin_client.post(_change_url(assessment), sent)

    assert response.status_code == 302
    stored = AssessmentResult.objects.get(pk=assessment.pk)
    assert (stored.overall_score, stored.review_status) == (Decimal("78.50"), "pending")
    assert (stored.integrity_score, stored.final_score) == (assessment.integrity_score, None)
    assert stored.review_notes == assessment.review_notes


def test_reviewing_needs_the_review_permission(client, assessment):
    viewer = User.objects.create_user("viewer", password="x9-unused", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_assessmentresult"))
    client.force_login(viewer)

    assert 'id="review-form"' not in client.get(_change_url(assessment)).text
    assert client.post(_review_url(assessment), {"review_status": "approved"}).status_code == 403
    assert AssessmentResult.objects.get(pk=assessment.pk).review_status == "pending"
