"""Erasure in the candidates admin: the action shows what goes before it erases, for admins only."""

import pytest
from django.contrib.auth.models import Group, User
from model_bakery import baker

from candidates.models import Candidate, Resume
from interviews.models import InterviewMessage
from tests.candidates.test_admin import CHANGELIST, _action, assert_confirms


@pytest.fixture
def recruiter_client(client, db):
    user = User.objects.create_user("recruiter", password="x9-unused", is_staff=True)
    user.groups.add(Group.objects.get(name="Recruiters"))
    client.force_login(user)
    return client


class TestErase:
    def test_erase_shows_what_will_be_removed_before_doing_it(
        self, admin_client, candidate, other_candidate
    ):
        page = _action(admin_client, "erase_selected", [candidate, other_candidate])

        assert page.status_code == 200
        assert page.context["title"] == "Erase personal data"
        assert "<p>Erasure cannot be undone.</p>" in page.text
        # What the models declare (core/personal.py), each kind named once.
        assert (
            '<ul class="removed">'
            "<li>name, email address and phone number (also from the change history)</li>"
            "<li>their login: it is deactivated and its API tokens deleted</li>"
            "<li>the reasons staff gave for deleting their records</li>"
            "<li>resume links and parsed resumes</li>"
            "<li>the AI&#x27;s working memory, its inputs and outputs and its reasons about "
            "them</li>"
            "<li>the candidate&#x27;s answers in interview transcripts "
            "(replaced by [erased])</li>"
            "<li>every audio recording link of their interviews</li>"
            "<li>the AI&#x27;s reasoning about them (strengths, weaknesses, integrity flags, "
            "recommended actions) and the reviewer&#x27;s notes</li></ul>"
        ) in page.text
        assert (
            '<ul class="kept">'
            "<li>an anonymous, deleted candidate record</li>"
            "<li>their interviews: the interviewer&#x27;s questions, the numbering, timings "
            "and status</li>"
            "<li>the anonymous profile (role, level, skills, time zone), for statistics</li>"
            "<li>what the AI did and with which model: not about the candidate</li>"
            "<li>scores by skill and level, anonymous once the candidate is erased, for "
            "statistics</li></ul>"
        ) in page.text
        assert_confirms(page, "erase_selected", "Erase personal data", [candidate, other_candidate])
        assert Candidate.objects.get(pk=candidate.pk).full_name == "Ada Lovelace"

    def test_confirming_erases(self, admin_client, candidate, message):
        baker.make(
            InterviewMessage,
            interview=message.interview,
            session=message.session,
            sequence_number=2,
            message_type="candidate_response",
            content_text="My answer, with personal details.",
        )

        response = _action(admin_client, "erase_selected", [candidate], confirm="yes")

        assert response.status_code == 302
        erased = Candidate.all_objects.get(pk=candidate.pk)
        assert erased.is_erased
        assert erased.full_name == "Erased candidate"
        assert InterviewMessage.objects.get(sequence_number=2).content_text == "[erased]"
        assert Resume.all_objects.get(candidate=candidate).parsed_data is None

    def test_recruiters_have_no_erase_or_delete(self, recruiter_client, candidate):
        page = recruiter_client.get(CHANGELIST)
        assert page.status_code == 200
        assert "erase_selected" not in page.text
        assert "soft_delete_selected" not in page.text
        assert "export_csv" in page.text

        response = _action(recruiter_client, "erase_selected", [candidate], confirm="yes")
        # An action the user may not run is no choice: Django answers with the list
        # again and a "No action selected" message.
        assert response.status_code == 302
        assert Candidate.objects.get(pk=candidate.pk).full_name == "Ada Lovelace"
