"""The interviews API: interviews, status moves, session state, and the transcript."""

import uuid

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from model_bakery import baker

from interviews import services
from interviews.models import Interview, InterviewMessage, InterviewSession

QUESTION = {"message_type": "ai_question", "content_text": "What does the GIL protect?"}
NOWHERE = "0b7c5a36-6a4c-4a5e-9c52-1f6f2f7a4d11"  # A UUID no row has.

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
NOT_FOUND = {"detail": "No Interview matches the given query."}
AT_LEAST_0 = "Ensure this value is greater than or equal to 0."
NO_NUL = "JSON text may not contain NUL (\\u0000) characters."
NOT_A_UUID_KEY = {"Idempotency-Key": ["Must be a UUID."]}
KEY_DIFFERS = {"Idempotency-Key": ["Differs from client_message_id in the body."]}


def _messages_url(interview) -> str:
    return f"/api/v1/interviews/{interview.pk}/messages/"


def _session_url(interview) -> str:
    return f"/api/v1/interviews/{interview.pk}/session/"


# --- Interviews --------------------------------------------------------------------------


class TestInterviews:
    def test_creating_an_interview_creates_its_session(self, engine_api, candidate, resume):
        response = engine_api.post(
            "/api/v1/interviews/",
            {"candidate": str(candidate.pk), "resume": str(resume.pk), "role_type": "python"},
            format="json",
        )

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "scheduled"
        assert body["candidate"] == str(candidate.pk)
        assert body["cost_usd"] == "0.0000"
        assert InterviewSession.objects.get(interview_id=body["id"]).version == 1

    @pytest.mark.parametrize(
        ("payload", "errors"),
        [
            ({"role_type": "cobol"}, {"role_type": ['"cobol" is not a valid choice.']}),
            ({"candidate": "not-a-uuid"}, {"candidate": ["Must be a valid UUID."]}),
            (
                {"candidate": NOWHERE},
                {"candidate": [f'Invalid pk "{NOWHERE}" - object does not exist.']},
            ),
            ({"total_tokens_used": -1}, {"total_tokens_used": [AT_LEAST_0]}),
            ({"cost_usd": "-0.01"}, {"cost_usd": [AT_LEAST_0]}),
            (
                {"cost_usd": "1e400"},
                {"cost_usd": ["Ensure that there are no more than 10 digits in total."]},
            ),
            (
                {"total_tokens_used": 2**40},
                {"total_tokens_used": ["Ensure this value is less than or equal to 2147483647."]},
            ),
            (
                {"scheduled_for": "next tuesday"},
                {
                    "scheduled_for": [
                        "Datetime has wrong format. Use one of these formats instead: "
                        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                    ]
                },
            ),
        ],
    )
    def test_invalid_fields_are_refused_by_name(self, engine_api, candidate, payload, errors):
        data = {"candidate": str(candidate.pk), "role_type": "python"} | payload

        response = engine_api.post("/api/v1/interviews/", data, format="json")

        assert response.status_code == 400
        assert response.json() == errors
        assert not Interview.objects.exists()

    def test_a_resume_of_another_candidate_is_refused(self, engine_api, candidate, other_candidate):
        foreign = other_candidate.resumes.get()
        response = engine_api.post(
            "/api/v1/interviews/",
            {"candidate": str(candidate.pk), "resume": str(foreign.pk), "role_type": "react"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"resume": ["The resume belongs to another candidate."]}

    def test_a_resume_cannot_be_switched_to_another_candidates(
        self, engine_api, interview, other_candidate
    ):
        foreign = other_candidate.resumes.get()
        response = engine_api.patch(
            f"/api/v1/interviews/{interview.pk}/", {"resume": str(foreign.pk)}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"resume": ["The resume belongs to another candidate."]}
        assert Interview.objects.get(pk=interview.pk).resume_id == interview.resume_id

    def test_status_and_its_times_are_changed_only_by_the_moves(self, engine_api, interview):
        moved = {
            "status": "completed",
            "started_at": "2026-01-05T09:00:00Z",
            "completed_at": "2026-01-05T10:00:00Z",
            "duration_seconds": 3600,
        }
        response = engine_api.patch(f"/api/v1/interviews/{interview.pk}/", moved, format="json")

        assert response.status_code == 200
        unmoved = {"status": "scheduled", "started_at": None, "completed_at": None}
        assert {name: response.json()[name] for name in unmoved} == unmoved
        stored = Interview.objects.get(pk=interview.pk)
        assert (stored.status, stored.started_at, stored.completed_at) == ("scheduled", None, None)
        assert stored.duration_seconds is None

    def test_delete_soft_deletes(self, admin_api, interview):
        response = admin_api.delete(f"/api/v1/interviews/{interview.pk}/?reason=duplicate")

        assert response.status_code == 204
        gone = admin_api.get(f"/api/v1/interviews/{interview.pk}/")
        assert (gone.status_code, gone.json()) == (404, NOT_FOUND)
        assert Interview.all_objects.get(pk=interview.pk).deletion_reason == "duplicate"

    def test_filters(self, admin_api, interview, other_candidate, candidate):
        services.start_interview(interview)

        def ids(query):
            response = admin_api.get(f"/api/v1/interviews/?{query}")
            assert response.status_code == 200, response.json()
            return {row["id"] for row in response.json()["results"]}

        assert ids(f"candidate={candidate.pk}") == {str(interview.pk)}
        assert ids("status=in_progress") == {str(interview.pk)}
        assert ids("role_type=react") == {str(other_candidate.interviews.get().pk)}
        assert len(ids("created_after=2000-01-01T00:00:00Z")) == 2
        assert ids("created_before=2000-01-01T00:00:00Z") == set()
        # Both bounds include the instant itself.
        Interview.objects.filter(pk=interview.pk).update(created_at="2024-03-10T12:00:00Z")
        assert len(ids("created_after=2024-03-10T12:00:00Z")) == 2
        assert ids("created_before=2024-03-10T12:00:00Z") == {str(interview.pk)}

    @pytest.mark.parametrize(
        ("query", "errors"),
        [
            (
                "status=paused",
                {"status": ["Select a valid choice. paused is not one of the available choices."]},
            ),
            ("candidate=123", {"candidate": ["Enter a valid UUID."]}),
            ("created_after=yesterday", {"created_after": ["Enter a valid date/time."]}),
            (
                "ordering=cost_usd",
                {
                    "ordering": [
                        "Cannot order by cost_usd; choose from completed_at, created_at, "
                        "scheduled_for, started_at, updated_at."
                    ]
                },
            ),
        ],
    )
    def test_bad_filters_answer_400_naming_the_parameter(self, admin_api, query, errors):
        response = admin_api.get(f"/api/v1/interviews/?{query}")
        assert response.status_code == 400
        assert response.json() == errors

    def test_list_query_count_does_not_grow_with_rows(
        self, admin_api, candidate, django_assert_max_num_queries
    ):
        for _ in range(40):
            services.create_interview(candidate=candidate, role_type="python")
        with django_assert_max_num_queries(4):
            response = admin_api.get("/api/v1/interviews/?page_size=200")
        assert response.json()["count"] == 40


class TestPermissions:
    def test_anonymous_callers_are_asked_to_authenticate(self, api_client, interview):
        response = api_client.get("/api/v1/interviews/")
        assert response.status_code == 401
        assert response.json() == NOT_AUTHENTICATED
        assert response["WWW-Authenticate"] == "Token"

    def test_staff_without_permission_are_refused(self, staff_without_permissions, interview):
        listed = staff_without_permissions.get("/api/v1/interviews/")
        assert (listed.status_code, listed.json()) == (403, FORBIDDEN)
        one = staff_without_permissions.get(f"/api/v1/interviews/{interview.pk}/")
        assert (one.status_code, one.json()) == (403, FORBIDDEN)

    def test_view_permission_allows_reading_only(self, make_staff, interview):
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(make_staff("interviews.view_interview"))
        assert client.get(f"/api/v1/interviews/{interview.pk}/").status_code == 200
        started = client.post(f"/api/v1/interviews/{interview.pk}/start/")
        assert (started.status_code, started.json()) == (403, FORBIDDEN)
        deleted = client.delete(f"/api/v1/interviews/{interview.pk}/")
        assert (deleted.status_code, deleted.json()) == (403, FORBIDDEN)
        assert Interview.objects.get(pk=interview.pk).status == "scheduled"

    def test_a_candidate_sees_only_their_own_interviews(
        self, candidate_api, interview, other_candidate
    ):
        listed = candidate_api.get("/api/v1/interviews/").json()["results"]
        assert [row["id"] for row in listed] == [str(interview.pk)]
        assert "deleted_at" not in listed[0]

        theirs = other_candidate.interviews.get()
        one = candidate_api.get(f"/api/v1/interviews/{theirs.pk}/")
        assert (one.status_code, one.json()) == (404, NOT_FOUND)
        transcript = candidate_api.get(_messages_url(theirs))
        assert (transcript.status_code, transcript.json()) == (404, NOT_FOUND)

    def test_a_candidate_reads_their_transcript_but_writes_nothing(self, candidate_api, message):
        interview = message.interview
        assert candidate_api.get(_messages_url(interview)).json()["count"] == 1
        appended = candidate_api.post(_messages_url(interview), QUESTION, format="json")
        assert (appended.status_code, appended.json()) == (403, FORBIDDEN)
        abandoned = candidate_api.post(f"/api/v1/interviews/{interview.pk}/abandon/")
        assert (abandoned.status_code, abandoned.json()) == (403, FORBIDDEN)
        session = candidate_api.get(_session_url(interview))
        assert (session.status_code, session.json()) == (403, FORBIDDEN)
        assert InterviewMessage.objects.count() == 1
        assert Interview.objects.get(pk=interview.pk).status == "in_progress"


# --- Status moves ---------------------------------------------------------------------


class TestStatusMoves:
    def test_start_complete(self, engine_api, interview):
        before = timezone.now()
        started = engine_api.post(f"/api/v1/interviews/{interview.pk}/start/")
        assert started.status_code == 200
        assert started.json()["status"] == "in_progress"
        started_at = parse_datetime(started.json()["started_at"])
        assert before <= started_at <= timezone.now()

        completed = engine_api.post(f"/api/v1/interviews/{interview.pk}/complete/")
        assert completed.status_code == 200
        body = completed.json()
        assert (body["status"], parse_datetime(body["started_at"])) == ("completed", started_at)
        completed_at = parse_datetime(body["completed_at"])
        assert started_at <= completed_at <= timezone.now()
        assert body["duration_seconds"] == int((completed_at - started_at).total_seconds())

    @pytest.mark.parametrize(
        ("move", "allowed"),
        [
            ("start", "'scheduled'"),
            ("complete", "'in_progress'"),
            ("abandon", "'in_progress' or 'scheduled'"),
        ],
    )
    def test_a_forbidden_move_answers_409_says_why_and_changes_nothing(
        self, engine_api, interview, move, allowed
    ):
        services.abandon_interview(interview)
        before = Interview.objects.values().get(pk=interview.pk)

        response = engine_api.post(f"/api/v1/interviews/{interview.pk}/{move}/")

        target = {"start": "in_progress", "complete": "completed", "abandon": "abandoned"}[move]
        assert response.status_code == 409
        assert response.json() == {
            "detail": f"Cannot move an interview from 'abandoned' to '{target}'; "
            f"only from {allowed}."
        }
        assert Interview.objects.values().get(pk=interview.pk) == before

    def test_moves_of_an_unknown_interview_answer_404(self, engine_api, db):
        unknown = engine_api.post(f"/api/v1/interviews/{uuid.uuid4()}/start/")
        assert (unknown.status_code, unknown.json()) == (404, NOT_FOUND)
        assert engine_api.post("/api/v1/interviews/nope/start/").status_code == 404


# --- Session state --------------------------------------------------------------------


class TestSession:
    def test_get_returns_the_version_as_etag(self, engine_api, interview):
        response = engine_api.get(_session_url(interview))
        assert response.status_code == 200
        assert response["ETag"] == '"1"'
        assert response.json()["version"] == 1

    def test_patch_with_a_current_etag_writes_and_bumps_the_version(self, engine_api, interview):
        response = engine_api.patch(
            _session_url(interview),
            {"current_difficulty_level": "advanced", "conversation_memory": {"turns": 3}},
            format="json",
            HTTP_IF_MATCH='"1"',
        )

        assert response.status_code == 200
        assert response["ETag"] == '"2"'
        session = InterviewSession.objects.get(interview=interview)
        assert (session.version, session.current_difficulty_level) == (2, "advanced")
        assert session.conversation_memory == {"turns": 3}

    def test_a_stale_etag_answers_412_and_changes_nothing(self, engine_api, interview):
        first = engine_api.patch(
            _session_url(interview),
            {"questions_asked_count": 1},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
        assert first.status_code == 200

        stale = engine_api.patch(
            _session_url(interview),
            {"questions_asked_count": 9},
            format="json",
            HTTP_IF_MATCH='"1"',
        )

        assert stale.status_code == 412
        assert stale.json() == {"detail": 'The session is at version 2, not "1"; read it again.'}
        session = InterviewSession.objects.get(interview=interview)
        assert (session.version, session.questions_asked_count) == (2, 1)

    @pytest.mark.parametrize("claimed", [1, 50])
    def test_clients_cannot_set_the_version(self, engine_api, interview, claimed):
        """Only the database moves it, so a client cannot rewind or skip past a writer."""
        response = engine_api.patch(
            _session_url(interview),
            {"version": claimed, "questions_asked_count": 2},
            format="json",
            HTTP_IF_MATCH='"1"',
        )

        assert response.status_code == 200
        assert (response["ETag"], response.json()["version"]) == ('"2"', 2)
        assert InterviewSession.objects.get(interview=interview).version == 2

    def test_if_match_star_writes_whatever_the_version(self, engine_api, interview):
        services.update_session(interview.session, questions_asked_count=1)

        response = engine_api.patch(
            _session_url(interview), {"questions_asked_count": 2}, format="json", HTTP_IF_MATCH="*"
        )

        assert response.status_code == 200
        assert response["ETag"] == '"3"'
        assert InterviewSession.objects.get(interview=interview).questions_asked_count == 2

    def test_each_interview_has_its_own_session(self, engine_api, interview, other_candidate):
        other = Interview.objects.get(candidate=other_candidate)
        services.update_session(other.session, questions_asked_count=4)

        mine = engine_api.get(_session_url(interview))
        theirs = engine_api.get(_session_url(other))

        assert (mine.json()["id"], mine.json()["questions_asked_count"]) == (
            str(interview.session.pk),
            0,
        )
        assert (theirs.json()["id"], theirs["ETag"]) == (str(other.session.pk), '"2"')

    def test_reading_a_session_takes_a_fixed_number_of_queries(
        self, engine_api, interview, django_assert_num_queries
    ):
        # The caller's candidate link, their permissions, the interview with its session.
        with django_assert_num_queries(3):
            response = engine_api.get(_session_url(interview))
        assert response.status_code == 200

    def test_patch_without_if_match_still_bumps_the_version(self, engine_api, interview):
        response = engine_api.patch(
            _session_url(interview), {"progression_state": {"streak": 1}}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["version"] == 2

    @pytest.mark.parametrize(
        ("payload", "errors"),
        [
            (
                {"current_difficulty_level": "expert"},
                {"current_difficulty_level": ['"expert" is not a valid choice.']},
            ),
            ({"questions_asked_count": -1}, {"questions_asked_count": [AT_LEAST_0]}),
            ({"conversation_memory": {"text": "nul\u0000byte"}}, {"conversation_memory": [NO_NUL]}),
        ],
    )
    def test_invalid_session_fields_answer_400(self, engine_api, interview, payload, errors):
        response = engine_api.patch(_session_url(interview), payload, format="json")
        assert response.status_code == 400
        assert response.json() == errors
        assert InterviewSession.objects.get(interview=interview).version == 1

    def test_version_cannot_be_written(self, engine_api, interview):
        response = engine_api.patch(_session_url(interview), {"version": 40}, format="json")
        assert response.json()["version"] == 2


# --- Transcript ------------------------------------------------------------------------


class TestTranscript:
    def test_append_numbers_messages_and_assigns_the_session(
        self, engine_api, interview_in_progress
    ):
        url = _messages_url(interview_in_progress)
        first = engine_api.post(url, QUESTION, format="json")
        second = engine_api.post(
            url,
            {
                "message_type": "candidate_response",
                "content_text": "Reference counts of objects shared between threads.",
                "response_time_seconds": 21,
                "metadata": {"confidence": "0.9"},
                # Clients never choose these; the server ignores them.
                "sequence_number": 99,
                "session": str(uuid.uuid4()),
            },
            format="json",
        )

        assert (first.status_code, second.status_code) == (201, 201)
        assert [first.json()["sequence_number"], second.json()["sequence_number"]] == [1, 2]
        assert second.json()["session"] == str(interview_in_progress.session.pk)

    def test_an_append_takes_a_fixed_number_of_queries(
        self, engine_api, interview_in_progress, django_assert_num_queries
    ):
        url = _messages_url(interview_in_progress)
        engine_api.post(url, {"message_type": "ai_question", "content_text": "Q1"}, format="json")
        # In a savepoint: the caller's interview, found and locked with its session in
        # one query; the insert, which the database numbers.
        with django_assert_num_queries(4):
            response = engine_api.post(
                url, {"message_type": "ai_question", "content_text": "Q2"}, format="json"
            )
        assert response.status_code == 201

    def test_a_deleted_interviews_transcript_is_not_there_for_the_engine(
        self, engine_api, interview_in_progress
    ):
        url = _messages_url(interview_in_progress)
        engine_api.post(url, QUESTION, format="json")
        interview_in_progress.soft_delete(reason="Duplicate")

        response = engine_api.get(url)

        assert (response.status_code, response.json()) == (
            404,
            {"detail": "No Interview matches the given query."},
        )

    def test_an_empty_transcript_is_an_empty_list(self, engine_api, interview_in_progress):
        response = engine_api.get(_messages_url(interview_in_progress))

        assert (response.status_code, response.json()["count"], response.json()["results"]) == (
            200,
            0,
            [],
        )

    def test_a_transcript_reads_in_one_query_with_its_interviews_check(
        self, engine_api, interview_in_progress, django_assert_num_queries
    ):
        url = _messages_url(interview_in_progress)
        engine_api.post(url, QUESTION, format="json")

        # force_authenticate: no token query, and the permissions read by the first
        # request stay on the login. The page, read with the check that the interview
        # is one the caller sees; it is the last page, so nothing is counted.
        with django_assert_num_queries(1):
            response = engine_api.get(url)

        assert [m["content_text"] for m in response.json()["results"]] == [QUESTION["content_text"]]

    def test_reads_are_ordered_and_follow_with_after(self, engine_api, interview_in_progress):
        url = _messages_url(interview_in_progress)
        for number in range(1, 6):
            engine_api.post(url, QUESTION | {"content_text": f"Question {number}"}, format="json")

        everything = engine_api.get(url).json()
        later = engine_api.get(f"{url}?after=3").json()

        assert [m["sequence_number"] for m in everything["results"]] == [1, 2, 3, 4, 5]
        assert [m["content_text"] for m in later["results"]] == ["Question 4", "Question 5"]

    @pytest.mark.parametrize(
        ("after", "message"),
        [("-1", AT_LEAST_0), ("two", "Enter a whole number."), ("1.5", "Enter a whole number.")],
    )
    def test_a_bad_after_answers_400(self, engine_api, interview_in_progress, after, message):
        response = engine_api.get(f"{_messages_url(interview_in_progress)}?after={after}")
        assert response.status_code == 400
        assert response.json() == {"after": [message]}

    def test_appending_to_an_interview_not_in_progress_answers_409(self, engine_api, interview):
        response = engine_api.post(_messages_url(interview), QUESTION, format="json")
        assert response.status_code == 409
        assert response.json() == {
            "detail": "Messages can only be appended to an interview in progress; "
            "this one is scheduled."
        }
        assert not InterviewMessage.objects.exists()

    def test_a_retry_with_the_same_client_message_id_returns_the_original(
        self, engine_api, interview_in_progress
    ):
        url = _messages_url(interview_in_progress)
        payload = QUESTION | {"client_message_id": str(uuid.uuid4())}

        first = engine_api.post(url, payload, format="json")
        retry = engine_api.post(url, payload, format="json")

        assert (first.status_code, retry.status_code) == (201, 200)
        assert retry.json() == first.json()
        assert InterviewMessage.objects.count() == 1

    def test_a_retry_with_the_same_idempotency_key_returns_the_original(
        self, engine_api, interview_in_progress
    ):
        url = _messages_url(interview_in_progress)
        key = str(uuid.uuid4())

        first = engine_api.post(url, QUESTION, format="json", HTTP_IDEMPOTENCY_KEY=key)
        retry = engine_api.post(url, QUESTION, format="json", HTTP_IDEMPOTENCY_KEY=key)

        assert (first.status_code, retry.status_code) == (201, 200)
        assert retry.json()["id"] == first.json()["id"]
        assert first.json()["client_message_id"] == key
        assert InterviewMessage.objects.count() == 1

    def test_a_retry_after_the_interview_ended_still_returns_the_original(
        self, engine_api, interview_in_progress
    ):
        url = _messages_url(interview_in_progress)
        key = str(uuid.uuid4())
        first = engine_api.post(url, QUESTION, format="json", HTTP_IDEMPOTENCY_KEY=key)
        services.complete_interview(interview_in_progress)

        retry = engine_api.post(url, QUESTION, format="json", HTTP_IDEMPOTENCY_KEY=key)

        assert retry.status_code == 200
        assert retry.json()["id"] == first.json()["id"]

    @pytest.mark.parametrize(
        "key",
        ["not-a-uuid", "", "12345", f"{uuid.uuid4()}x", "0b7c5a36-6a4c-4a5e-9c52"],
        ids=["text", "empty", "digits", "trailing-junk", "truncated"],
    )
    def test_an_idempotency_key_that_is_not_a_uuid_answers_400(
        self, engine_api, interview_in_progress, key
    ):
        response = engine_api.post(
            _messages_url(interview_in_progress), QUESTION, format="json", HTTP_IDEMPOTENCY_KEY=key
        )

        assert response.status_code == 400
        assert response.json() == NOT_A_UUID_KEY
        assert not InterviewMessage.objects.exists()

    def test_an_idempotency_key_differing_from_the_body_answers_400(
        self, engine_api, interview_in_progress
    ):
        response = engine_api.post(
            _messages_url(interview_in_progress),
            QUESTION | {"client_message_id": str(uuid.uuid4())},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )

        assert response.status_code == 400
        assert response.json() == KEY_DIFFERS
        assert not InterviewMessage.objects.exists()

    def test_an_idempotency_key_equal_to_the_body_is_accepted(
        self, engine_api, interview_in_progress
    ):
        key = uuid.uuid4()

        # The same UUID, written differently: upper case in the header, plain in the body.
        response = engine_api.post(
            _messages_url(interview_in_progress),
            QUESTION | {"client_message_id": str(key)},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(key).upper(),
        )

        assert response.status_code == 201, response.content
        assert response.json()["client_message_id"] == str(key)
        assert InterviewMessage.objects.get().client_message_id == key

    def test_the_idempotency_key_header_name_is_case_insensitive(
        self, engine_api, interview_in_progress
    ):
        url = _messages_url(interview_in_progress)
        key = str(uuid.uuid4())

        first = engine_api.post(url, QUESTION, format="json", headers={"idempotency-key": key})
        retry = engine_api.post(url, QUESTION, format="json", headers={"IDEMPOTENCY-KEY": key})
        bad = engine_api.post(url, QUESTION, format="json", headers={"idempotency-KEY": "nope"})

        assert (first.status_code, retry.status_code) == (201, 200)
        assert first.json()["client_message_id"] == key
        assert retry.json() == first.json()
        assert (bad.status_code, bad.json()) == (400, NOT_A_UUID_KEY)
        assert InterviewMessage.objects.count() == 1

    @pytest.mark.parametrize("via", ["body", "header"])
    def test_the_same_key_on_two_interviews_stores_two_messages(
        self, engine_api, interview_in_progress, other_candidate, via
    ):
        other = services.start_interview(Interview.objects.get(candidate=other_candidate))
        key = str(uuid.uuid4())
        if via == "body":
            send = {"data": QUESTION | {"client_message_id": key}}
        else:
            send = {"data": QUESTION, "HTTP_IDEMPOTENCY_KEY": key}

        mine = engine_api.post(_messages_url(interview_in_progress), format="json", **send)
        theirs = engine_api.post(_messages_url(other), format="json", **send)

        assert (mine.status_code, theirs.status_code) == (201, 201)
        assert mine.json()["id"] != theirs.json()["id"]
        assert (mine.json()["interview"], theirs.json()["interview"]) == (
            str(interview_in_progress.pk),
            str(other.pk),
        )
        assert [mine.json()["sequence_number"], theirs.json()["sequence_number"]] == [1, 1]
        assert mine.json()["client_message_id"] == theirs.json()["client_message_id"] == key
        assert InterviewMessage.objects.filter(client_message_id=key).count() == 2

    @pytest.mark.parametrize("via", ["body", "header"])
    def test_a_different_key_is_a_new_message_not_a_replay(
        self, engine_api, interview_in_progress, via
    ):
        url = _messages_url(interview_in_progress)

        def send(key, text):
            body = QUESTION | {"content_text": text}
            if via == "body":
                return engine_api.post(url, body | {"client_message_id": key}, format="json")
            return engine_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

        first = send(str(uuid.uuid4()), "First question?")
        second = send(str(uuid.uuid4()), "Second question?")

        assert (first.status_code, second.status_code) == (201, 201)
        assert second.json()["id"] != first.json()["id"]
        assert second.json()["sequence_number"] == 2
        assert second.json()["content_text"] == "Second question?"
        assert list(
            InterviewMessage.objects.order_by("sequence_number").values_list(
                "sequence_number", "content_text"
            )
        ) == [(1, "First question?"), (2, "Second question?")]

    @pytest.mark.parametrize(
        ("payload", "errors"),
        [
            ({"client_message_id": "nope"}, {"client_message_id": ["Must be a valid UUID."]}),
            ({"message_type": "system"}, {"message_type": ['"system" is not a valid choice.']}),
            ({"content_text": ""}, {"content_text": ["This field may not be blank."]}),
            ({"content_text": None}, {"content_text": ["This field may not be null."]}),
            (
                {"content_audio_url": "javascript:alert(1)"},
                {"content_audio_url": ["Enter a valid URL."]},
            ),
            ({"response_time_seconds": -3}, {"response_time_seconds": [AT_LEAST_0]}),
            ({"audio_metadata": {"codec": "opus\u0000"}}, {"audio_metadata": [NO_NUL]}),
        ],
    )
    def test_bad_appends_answer_400_naming_the_field(
        self, engine_api, interview_in_progress, payload, errors
    ):
        response = engine_api.post(
            _messages_url(interview_in_progress), QUESTION | payload, format="json"
        )
        assert response.status_code == 400
        assert response.json() == errors
        assert not InterviewMessage.objects.exists()

    def test_malformed_and_non_object_bodies_answer_400(self, engine_api, interview_in_progress):
        url = _messages_url(interview_in_progress)
        broken = engine_api.generic(
            "POST", url, '{"content_text": ', content_type="application/json"
        )
        listed = engine_api.post(url, [QUESTION], format="json")
        assert (broken.status_code, broken.json()) == (
            400,
            {"detail": "JSON parse error - Expecting value: line 1 column 18 (char 17)"},
        )
        assert (listed.status_code, listed.json()) == (
            400,
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
        )
        assert not InterviewMessage.objects.exists()

    def test_transcript_read_query_count_does_not_grow(
        self, engine_api, interview_in_progress, django_assert_max_num_queries
    ):
        session = interview_in_progress.session
        baker.make(
            InterviewMessage,
            interview=interview_in_progress,
            session=session,
            sequence_number=iter(range(1, 151)),
            message_type="ai_question",
            content_text="Why?",
            content_audio_url=None,
            _quantity=150,
        )
        # Caller's candidate link, permissions (2), the interview, count, the page.
        with django_assert_max_num_queries(6):
            response = engine_api.get(f"{_messages_url(interview_in_progress)}?page_size=200")
        assert response.json()["count"] == 150


class TestReviewedEdges:
    def test_an_empty_audio_link_is_a_field_error(self, engine_api, interview_in_progress):
        response = engine_api.post(
            _messages_url(interview_in_progress),
            QUESTION | {"content_audio_url": ""},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"content_audio_url": ["This field may not be blank."]}
        assert not InterviewMessage.objects.exists()

    def test_a_weak_etag_does_not_match(self, engine_api, interview):
        response = engine_api.patch(
            _session_url(interview),
            {"questions_asked_count": 1},
            format="json",
            HTTP_IF_MATCH='W/"1"',
        )
        assert response.status_code == 412
        assert response.json() == {
            "detail": 'The session is at version 1, not W/"1"; read it again.'
        }
        assert InterviewSession.objects.get(interview=interview).version == 1

    @pytest.mark.parametrize("header", ['"7", "1"', '"1", "7"', '"1","7"'])
    def test_any_listed_etag_may_match(self, engine_api, interview, header):
        response = engine_api.patch(
            _session_url(interview),
            {"questions_asked_count": 1},
            format="json",
            HTTP_IF_MATCH=header,
        )
        assert response.status_code == 200
        assert response.json()["version"] == 2

    def test_the_transcript_can_be_ordered_by_its_timestamps(
        self, engine_api, interview_in_progress
    ):
        url = _messages_url(interview_in_progress)
        for number in range(3):
            engine_api.post(url, QUESTION | {"content_text": f"Q{number}"}, format="json")
        newest = engine_api.get(f"{url}?ordering=-created_at").json()["results"]
        assert [m["sequence_number"] for m in newest] == [3, 2, 1]


class TestDeletedReferences:
    def test_no_interview_for_a_deleted_candidate_or_resume(self, engine_api, candidate, resume):
        resume.soft_delete(reason="wrong file")
        refused = engine_api.post(
            "/api/v1/interviews/",
            {"candidate": str(candidate.pk), "resume": str(resume.pk), "role_type": "python"},
            format="json",
        )
        candidate.soft_delete(reason="left")
        also_refused = engine_api.post(
            "/api/v1/interviews/",
            {"candidate": str(candidate.pk), "role_type": "python"},
            format="json",
        )

        assert (refused.status_code, refused.json()) == (
            400,
            {"resume": [f'Invalid pk "{resume.pk}" - object does not exist.']},
        )
        assert (also_refused.status_code, also_refused.json()) == (
            400,
            {"candidate": [f'Invalid pk "{candidate.pk}" - object does not exist.']},
        )
        assert not Interview.all_objects.exists()

    def test_the_ai_may_still_record_actions_about_deleted_records(self, engine_api, interview):
        """The audit trail outlives a soft delete: what the AI did stays recordable."""
        interview.soft_delete(reason="duplicate")
        interview.candidate.soft_delete(reason="left")

        response = engine_api.post(
            "/api/v1/agent-actions/",
            {
                "interview": str(interview.pk),
                "candidate": str(interview.candidate_id),
                "agent_type": "orchestrator",
                "action": "close_interview",
                "status": "succeeded",
            },
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["interview"] == str(interview.pk)


class TestTranscriptRepresentation:
    """The transcript read builds its JSON from rows, not model instances: it must be
    the message serializer's, field for field, whatever the message holds."""

    def test_every_field_reads_as_the_serializer_writes_it(self, engine_api, interview_in_progress):
        from interviews.serializers import InterviewMessageSerializer

        session = interview_in_progress.session
        full = baker.make(
            InterviewMessage,
            interview=interview_in_progress,
            session=session,
            sequence_number=1,
            message_type="candidate_response",
            content_text="It protects refcounts — «ünïcode».",
            content_audio_url="https://audio.example.com/1.ogg",
            audio_duration_seconds=42,
            audio_metadata={"codec": "opus", "schema_version": 1},
            response_time_seconds=7,
            metadata={"topic": "gil", "schema_version": 1},
            client_message_id=uuid.uuid4(),
        )
        bare = baker.make(
            InterviewMessage,
            interview=interview_in_progress,
            session=session,
            sequence_number=2,
            message_type="ai_question",
            content_text="Next?",
            content_audio_url=None,
            audio_duration_seconds=None,
            response_time_seconds=None,
            client_message_id=None,
        )

        response = engine_api.get(_messages_url(interview_in_progress))

        assert response.status_code == 200
        expected = [InterviewMessageSerializer(m).data for m in (full, bare)]
        assert response.json()["results"] == [dict(row) for row in expected]
        assert response.json()["results"][0]["created_at"] == expected[0]["created_at"]
        assert set(response.json()["results"][0]) == set(InterviewMessageSerializer().fields)


def test_an_append_to_an_interview_the_caller_cannot_see_is_a_404(
    engine_api, interview_in_progress
):
    unknown = engine_api.post(
        f"/api/v1/interviews/{uuid.uuid4()}/messages/", QUESTION, format="json"
    )
    interview_in_progress.soft_delete(reason="A duplicate")
    deleted = engine_api.post(_messages_url(interview_in_progress), QUESTION, format="json")

    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not found."})
    assert (deleted.status_code, deleted.json()) == (404, {"detail": "Not found."})
    assert not InterviewMessage.objects.exists()
