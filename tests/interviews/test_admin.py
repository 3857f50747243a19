"""The interview page: details, session, the transcript as a conversation, links."""

from model_bakery import baker

from interviews import services
from interviews.models import AgentAction, Interview, InterviewMessage


def _page(client, interview):
    response = client.get(f"/admin/interviews/interview/{interview.pk}/change/")
    assert response.status_code == 200
    return response.text


def test_the_transcript_reads_as_a_conversation_in_order(admin_client, interview_in_progress):
    session = interview_in_progress.session
    for number, (kind, text, seconds) in enumerate(
        [
            ("ai_question", "Tell me about <generators>.", None),
            ("candidate_response", "They yield & pause.", 17),
            ("ai_question", "And coroutines?", None),
        ],
        start=1,
    ):
        baker.make(
            InterviewMessage,
            interview=interview_in_progress,
            session=session,
            sequence_number=number,
            message_type=kind,
            content_text=text,
            response_time_seconds=seconds,
        )

    page = _page(admin_client, interview_in_progress)

    first = page.index("Tell me about &lt;generators&gt;.")  # Escaped, not markup.
    second = page.index("They yield &amp; pause.")
    third = page.index("And coroutines?")
    assert first < second < third
    assert "AI interviewer" in page
    assert "Candidate · #2" in page
    assert "answered in 17 s" in page


def test_the_page_shows_session_state_assessment_and_agent_actions(
    admin_client, assessment, candidate
):
    interview = assessment.interview
    session = interview.session
    session.conversation_memory = {"topics": ["asyncio"], "notes": "<b>strong</b>"}
    session.save()
    baker.make(
        AgentAction,
        interview=interview,
        agent_type="interviewer",
        action="raise_difficulty",
        status="succeeded",
        rationale="Two correct answers in a row.",
    )

    page = _page(admin_client, interview)

    assert "&quot;topics&quot;: [" in page  # Pretty-printed JSON ...
    assert "&lt;b&gt;strong&lt;/b&gt;" in page  # ... and escaped.
    assert f"/admin/assessments/assessmentresult/{assessment.pk}/change/" in page
    assert f"/admin/candidates/candidate/{candidate.pk}/change/" in page
    assert "raise_difficulty" in page
    assert "Two correct answers in a row." in page


def test_status_moves_from_the_list_report_refusals(admin_client, interview, candidate):
    done = services.abandon_interview(
        services.create_interview(candidate=candidate, role_type="react")
    )

    response = admin_client.post(
        "/admin/interviews/interview/",
        {"action": "start_selected", "_selected_action": [str(interview.pk), str(done.pk)]},
        follow=True,
    )

    assert Interview.objects.get(pk=interview.pk).status == "in_progress"
    assert Interview.objects.get(pk=done.pk).status == "abandoned"
    text = response.text
    assert "Started 1 interviews." in text
    assert "Cannot move an interview from &#x27;abandoned&#x27;" in text


def test_the_transcript_page_query_count_does_not_grow(
    admin_client, interview_in_progress, django_assert_max_num_queries
):
    baker.make(
        InterviewMessage,
        interview=interview_in_progress,
        session=interview_in_progress.session,
        sequence_number=iter(range(1, 101)),
        message_type="ai_question",
        content_text="Why?",
        _quantity=100,
    )
    with django_assert_max_num_queries(25):
        _page(admin_client, interview_in_progress)
