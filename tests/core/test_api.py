"""What every endpoint shares: tokens, throttling, pagination, errors, the schema."""

import re

import pytest
import yaml
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import models
from model_bakery import baker

from candidates.models import Candidate

FORBIDDEN = {"detail": "You do not have permission to perform this action."}
BAD_CREDENTIALS = {"non_field_errors": ["Unable to log in with provided credentials."]}


@pytest.fixture
def login(db) -> User:
    return User.objects.create_user("engine@example.com", password="c0rrect-horse-battery")


class TestToken:
    def test_valid_credentials_get_a_token_that_authenticates(self, api_client, login):
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": "engine@example.com", "password": "c0rrect-horse-battery"},
            format="json",
        )
        assert response.status_code == 200
        token = response.json()["token"]

        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        # Authenticated now: no permission yet (403), no longer anonymous (401).
        refused = api_client.get("/api/v1/candidates/")
        assert (refused.status_code, refused.json()) == (403, FORBIDDEN)

    def test_wrong_credentials_answer_400(self, api_client, login):
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": "engine@example.com", "password": "wrong"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == BAD_CREDENTIALS

    def test_an_invalid_token_answers_401(self, api_client, db):
        api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
        response = api_client.get("/api/v1/candidates/")
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid token."}

    def test_password_guessing_is_throttled(self, api_client, login):
        # One guess per username: the lockout (per username and address) never starts,
        # so the 429s are the throttle's, which counts every attempt from an address.
        responses = [
            api_client.post(
                "/api/v1/auth/token/",
                {"username": f"user-{attempt}@example.com", "password": f"guess-{attempt}"},
                format="json",
            )
            for attempt in range(30)
        ]
        assert [r.status_code for r in responses[:20]] == [400] * 20
        assert all(r.json() == BAD_CREDENTIALS for r in responses[:20])
        assert [r.status_code for r in responses[20:]] == [429] * 10
        # Even the right password waits now.
        right = api_client.post(
            "/api/v1/auth/token/",
            {"username": "engine@example.com", "password": "c0rrect-horse-battery"},
            format="json",
        )
        assert right.status_code == 429
        # The wait counts down from the first guess: 60 seconds, or less on a slow machine.
        wait = int(right["Retry-After"])
        assert 0 < wait <= 60
        assert right.json() == {
            "detail": f"Request was throttled. Expected available in {wait} seconds."
        }

    def test_a_forged_forwarded_for_does_not_buy_more_guesses(self, api_client, login):
        """With no proxy declared (NUM_PROXIES), X-Forwarded-For is the client's own
        writing: the limit keys on the connection's address, whatever the header says."""
        statuses = [
            api_client.post(
                "/api/v1/auth/token/",
                {"username": f"user-{attempt}@example.com", "password": f"guess-{attempt}"},
                format="json",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
            ).status_code
            for attempt in range(21)
        ]
        assert statuses == [400] * 20 + [429]


class TestPagination:
    @pytest.fixture
    def sixty_candidates(self, db):
        return baker.make(
            Candidate,
            email=iter(f"person{n}@example.com" for n in range(60)),
            full_name=iter(f"Person {n}" for n in range(60)),
            _quantity=60,
        )

    def test_pages_of_fifty_by_default(self, admin_api, sixty_candidates):
        body = admin_api.get("/api/v1/candidates/").json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert (body["count"], len(body["results"]), body["previous"]) == (60, 50, None)
        assert "page=2" in body["next"]

    @pytest.mark.parametrize("size", [1, 200])
    def test_the_page_size_bounds_are_allowed(self, admin_api, sixty_candidates, size):
        body = admin_api.get(f"/api/v1/candidates/?page_size={size}").json()
        assert len(body["results"]) == min(size, 60)

    def test_page_size_is_chosen_by_the_client(self, admin_api, sixty_candidates):
        body = admin_api.get("/api/v1/candidates/?page_size=7&page=2").json()
        assert len(body["results"]) == 7

    @pytest.mark.parametrize("size", ["201", "0", "-5", "ten"])
    def test_page_sizes_outside_1_to_200_answer_400(self, admin_api, db, size):
        response = admin_api.get(f"/api/v1/candidates/?page_size={size}")
        assert response.status_code == 400
        assert response.json() == {"page_size": ["Must be a whole number from 1 to 200."]}

    def test_a_page_past_the_end_answers_404(self, admin_api, sixty_candidates):
        response = admin_api.get("/api/v1/candidates/?page=3")
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid page."}


class TestErrors:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/candidates/12345/",
            "/api/v1/candidates/not-a-uuid/",
            "/api/v1/assessments/not-a-uuid/",
            "/api/v1/interviews/nope/start/",
            "/api/v1/no-such-resource/",
            "/api/nothing-here",
        ],
    )
    def test_an_address_the_api_does_not_have_answers_json_404(self, admin_api, db, path):
        response = admin_api.get(path)
        assert (response.status_code, response["Content-Type"]) == (404, "application/json")
        assert response.json() == {"detail": "Not found."}

    def test_outside_the_api_a_missing_page_is_djangos_own(self, client, db):
        response = client.get("/nothing-here/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")

    def test_an_unsupported_method_answers_405(self, admin_api, db):
        response = admin_api.delete("/api/v1/candidates/")
        assert response.status_code == 405
        assert response.json() == {"detail": 'Method "DELETE" not allowed.'}

    def test_a_non_json_body_answers_415(self, admin_api, db):
        response = admin_api.post(
            "/api/v1/candidates/", "email=a@b.c", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 415
        assert response.json() == {
            "detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'
        }
        assert not Candidate.all_objects.exists()

    def test_ordering_by_an_unknown_field_answers_400(self, admin_api, db):
        response = admin_api.get("/api/v1/candidates/?ordering=email")
        assert response.status_code == 400
        assert response.json() == {
            "ordering": ["Cannot order by email; choose from created_at, full_name, updated_at."]
        }

    def test_ordering_names_every_unknown_field(self, admin_api, db):
        response = admin_api.get("/api/v1/candidates/?ordering=email,-created_at,-phone")
        assert response.status_code == 400
        assert response.json() == {
            "ordering": [
                "Cannot order by email, -phone; choose from created_at, full_name, updated_at."
            ]
        }

    def test_lists_are_newest_first_unless_asked(self, admin_api, db):
        first = Candidate.objects.create(email="first@example.com", full_name="First")
        second = Candidate.objects.create(email="second@example.com", full_name="Second")
        rows = admin_api.get("/api/v1/candidates/").json()["results"]
        assert [row["id"] for row in rows] == [str(second.pk), str(first.pk)]

    def test_ordering_by_timestamps(self, admin_api, db):
        first = Candidate.objects.create(email="first@example.com", full_name="First")
        second = Candidate.objects.create(email="second@example.com", full_name="Second")
        oldest_first = admin_api.get("/api/v1/candidates/?ordering=created_at").json()["results"]
        newest_first = admin_api.get("/api/v1/candidates/?ordering=-created_at").json()["results"]
        assert [row["id"] for row in oldest_first] == [str(first.pk), str(second.pk)]
        assert [row["id"] for row in newest_first] == [str(second.pk), str(first.pk)]

    @pytest.mark.parametrize(
        ("path", "model"),
        [
            ("/api/v1/candidates/", "candidates.Candidate"),
            ("/api/v1/resumes/", "candidates.Resume"),
            ("/api/v1/interviews/", "interviews.Interview"),
            ("/api/v1/interviews/{interview}/messages/", "interviews.InterviewMessage"),
            ("/api/v1/agent-actions/", "interviews.AgentAction"),
            ("/api/v1/assessments/", "assessments.AssessmentResult"),
        ],
    )
    def test_every_list_orders_by_each_of_its_timestamps(self, admin_api, interview, path, model):
        """SPEC §4.3: every list is ?ordering=-able on its timestamps (the soft-delete
        time is staff bookkeeping, not a timestamp of the record)."""
        timestamps = [
            field.name
            for field in apps.get_model(model)._meta.fields
            if isinstance(field, models.DateTimeField) and field.name != "deleted_at"
        ]
        url = path.format(interview=interview.pk)
        answers = {
            term: admin_api.get(url, {"ordering": term}).status_code
            for name in timestamps
            for term in (name, f"-{name}")
        }
        assert answers == dict.fromkeys(answers, 200)
        assert {"created_at", "updated_at"} <= set(timestamps)


class TestSchema:
    def test_the_openapi_document_builds_without_warnings(self, tmp_path, db):
        target = tmp_path / "schema.yaml"
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
        document = yaml.safe_load(target.read_text())

        paths = document["paths"]
        for path in [
            "/api/v1/auth/token/",
            "/api/v1/candidates/",
            "/api/v1/candidates/{id}/erase/",
            "/api/v1/candidates/{id}/restore/",
            "/api/v1/resumes/{id}/",
            "/api/v1/interviews/{id}/start/",
            "/api/v1/interviews/{interview_id}/session/",
            "/api/v1/interviews/{interview_id}/messages/",
            "/api/v1/agent-actions/",
            "/api/v1/assessments/{id}/review/",
        ]:
            assert path in paths, path
        assert set(paths["/api/v1/agent-actions/{id}/"]) == {"get"}  # Append-only.
        append = paths["/api/v1/interviews/{interview_id}/messages/"]["post"]
        assert {"200", "201", "400", "409"} <= set(append["responses"])
        assert "412" in paths["/api/v1/interviews/{interview_id}/session/"]["patch"]["responses"]
        assessment_filters = {
            parameter["name"] for parameter in paths["/api/v1/assessments/"]["get"]["parameters"]
        }
        assert {
            "skill_scores__contains",
            "skill_scores__has_key",
            "min_score",
        } <= assessment_filters
        # Every soft delete documents its ?reason=, which fills deletion_reason.
        deletes = {path: ops["delete"] for path, ops in paths.items() if "delete" in ops}
        assert "/api/v1/candidates/{id}/" in deletes
        for path, delete in deletes.items():
            parameters = {(p["name"], p["in"]) for p in delete.get("parameters", [])}
            assert ("reason", "query") in parameters, path
            assert "204" in delete["responses"], path

    def test_the_browsable_api_serves_a_signed_in_user(self, admin_client):
        response = admin_client.get("/api/v1/candidates/", HTTP_ACCEPT="text/html")

        assert response.status_code == 200
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert "Django REST framework" in response.content.decode()

    def test_the_schema_and_docs_are_served(self, client, db):
        assert client.get("/api/schema/").status_code == 200
        docs = client.get("/api/docs/")
        assert docs.status_code == 200
        # Swagger UI comes from this server, not from a CDN.
        assets = re.findall(r'(?:src|href)="([^"]+)"', docs.content.decode())
        assert assets
        assert all(not asset.startswith(("http:", "https:", "//")) for asset in assets)


class TestHostileJSON:
    def test_a_body_is_read_in_the_charset_its_request_declares(self, admin_api):
        body = '{"email": "zoe@example.com", "full_name": "Zoë Ångström"}'.encode("latin-1")
        response = admin_api.generic(
            "POST",
            "/api/v1/candidates/",
            body,
            content_type="application/json; charset=iso-8859-1",
        )
        assert response.status_code == 201, response.content
        assert Candidate.objects.get().full_name == "Zoë Ångström"

    @pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/candidates/"])
    def test_a_body_nested_past_the_stack_answers_400(self, admin_api, path):
        response = admin_api.generic("POST", path, "[" * 50_000, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "JSON parse error - nested too deeply."}

    @pytest.mark.parametrize(
        ("value", "why"),
        [
            ("[" * 65 + "]" * 65, "nested more than 64 levels deep"),
            ("[" * 100_000, "nested too deeply"),  # Past the parser's own recursion limit.
            ("9" * 5000, "a number has too many digits"),
            ("NaN", "NaN is not a JSON number"),
            ('{"python": Infinity}', "Infinity is not a JSON number"),
            ('{"python": -Infinity}', "-Infinity is not a JSON number"),
            ('{"python": 1e400}', "numbers must be finite"),
            # The trailing space is stripped, as from every filter value.
            ('{"python": ', "Expecting value: line 1 column 11 (char 10)"),
        ],
    )
    def test_bad_json_in_a_filter_answers_400_naming_it(self, admin_api, value, why):
        response = admin_api.get("/api/v1/assessments/", {"skill_scores__contains": value})
        assert response.status_code == 400
        assert response.json() == {"skill_scores__contains": [f"Enter valid JSON ({why})."]}

    def test_json_64_levels_deep_is_a_filter_like_any_other(self, admin_api, assessment):
        deep = "[" * 64 + "]" * 64
        response = admin_api.get("/api/v1/assessments/", {"integrity_flags__contains": deep})
        assert (response.status_code, response.json()["count"]) == (200, 0)

    def test_a_json_field_nested_too_deeply_answers_400_naming_it(self, admin_api, resume):
        deep = []
        for _ in range(400):
            deep = [deep]
        response = admin_api.patch(
            f"/api/v1/resumes/{resume.pk}/", {"parsed_data": deep}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {
            "parsed_data": ["JSON documents may nest at most 64 levels deep."]
        }
        resume.refresh_from_db()
        assert resume.parsed_data is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/candidates/{candidate}/restore/",
        "/api/v1/candidates/{candidate}/erase/",
        "/api/v1/interviews/{interview}/start/",
        "/api/v1/interviews/{interview}/complete/",
        "/api/v1/interviews/{interview}/abandon/",
        "/api/v1/assessments/{assessment}/review/",
    ],
)
def test_actions_that_write_answer_post_only(admin_api, assessment, path):
    interview = assessment.interview
    candidate = interview.candidate
    candidate.soft_delete(reason="to restore")
    url = path.format(candidate=candidate.pk, interview=interview.pk, assessment=assessment.pk)

    response = admin_api.get(url)

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.'}
    stored = Candidate.all_objects.get(pk=candidate.pk)
    assert (stored.is_deleted, stored.is_erased) == (True, False)
