"""The interview page: details, session, the transcript as a conversation, links."""

import re

import pytest
from model_bakery import baker

from core.admin import REFUSED_MESSAGE
from interviews import services
from interviews.models import AgentAction, Interview, InterviewMessage
from tests.failing_writes import failing_write


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


def _move(client, action, interviews):
    response = client.post(
        "/admin/interviews/interview/",
        {"action": action, "_selected_action": [str(i.pk) for i in interviews]},
        follow=True,
    )
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_status_moves_from_the_list_report_refusals(admin_client, interview, candidate):
    done = services.abandon_interview(
        services.create_interview(candidate=candidate, role_type="react")
    )

    said = _move(admin_client, "start_selected", [interview, done])

    assert Interview.objects.get(pk=interview.pk).status == "in_progress"
    assert Interview.objects.get(pk=done.pk).status == "abandoned"
    assert said == [
        ("success", "Started 1 interviews."),
        (
            "warning",
            "React interview (Abandoned): Cannot move an interview from 'abandoned' to "
            "'in_progress'; only from 'scheduled'.",
        ),
    ]


@pytest.mark.parametrize(
    ("action", "verb", "status"),
    [
        ("start_selected", "Started", "in_progress"),
        ("abandon_selected", "Abandoned", "abandoned"),
    ],
)
def test_status_moves_from_the_list_count_what_moved(
    admin_client, interview, candidate, action, verb, status
):
    other = services.create_interview(candidate=candidate, role_type="react")

    assert _move(admin_client, action, [interview, other]) == [("success", f"{verb} 2 interviews.")]
    assert set(Interview.objects.values_list("status", flat=True)) == {status}


def test_completing_from_the_list(admin_client, interview_in_progress):
    assert _move(admin_client, "complete_selected", [interview_in_progress]) == [
        ("success", "Completed 1 interviews.")
    ]
    assert Interview.objects.get(pk=interview_in_progress.pk).status == "completed"


def test_a_move_of_nothing_movable_only_warns(admin_client, interview):
    services.abandon_interview(interview)
    said = _move(admin_client, "complete_selected", [interview])
    assert said == [
        (
            "warning",
            "Python interview (Abandoned): Cannot move an interview from 'abandoned' to "
            "'completed'; only from 'in_progress'.",
        )
    ]


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


def test_a_move_the_database_refuses_is_reported_and_the_others_go_on(
    admin_client, interview, candidate
):
    other = services.create_interview(candidate=candidate, role_type="react")

    with failing_write("interviews", "UPDATE", when=f"NEW.id = '{other.pk}'"):
        said = _move(admin_client, "start_selected", [interview, other])

    assert said == [
        ("success", "Started 1 interviews."),
        ("warning", f"React interview (Scheduled): {REFUSED_MESSAGE}"),
    ]
    assert Interview.objects.get(pk=interview.pk).status == "in_progress"
    assert Interview.objects.get(pk=other.pk).status == "scheduled"


def test_editing_an_interview_in_the_admin_saves_it(admin_client, interview, candidate, resume):
    response = admin_client.post(
        f"/admin/interviews/interview/{interview.pk}/change/",
        {
            "candidate": str(candidate.pk),
            "resume": str(resume.pk),
            "role_type": "fullstack",
            "scheduled_for_0": "2026-12-24",
            "scheduled_for_1": "09:30:00",
            "ai_model_used": "interviewer-v2",
            "total_tokens_used": 1200,
            "cost_usd": "0.4200",
        },
    )

    assert response.status_code == 302
    stored = Interview.objects.get(pk=interview.pk)
    assert (stored.role_type, stored.ai_model_used, str(stored.cost_usd)) == (
        "fullstack",
        "interviewer-v2",
        "0.4200",
    )
    assert f"{stored.scheduled_for:%Y-%m-%d %H:%M}" == "2026-12-24 09:30"
    assert (stored.status, Interview.objects.count()) == ("scheduled", 1)
    assert stored.session == interview.session


def test_an_interview_without_a_session_says_so(admin_client, candidate):
    # Rows written outside the services (plain SQL, a data import) may lack one.
    bare = baker.make(Interview, candidate=candidate, role_type="python")
    page = _page(admin_client, bare)
    assert re.search(
        r'field-session_state">\s*<div>\s*<div class="flex-container">\s*'
        r'<label>Session:</label>\s*<div class="readonly">—</div>',
        page,
    )
    assert "<h4>Conversation memory</h4>" not in page


def test_the_transcript_list_shows_each_message_cut_to_80_characters(
    admin_client, interview_in_progress
):
    for text in ["x" * 80, "y" * 81]:
        services.append_message(
            interview_in_progress, message_type="ai_question", content_text=text
        )
    page = admin_client.get("/admin/interviews/interviewmessage/").text
    assert f'<td class="field-excerpt">{"x" * 80}</td>' in page
    assert f'<td class="field-excerpt">{"y" * 79}…</td>' in page


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def test_the_interview_page_shows_each_part_exactly(admin_client, assessment, candidate):
    interview = services.start_interview(assessment.interview)
    session = services.update_session(
        interview.session,
        conversation_memory={"notes": "n"},
        skill_boundaries_identified={"python": "b"},
        progression_state={"streak": 1},
        current_difficulty_level="advanced",
        questions_asked_count=3,
    )
    question, _ = services.append_message(
        interview, message_type="ai_question", content_text="Q <1>?"
    )
    answer, _ = services.append_message(
        interview,
        message_type="candidate_response",
        content_text="A & b",
        response_time_seconds=17,
        content_audio_url="https://audio.example.com/a.ogg",
    )
    action = baker.make(
        AgentAction,
        interview=interview,
        agent_type="interviewer",
        action="raise_difficulty",
        status="succeeded",
        rationale="Two <right>.",
    )
    session.refresh_from_db()

    page = _page(admin_client, interview)

    assert f'<a href="/admin/candidates/candidate/{candidate.pk}/change/">open</a>' in _readonly(
        page, "candidate_link"
    )
    assert _readonly(page, "assessment_links") == (
        f'<a href="/admin/assessments/assessmentresult/{assessment.pk}/change/">'
        "Assessment 78.50 (Pending)</a>"
    )
    transcript = re.search(
        r'<div class="readonly">(<div class="transcript">.*?</div></div></div>)</div>', page, re.S
    )
    assert transcript.group(1) == (
        '<div class="transcript">'
        '<div class="turn ai_question"><div class="meta">'
        f"AI interviewer · #1 · {_when(question.created_at)}</div>"
        '<div class="text">Q &lt;1&gt;?</div></div>'
        '<div class="turn candidate_response"><div class="meta">'
        f"Candidate · #2 · {_when(answer.created_at)} · answered in 17 s"
        ' · <a href="https://audio.example.com/a.ogg" rel="noopener noreferrer">audio</a>'
        '</div><div class="text">A &amp; b</div></div></div>'
    )
    assert _readonly(page, "session_state") == (
        "<p>Difficulty <b>Advanced</b> · 3 questions asked · version "
        f"{session.version} · last activity {_when(session.last_activity_at)} · "
        f'<a href="/admin/interviews/interviewsession/{session.pk}/change/">session page</a></p>'
        '<h4>Conversation memory</h4><pre class="json">{\n  &quot;notes&quot;: &quot;n&quot;\n}'
        '</pre><h4>Skill boundaries</h4><pre class="json">{\n  &quot;python&quot;: '
        "&quot;b&quot;\n}</pre><h4>Progression</h4>"
        '<pre class="json">{\n  &quot;streak&quot;: 1\n}</pre>'
    )
    assert _readonly(page, "agent_actions") == (
        "<table><thead><tr><th>When</th><th>Agent</th><th>Action</th><th>Status</th>"
        "<th>Why</th></tr></thead><tbody><tr><td>"
        f'<a href="/admin/interviews/agentaction/{action.pk}/change/">'
        f"{_when(action.created_at)}</a></td><td>interviewer</td><td>raise_difficulty</td>"
        "<td>succeeded</td><td>Two &lt;right&gt;.</td></tr></tbody></table>"
    )
    history = re.search(r'<table class="history">.*?</table>', page, re.S).group(0)
    assert re.findall(r"<td>(insert|update)</td>", history) == ["update", "insert"]


def test_a_session_without_notes_shows_a_dash_for_each(admin_client, interview):
    session = interview.session

    page = _page(admin_client, interview)

    assert _readonly(page, "session_state").endswith(
        "<h4>Conversation memory</h4>—<h4>Skill boundaries</h4>—<h4>Progression</h4>—"
    )
    assert (
        session.conversation_memory,
        session.skill_boundaries_identified,
        session.progression_state,
    ) == (None, None, None)


def test_each_agent_action_is_a_row_of_one_table(admin_client, interview):
    for action in ("ask_question", "raise_difficulty"):
        baker.make(
            AgentAction,
            interview=interview,
            agent_type="interviewer",
            action=action,
            status="succeeded",
        )
    table = _readonly(_page(admin_client, interview), "agent_actions")
    # Between the rows: the header's end, then nothing.
    assert re.findall(r"</tr>(.*?)<tr><td>", table) == ["</thead><tbody>", ""]


def test_an_interview_with_nothing_yet_says_so(admin_client, interview):
    page = _page(admin_client, interview)
    assert _readonly(page, "transcript") == "No messages yet."
    assert _readonly(page, "agent_actions") == "—"
    assert _readonly(page, "assessment_links") == "—"


def test_the_candidate_page_lists_their_interviews_newest_first(admin_client, candidate):
    older = services.start_interview(
        services.create_interview(candidate=candidate, role_type="python")
    )
    newer = services.create_interview(candidate=candidate, role_type="react")

    page = admin_client.get(f"/admin/candidates/candidate/{candidate.pk}/change/").text

    def row(interview, role, status):
        when = f"{interview.created_at:%Y-%m-%d %H:%M}"
        return (
            f'<div><a href="/admin/interviews/interview/{interview.pk}/change/">'
            f"{role} interview</a> — {status}, {when}</div>"
        )

    overview = row(newer, "React", "Scheduled") + row(older, "Python", "In Progress")
    assert f'<div class="readonly">{overview}</div>' in page


def test_a_candidate_without_interviews_says_so(admin_client, candidate):
    page = admin_client.get(f"/admin/candidates/candidate/{candidate.pk}/change/").text
    assert _readonly(page, "interviews_overview") == "—"


def _readonly(page: str, field: str) -> str:
    """The rendered value of a read-only field (one without nested blocks)."""
    [value] = re.findall(
        rf'field-{field}">.*?<div class="readonly">(.*?)</div>\s*</div>', page, re.S
    )
    return value
