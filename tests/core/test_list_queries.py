"""Every list of the API takes the same number of queries whatever its page size: a
field that reads a related row per result (an N+1) turns these red."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from assessments.models import AssessmentResult
from candidates.models import Candidate, Resume
from interviews import services
from interviews.models import AgentAction, Interview, InterviewMessage

ROWS = 6


@pytest.fixture
def rows_of_every_list(candidate, resume, interview_in_progress):
    for n in range(ROWS):
        baker.make(Candidate, email=f"c{n}@example.com", full_name=f"C {n}")
    baker.make(
        Resume,
        candidate=candidate,
        file_url="https://files.example.com/r.pdf",
        file_name="r.pdf",
        file_size=1_000,
        _quantity=ROWS,
    )
    for _ in range(ROWS):
        interview = services.create_interview(
            candidate=candidate, resume=resume, role_type=Interview.RoleType.PYTHON
        )
        baker.make(
            AssessmentResult,
            interview=interview,
            overall_score=50,
            skill_scores={"python": {"score": 50, "level": "proficient"}},
        )
    baker.make(
        InterviewMessage,
        interview=interview_in_progress,
        session=interview_in_progress.session,
        sequence_number=iter(range(1, ROWS + 1)),
        message_type=InterviewMessage.MessageType.AI_QUESTION,
        content_text="Why?",
        _quantity=ROWS,
    )
    baker.make(
        AgentAction,
        interview=interview_in_progress,
        candidate=candidate,
        agent_type=AgentAction.AgentType.INTERVIEWER,
        action="ask_question",
        status=AgentAction.Status.SUCCEEDED,
        _quantity=ROWS,
    )
    return interview_in_progress


LISTS = [
    "/api/v1/candidates/",
    "/api/v1/resumes/",
    "/api/v1/interviews/",
    "/api/v1/interviews/{interview}/messages/",
    "/api/v1/agent-actions/",
    "/api/v1/assessments/",
]


@pytest.mark.parametrize("path", LISTS)
def test_a_lists_queries_do_not_grow_with_its_page_size(admin_api, rows_of_every_list, path):
    url = path.format(interview=rows_of_every_list.pk)
    queries = {}
    for size in (2, 5):
        with CaptureQueriesContext(connection) as captured:
            response = admin_api.get(url, {"page_size": size})
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == size
        queries[size] = [q["sql"] for q in captured.captured_queries]

    assert len(queries[5]) == len(queries[2]), "\n".join(queries[5])
