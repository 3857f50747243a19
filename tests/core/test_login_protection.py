"""Login lockout (django-axes): per username and client address, in the admin and at the
token endpoint; lifted by success, by time, or by an administrator."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import AnonymousUser, User
from django.core.checks import run_checks
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from core.lockout import lockout_response
from tests.dbutils import project_env, run_project

USERNAME = "ada@example.com"
PASSWORD = "an4lytical-engine"  # pragma: allowlist secret
LOGIN_URL = "/admin/login/?next=/admin/"
TOKEN_URL = "/api/v1/auth/token/"
ATTEMPTS_URL = "/admin/axes/accessattempt/"
BAD_CREDENTIALS = {"non_field_errors": ["Unable to log in with provided credentials."]}
LOCKED_OUT_DETAIL = (
    "Too many failed logins for this username from your address: it is locked out for a "
    "while, or until an administrator unlocks it. Expected available in {wait} seconds."
)
#: Defaults: LOGIN_FAILURE_LIMIT=5, LOGIN_COOLOFF_MINUTES=15.
LIMIT = 5
COOL_OFF = timedelta(minutes=15)


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user(USERNAME, password=PASSWORD, is_staff=True)


def admin_login(client: Client, password: str, username: str = USERNAME, **extra):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password, "next": "/admin/"},
        **extra,
    )


def token_login(client: APIClient, password: str, username: str = USERNAME, **extra):
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, format="json", **extra
    )


def is_signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def assert_locked_out_page(response) -> None:
    """The admin's lockout answer: 429, a page in the admin's look that says why, for how
    long, and who can help."""
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert COOL_OFF.total_seconds() - 30 < wait <= COOL_OFF.total_seconds()
    page = response.content.decode()
    assert "<title>Sign-in locked | Django site admin</title>" in page
    # Rendered for this request, as every admin page is (the theme toggle needs it).
    assert '<button class="theme-toggle">' in page
    assert (
        "This account is locked for sign-in from your address after 5 failed\n    attempts."
    ) in page
    assert "Try again in 15 minutes. If you need access sooner," in page
    assert "contact an administrator: they can unlock it." in page
    assert '<a href="/admin/login/">Back to sign-in</a>' in page


class TestAdminLogin:
    def test_the_fifth_failure_locks_the_username_out_at_this_address(self, client, staff):
        failures = [admin_login(client, f"guess-{n}") for n in range(LIMIT - 1)]
        assert [r.status_code for r in failures] == [200] * (LIMIT - 1)
        assert all(
            "Please enter the correct username and password" in r.content.decode() for r in failures
        )

        assert_locked_out_page(admin_login(client, "guess-last"))
        # Locked: the right password does not sign in either.
        right = admin_login(client, PASSWORD)
        assert_locked_out_page(right)
        assert "_auth_user_id" not in client.session

    def test_another_address_or_another_username_is_not_locked(self, client, staff):
        User.objects.create_user("grace@example.com", password=PASSWORD, is_staff=True)
        for n in range(LIMIT):
            admin_login(client, f"guess-{n}")

        elsewhere = admin_login(Client(REMOTE_ADDR="192.0.2.44"), PASSWORD)
        other_user = admin_login(Client(), PASSWORD, username="grace@example.com")

        assert is_signed_in(elsewhere)
        assert is_signed_in(other_user)

    def test_signing_in_forgets_the_failures(self, client, staff):
        for n in range(LIMIT - 1):
            admin_login(client, f"guess-{n}")
        assert is_signed_in(admin_login(client, PASSWORD))
        assert AccessAttempt.objects.count() == 0

        again = [admin_login(Client(), f"again-{n}") for n in range(LIMIT - 1)]

        assert [r.status_code for r in again] == [200] * (LIMIT - 1)

    def test_the_lock_lifts_after_the_cool_off(self, client, staff):
        for n in range(LIMIT):
            admin_login(client, f"guess-{n}")
        attempt = AccessAttempt.objects.get()
        # As if the cool-off had passed since the last failure.
        AccessAttempt.objects.update(attempt_time=attempt.attempt_time - COOL_OFF)

        assert is_signed_in(admin_login(client, PASSWORD))

    def test_attempts_while_locked_out_do_not_prolong_it(self, client, staff):
        for n in range(LIMIT):
            admin_login(client, f"guess-{n}")
        locked = AccessAttempt.objects.values_list("attempt_time", "failures_since_start").get()

        for n in range(3):
            assert admin_login(client, f"more-{n}").status_code == 429

        assert AccessAttempt.objects.values_list("attempt_time", "failures_since_start").get() == (
            locked[0],
            LIMIT,
        )

    def test_the_wait_counts_from_this_usernames_last_failure_at_this_address(self, client, staff):
        for n in range(LIMIT):
            admin_login(client, f"guess-{n}")
        # Failures since then, of another username here and of this one elsewhere.
        admin_login(client, "guess", username="grace@example.com")
        admin_login(Client(REMOTE_ADDR="192.0.2.44"), "guess")
        # This lockout began 295 seconds ago: 605 left, a little over 10 minutes.
        AccessAttempt.objects.filter(username=USERNAME, ip_address="127.0.0.1").update(
            attempt_time=timezone.now() - COOL_OFF + timedelta(seconds=605)
        )

        response = admin_login(client, PASSWORD)

        assert response.status_code == 429
        assert 600 < int(response["Retry-After"]) <= 605
        assert "Try again in 11 minutes." in response.content.decode()

    def test_an_administrator_unlocks_by_deleting_the_attempt(self, client, admin_client, staff):
        for n in range(LIMIT):
            admin_login(client, f"guess-{n}")
        attempt = AccessAttempt.objects.get()

        listed = admin_client.get(ATTEMPTS_URL)
        assert listed.status_code == 200
        page = listed.content.decode()
        assert f'<td class="field-username">{USERNAME}</td>' in page
        assert '<td class="field-status">Locked Out</td>' in page

        deleted = admin_client.post(f"{ATTEMPTS_URL}{attempt.pk}/delete/", {"post": "yes"})

        assert (deleted.status_code, deleted["Location"]) == (302, ATTEMPTS_URL)
        assert is_signed_in(admin_login(client, PASSWORD))

    def test_the_attempts_keep_no_credentials_and_no_login_history(self, client, staff):
        for n in range(2):
            admin_login(client, f"guess-{n}")
        assert is_signed_in(admin_login(Client(REMOTE_ADDR="192.0.2.44"), PASSWORD))

        [attempt] = AccessAttempt.objects.all()
        stored = f"{attempt.get_data}\n{attempt.post_data}"
        assert USERNAME not in stored
        assert "guess-" not in stored
        assert "/admin/" not in stored
        assert attempt.post_data.count("********************") >= 2
        # Successful logins and every failure are not logged: the lockout needs neither.
        assert AccessLog.objects.count() == 0
        assert AccessFailureLog.objects.count() == 0


@pytest.mark.parametrize("login", [admin_login, token_login])
def test_the_logs_of_failures_and_lockouts_carry_no_personal_data(login, staff, caplog):
    """django-axes logs each failure and the lockout: by its masked parameters only, never
    the username, the client's address or its user agent."""
    caplog.set_level("DEBUG")
    client = APIClient() if login is token_login else Client()
    who = {"REMOTE_ADDR": "198.51.100.23", "HTTP_USER_AGENT": "Mozilla/5.0 (Ada's laptop)"}

    answers = [login(client, f"guess-{n}", **who).status_code for n in range(LIMIT + 1)]

    assert answers[-1] == 429
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "axes" in logged.lower()  # The lines are there, and they say what happened.
    for personal in (USERNAME, "198.51.100.23", "Ada's laptop", "guess-"):
        assert personal not in logged


class TestLockoutAnswer:
    """django-axes calls the lockout answer (AXES_LOCKOUT_CALLABLE) with the login's
    credentials; the attempt it read may be gone or run out by then."""

    @staticmethod
    def answer(credentials):
        request = RequestFactory().post(LOGIN_URL)  # The username is in the credentials.
        request.user, request.axes_ip_address = AnonymousUser(), "127.0.0.1"
        return lockout_response(request, None, credentials)

    @staticmethod
    def failed(ago: timedelta) -> None:
        attempt = AccessAttempt.objects.create(
            username=USERNAME, ip_address="127.0.0.1", failures_since_start=LIMIT
        )
        # (attempt_time is set on creation, whatever it is given.)
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - ago)

    def test_the_wait_is_the_credentials_usernames(self, db):
        self.failed(ago=timedelta(minutes=10))

        assert 295 < int(self.answer({"username": USERNAME})["Retry-After"]) <= 300

    def test_an_attempt_unlocked_meanwhile_waits_one_cool_off_at_most(self, db):
        response = self.answer({"username": USERNAME})

        assert (response.status_code, response["Retry-After"]) == (429, "900")

    def test_a_lockout_that_ran_out_meanwhile_waits_one_second(self, db):
        self.failed(ago=COOL_OFF + timedelta(minutes=1))

        assert self.answer({"username": USERNAME})["Retry-After"] == "1"


class TestClientAddress:
    """The address a lockout keys on is the one the API's throttles use (NUM_PROXIES)."""

    @pytest.fixture
    def behind_one_proxy(self, settings):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    @staticmethod
    def via_proxy(forwarded_for: str) -> Client:
        return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    def test_behind_a_proxy_the_forwarded_address_is_locked(self, staff, behind_one_proxy):
        attacker = self.via_proxy("198.51.100.1, 203.0.113.5")
        for n in range(LIMIT):
            admin_login(attacker, f"guess-{n}")

        assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
        assert admin_login(attacker, PASSWORD).status_code == 429
        # Another client behind the same proxy is not locked out.
        assert is_signed_in(admin_login(self.via_proxy("203.0.113.9"), PASSWORD))

    def test_a_forwarded_list_without_spaces_is_read_too(self, staff, behind_one_proxy):
        admin_login(self.via_proxy("198.51.100.1,203.0.113.5"), "guess")

        assert AccessAttempt.objects.get().ip_address == "203.0.113.5"

    def test_a_forwarded_value_that_is_no_address_counts_as_the_proxys(
        self, staff, behind_one_proxy
    ):
        response = admin_login(self.via_proxy("not-an-address"), "guess")

        assert response.status_code == 200
        assert AccessAttempt.objects.get().ip_address == "10.0.0.1"

    def test_without_proxies_a_forged_header_does_not_escape_the_lock(self, staff):
        for n in range(LIMIT):
            admin_login(Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"), f"guess-{n}")

        assert AccessAttempt.objects.get().ip_address == "127.0.0.1"
        assert admin_login(Client(HTTP_X_FORWARDED_FOR="203.0.113.99"), PASSWORD).status_code == (
            429
        )


class TestTokenEndpoint:
    def test_a_locked_out_username_gets_429_never_403(self, api_client, staff):
        failures = [token_login(api_client, f"guess-{n}") for n in range(LIMIT - 1)]
        assert [(r.status_code, r.json()) for r in failures] == [(400, BAD_CREDENTIALS)] * (
            LIMIT - 1
        )

        for response in (token_login(api_client, "guess-last"), token_login(api_client, PASSWORD)):
            assert response.status_code == 429
            wait = int(response["Retry-After"])
            assert COOL_OFF.total_seconds() - 30 < wait <= COOL_OFF.total_seconds()
            assert response.json() == {"detail": LOCKED_OUT_DETAIL.format(wait=wait)}
        # From another address the same login works.
        elsewhere = token_login(APIClient(REMOTE_ADDR="192.0.2.44"), PASSWORD)
        assert (elsewhere.status_code, set(elsewhere.json())) == (200, {"token", "expiry"})

    def test_the_wait_counts_from_this_usernames_last_failure(self, api_client, staff):
        for n in range(LIMIT):
            token_login(api_client, f"guess-{n}")
        # This lockout began 295 seconds ago: 605 left.
        AccessAttempt.objects.update(
            attempt_time=timezone.now() - COOL_OFF + timedelta(seconds=605)
        )

        response = token_login(api_client, PASSWORD)

        assert response.status_code == 429
        assert 600 < int(response["Retry-After"]) <= 605

    def test_the_admin_and_the_api_count_together(self, client, api_client, staff):
        for n in range(LIMIT):
            admin_login(client, f"guess-{n}")

        assert token_login(api_client, PASSWORD).status_code == 429

    def test_a_token_forgets_the_failures(self, api_client, staff):
        for n in range(LIMIT - 1):
            token_login(api_client, f"guess-{n}")
        assert token_login(api_client, PASSWORD).status_code == 200

        again = [token_login(api_client, f"again-{n}").status_code for n in range(LIMIT - 1)]

        assert again == [400] * (LIMIT - 1)


class TestConfiguration:
    def test_axes_system_checks_pass(self):
        assert [message.id for message in run_checks() if message.id.startswith("axes.")] == []

    @pytest.mark.parametrize(
        ("variables", "expected"),
        [
            ({}, "5 0:15:00"),
            ({"LOGIN_FAILURE_LIMIT": "3", "LOGIN_COOLOFF_MINUTES": "60"}, "3 1:00:00"),
        ],
    )
    def test_the_limit_and_cool_off_come_from_the_environment(self, variables, expected):
        env = project_env()
        for name in ("LOGIN_FAILURE_LIMIT", "LOGIN_COOLOFF_MINUTES"):
            env.pop(name, None)
        env.update(variables)

        result = run_project(
            [
                "-c",
                "import django; django.setup(); from django.conf import settings;"
                " print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)",
            ],
            env,
        )

        assert (result.returncode, result.stdout.strip()) == (0, expected), result.stderr

    @pytest.mark.parametrize("variable", ["LOGIN_FAILURE_LIMIT", "LOGIN_COOLOFF_MINUTES"])
    def test_zero_is_refused(self, variable):
        result = run_project(
            ["-c", "import django; django.setup()"], project_env(**{variable: "0"})
        )

        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1] == (
            "django.core.exceptions.ImproperlyConfigured: LOGIN_FAILURE_LIMIT and "
            "LOGIN_COOLOFF_MINUTES must be whole numbers, 1 or more."
        )
