"""API tokens: issued by POST /api/v1/auth/token/, stored as digests, expiring, and the
plain-text tokens of before moved over by a migration (core.0001)."""

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from knox.signals import token_expired
from rest_framework.test import APIClient

from core.authentication import TokenAuthentication
from tests.dbutils import project_env, run_project

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "c0rrect-horse-battery"  # pragma: allowlist secret
INVALID_TOKEN = {"detail": "Invalid token."}
TTL = timedelta(days=30)


@pytest.fixture
def login(db) -> User:
    """A superuser's login, so that any API read proves the token authenticated."""
    return User.objects.create_superuser("engine@example.com", "engine@example.com", PASSWORD)


def issue(client: APIClient, **body) -> tuple[int, dict]:
    body = {"username": "engine@example.com", "password": PASSWORD, **body}
    response = client.post(TOKEN_URL, body, format="json")
    return response.status_code, response.json()


def read_with(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/candidates/")


def assert_close(moment, expected, *, within=timedelta(seconds=30)) -> None:
    assert expected - within <= moment <= expected + within, (moment, expected)


class TestIssuing:
    def test_credentials_get_a_token_with_its_expiry(self, api_client, login):
        status, body = issue(api_client)

        assert status == 200
        assert set(body) == {"token", "expiry"}
        [stored] = AuthToken.objects.filter(user=login)
        assert parse_datetime(body["expiry"]) == stored.expiry
        # API_TOKEN_TTL_DAYS, 30 by default.
        assert_close(stored.expiry, timezone.now() + TTL)
        assert read_with(body["token"]).status_code == 200

    def test_the_database_keeps_a_digest_never_the_token(self, api_client, login):
        _status, body = issue(api_client)
        token = body["token"]

        [(digest, token_key)] = AuthToken.objects.values_list("digest", "token_key")
        assert digest == hashlib.sha512(token.encode()).hexdigest()
        assert token_key == token[:15]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM knox_authtoken t WHERE t::text LIKE %s", [f"%{token}%"]
            )
            assert cursor.fetchone() == (0,)

    def test_each_login_gets_a_token_of_its_own(self, api_client, login):
        tokens = [issue(api_client)[1]["token"] for _ in range(2)]

        assert tokens[0] != tokens[1]
        assert [read_with(token).status_code for token in tokens] == [200, 200]

    def test_the_lifetime_follows_the_setting(self, api_client, login, settings):
        settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=7)}

        _status, body = issue(api_client)

        assert_close(parse_datetime(body["expiry"]), timezone.now() + timedelta(days=7))

    def test_a_stale_token_sent_along_does_not_stop_a_new_login(self, api_client, login):
        api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")

        status, body = issue(api_client)

        assert status == 200
        assert read_with(body["token"]).status_code == 200

    @pytest.mark.parametrize(
        ("body", "errors"),
        [
            pytest.param(
                {"password": "wrong"},  # pragma: allowlist secret
                {"non_field_errors": ["Unable to log in with provided credentials."]},
                id="wrong password",
            ),
            pytest.param(
                {"username": "nobody@example.com"},
                {"non_field_errors": ["Unable to log in with provided credentials."]},
                id="no such login",
            ),
            pytest.param(
                {"username": ""},
                {"username": ["This field may not be blank."]},
                id="blank username",
            ),
            pytest.param(
                {"username": "x" * 151},
                {"username": ["Ensure this field has no more than 150 characters."]},
                id="username too long",
            ),
            pytest.param(
                {"password": None},
                {"password": ["This field may not be null."]},
                id="null password",
            ),
        ],
    )
    def test_bad_credentials_answer_400_and_issue_nothing(self, api_client, login, body, errors):
        assert issue(api_client, **body) == (400, errors)
        assert AuthToken.objects.count() == 0

    def test_a_body_that_is_not_an_object_answers_400(self, api_client, db):
        response = api_client.post(TOKEN_URL, ["engine@example.com", PASSWORD], format="json")

        assert response.status_code == 400
        assert response.json() == {
            "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
        }

    def test_missing_fields_answer_400(self, api_client, db):
        response = api_client.post(TOKEN_URL, {}, format="json")

        assert response.status_code == 400
        assert response.json() == {
            "username": ["This field is required."],
            "password": ["This field is required."],
        }

    def test_a_password_is_taken_as_typed(self, api_client, login):
        login.set_password(f"  {PASSWORD} ")
        login.save()

        assert issue(api_client, password=f"  {PASSWORD} ")[0] == 200
        assert issue(api_client, password=PASSWORD)[0] == 400

    def test_a_form_body_answers_415(self, api_client, login):
        response = api_client.post(
            TOKEN_URL,
            f"username={login.username}&password={PASSWORD}",
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 415
        assert response.json() == {
            "detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'
        }

    def test_a_browser_gets_json_too(self, api_client, login):
        response = api_client.post(
            TOKEN_URL,
            {"username": login.username, "password": PASSWORD},
            format="json",
            HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8",
        )

        assert (response.status_code, response["Content-Type"]) == (200, "application/json")

    def test_the_schema_describes_the_endpoint_and_the_token(self, client, db):
        schema = client.get("/api/schema/", {"format": "json"}).json()

        endpoint = schema["paths"]["/api/v1/auth/token/"]["post"]
        assert "security" not in endpoint
        assert set(endpoint["responses"]) == {"200", "400", "429"}
        assert schema["components"]["schemas"]["Token"]["required"] == ["expiry", "token"]
        assert schema["components"]["securitySchemes"]["tokenAuth"] == {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with required prefix "Token"',
        }
        candidates = schema["paths"]["/api/v1/candidates/"]["get"]
        assert candidates["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]

    def test_an_inactive_login_gets_no_token(self, api_client, login):
        User.objects.filter(pk=login.pk).update(is_active=False)

        assert issue(api_client) == (
            400,
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        )


class TestPresenting:
    def test_an_expired_token_sharing_the_key_prefix_does_not_hide_a_valid_one(
        self, api_client, login
    ):
        """Tokens are looked up by their first characters; another token with the same
        ones, expired and met first, is removed and the search goes on."""
        _status, body = issue(api_client)
        valid = AuthToken.objects.get()
        AuthToken.objects.all().delete()
        AuthToken.objects.bulk_create(
            [
                AuthToken(
                    digest="0" * len(valid.digest),
                    token_key=valid.token_key,
                    user=login,
                    expiry=timezone.now() - timedelta(seconds=1),
                ),
                valid,  # Stored second: read second.
            ]
        )

        assert read_with(body["token"]).status_code == 200
        assert list(AuthToken.objects.values_list("digest", flat=True)) == [valid.digest]

    def test_an_expired_token_answers_401_and_is_removed(self, api_client, login):
        _status, body = issue(api_client)
        AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
        expired = []

        def receiver(sender, **kwargs):
            expired.append((sender, kwargs))

        token_expired.connect(receiver)
        try:
            response = read_with(body["token"])
        finally:
            token_expired.disconnect(receiver)

        assert (response.status_code, response.json()) == (401, INVALID_TOKEN)
        assert response["WWW-Authenticate"] == "Token"
        assert AuthToken.objects.count() == 0
        # knox's signal, as knox sends it, for whoever listens (an audit log, say).
        assert expired == [
            (
                TokenAuthentication,
                {"signal": token_expired, "username": login.get_username(), "source": "auth_token"},
            )
        ]

    def test_a_token_about_to_expire_still_works(self, api_client, login):
        _status, body = issue(api_client)
        AuthToken.objects.update(expiry=timezone.now() + timedelta(minutes=1))

        assert read_with(body["token"]).status_code == 200

    def test_an_erased_candidates_tokens_stop_working(self, admin_api, candidate):
        candidate.user = User.objects.create_user(candidate.email, password=PASSWORD)
        candidate.save(update_fields=["user", "updated_at"])
        _instance, token = AuthToken.objects.create(user=candidate.user)

        assert admin_api.post(f"/api/v1/candidates/{candidate.pk}/erase/").status_code == 200

        response = read_with(token)
        assert (response.status_code, response.json()) == (401, INVALID_TOKEN)

    @pytest.mark.parametrize(
        "token",
        [
            pytest.param("caf\xe9" * 10, id="not UTF-8"),
            pytest.param("abc\x00def", id="NUL"),
            pytest.param("0123456789abcdef", id="unknown"),
        ],
    )
    def test_a_malformed_token_answers_401(self, login, token):
        response = read_with(token)

        assert (response.status_code, response.json()) == (401, INVALID_TOKEN)

    def test_the_header_keeps_its_token_prefix(self, api_client, login):
        _status, body = issue(api_client)
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")

        response = api_client.get("/api/v1/candidates/")

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"

    def test_a_token_that_shares_a_real_ones_key_but_not_its_digest_is_refused(
        self, api_client, login
    ):
        _status, body = issue(api_client)
        forged = body["token"][:15] + "0" * (len(body["token"]) - 15)

        response = read_with(forged)

        assert (response.status_code, response.json()) == (401, INVALID_TOKEN)
        assert read_with(body["token"]).status_code == 200

    def test_issuing_a_token_deletes_the_logins_expired_ones_only(self, api_client, login):
        _status, first = issue(api_client)
        _status, second = issue(api_client)
        AuthToken.objects.filter(token_key=first["token"][:15]).update(
            expiry=timezone.now() - timedelta(seconds=1)
        )
        someone_else = User.objects.create_user("other", password=PASSWORD)
        theirs, _token = AuthToken.objects.create(user=someone_else)
        AuthToken.objects.filter(pk=theirs.pk).update(expiry=timezone.now() - timedelta(days=1))

        _status, third = issue(api_client)

        kept = set(AuthToken.objects.values_list("token_key", flat=True))
        assert kept == {second["token"][:15], third["token"][:15], theirs.token_key}
        assert read_with(second["token"]).status_code == 200

    def test_a_request_reads_the_token_login_candidate_and_permissions_in_one_query(
        self, django_assert_num_queries, make_staff, interview
    ):
        """Through a token, as a client sends it: the token with its login, the login's
        candidate and its permissions (one query), the row."""
        engine = make_staff("candidates.view_candidate")
        _instance, token = AuthToken.objects.create(user=engine)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        with django_assert_num_queries(2):
            response = client.get(f"/api/v1/candidates/{interview.candidate_id}/")

        assert response.status_code == 200

    def test_permissions_read_with_the_token_are_the_logins_own_and_its_groups(
        self, make_staff, interview
    ):
        engine = make_staff("candidates.view_candidate")
        group = Group.objects.create(name="interviewers")
        group.permissions.add(Permission.objects.get(codename="view_interview"))
        engine.groups.add(group)
        _instance, token = AuthToken.objects.create(user=engine)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        assert client.get(f"/api/v1/candidates/{interview.candidate_id}/").status_code == 200
        assert client.get(f"/api/v1/interviews/{interview.pk}/").status_code == 200
        # Neither holds this one.
        assert client.get("/api/v1/assessments/").status_code == 403

    def test_permissions_withdrawn_count_from_the_next_request(self, make_staff, interview):
        engine = make_staff("candidates.view_candidate")
        _instance, token = AuthToken.objects.create(user=engine)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        url = f"/api/v1/candidates/{interview.candidate_id}/"
        assert client.get(url).status_code == 200

        engine.user_permissions.clear()

        assert client.get(url).status_code == 403

    def test_a_candidate_reads_their_record_with_a_token_in_two_queries(
        self, django_assert_num_queries, candidate
    ):
        candidate.user = User.objects.create_user(candidate.email, password=PASSWORD)
        candidate.save(update_fields=["user"])
        _instance, token = AuthToken.objects.create(user=candidate.user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        # The token with the login and its candidate; the record. No permission query:
        # a candidate's rights are their own rows.
        with django_assert_num_queries(2):
            response = client.get(f"/api/v1/candidates/{candidate.pk}/")

        assert (response.status_code, response.json()["id"]) == (200, str(candidate.pk))

    def test_a_deleted_candidates_token_no_longer_reaches_their_record(self, candidate):
        candidate.user = User.objects.create_user(candidate.email, password=PASSWORD)
        candidate.save(update_fields=["user"])
        _instance, token = AuthToken.objects.create(user=candidate.user)
        candidate.deleted_at = timezone.now()
        candidate.save(update_fields=["deleted_at"])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        response = client.get(f"/api/v1/candidates/{candidate.pk}/")

        assert response.status_code == 403


class TestAdmin:
    ADD_URL = "/admin/knox/authtoken/add/"

    def test_a_token_made_in_the_admin_is_shown_once_and_expires(self, admin_client, login):
        form = admin_client.get(self.ADD_URL)
        assert form.status_code == 200
        initial = form.context["adminform"].form.initial["expiry"]
        assert_close(initial, timezone.now() + TTL)

        expiry = timezone.now() + timedelta(days=2)
        response = admin_client.post(
            self.ADD_URL,
            {
                "user": login.pk,
                "expiry_0": f"{expiry:%Y-%m-%d}",
                "expiry_1": f"{expiry:%H:%M:%S}",
            },
            follow=True,
        )

        shown, added = [str(m) for m in response.context["messages"]]
        assert added.endswith(" : engine@example.com</a>” was added successfully.")
        token = shown.removeprefix("TOKEN ")
        assert read_with(token).status_code == 200
        stored = AuthToken.objects.get(user=login)
        assert stored.expiry == expiry.replace(microsecond=0)
        assert stored.digest == hashlib.sha512(token.encode()).hexdigest()

    def test_a_token_without_an_expiry_is_refused(self, admin_client, login):
        response = admin_client.post(
            self.ADD_URL, {"user": login.pk, "expiry_0": "", "expiry_1": ""}
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {"expiry": ["This field is required."]}
        assert AuthToken.objects.count() == 0


class TestSettings:
    @pytest.mark.parametrize(
        ("value", "ttl"), [(None, "30 days, 0:00:00"), ("7", "7 days, 0:00:00")]
    )
    def test_api_token_ttl_days_sets_the_lifetime(self, value, ttl):
        env = project_env()
        env.pop("API_TOKEN_TTL_DAYS", None)
        if value is not None:
            env["API_TOKEN_TTL_DAYS"] = value

        result = run_project(
            [
                "-c",
                "import django; django.setup(); from django.conf import settings;"
                " print(settings.REST_KNOX['TOKEN_TTL'])",
            ],
            env,
        )

        assert (result.returncode, result.stdout.strip()) == (0, ttl), result.stderr

    def test_a_lifetime_under_a_day_is_refused(self):
        result = run_project(
            ["-c", "import django; django.setup()"], project_env(API_TOKEN_TTL_DAYS="0")
        )

        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1] == (
            "django.core.exceptions.ImproperlyConfigured: "
            "API_TOKEN_TTL_DAYS must be a whole number of days, 1 or more."
        )


# --- The plain-text tokens of before (core.0001) -------------------------------------

#: authtoken_token as DRF's migrations made it (``sqlmigrate authtoken 0001``; 0002 to
#: 0004 change nothing in the database), and their records in django_migrations.
OLD_TOKEN_TABLE = [
    'CREATE TABLE "authtoken_token" ("key" varchar(40) NOT NULL PRIMARY KEY,'
    ' "created" timestamp with time zone NOT NULL, "user_id" integer NOT NULL UNIQUE)',
    'ALTER TABLE "authtoken_token" ADD CONSTRAINT'
    ' "authtoken_token_user_id_35299eff_fk_auth_user_id" FOREIGN KEY ("user_id")'
    ' REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED',
    'CREATE INDEX "authtoken_token_key_10f0b77e_like" ON "authtoken_token"'
    ' ("key" varchar_pattern_ops)',
]
OLD_MIGRATIONS = [
    "0001_initial",
    "0002_auto_20160226_1747",
    "0003_tokenproxy",
    "0004_alter_tokenproxy_options",
]


def make_old_token_table(tokens: list[tuple[str, int, object]]) -> None:
    """The table and records of a deployment from before knox, holding ``tokens``
    (key, user id, created)."""
    with connection.cursor() as cursor:
        for statement in OLD_TOKEN_TABLE:
            cursor.execute(statement)
        cursor.executemany(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, %s)", tokens
        )
        cursor.executemany(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', %s, now())",
            [(name,) for name in OLD_MIGRATIONS],
        )
        # Check the rows' foreign keys now, as their commit long ago did: PostgreSQL
        # refuses to drop a table with checks still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def rerun_the_migration() -> None:
    """Apply core.0001 anew, as ``migrate`` does on a database that has not run it."""
    call_command("migrate", "core", "zero", verbosity=0)
    call_command("migrate", "core", verbosity=0)


def old_table_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('authtoken_token')")
        return cursor.fetchone()[0] is not None


def old_migration_records() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'authtoken' ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


class TestPlainTextTokensOfBefore:
    def test_they_keep_working_as_digests_and_the_plain_text_goes(self, login):
        key = secrets.token_hex(20)  # As DRF made them: 40 hex digits.
        issued = timezone.now() - timedelta(days=400)
        make_old_token_table([(key, login.pk, issued)])

        rerun_the_migration()

        response = read_with(key)
        assert response.status_code == 200
        assert not old_table_exists()
        assert old_migration_records() == []
        [moved] = AuthToken.objects.all()
        assert (moved.user_id, moved.created) == (login.pk, issued)
        assert moved.digest == hashlib.sha512(key.encode()).hexdigest()
        assert moved.token_key == key[:15]
        # It expires like a token issued when the migration ran, not a year ago.
        assert_close(moved.expiry, timezone.now() + TTL)

    def test_every_login_keeps_its_token(self, login):
        others = [User.objects.create_user(f"client-{n}", password=PASSWORD) for n in range(3)]
        keys = {user.pk: secrets.token_hex(20) for user in [login, *others]}
        make_old_token_table([(key, pk, timezone.now()) for pk, key in keys.items()])

        rerun_the_migration()

        assert dict(AuthToken.objects.values_list("user_id", "digest")) == {
            pk: hashlib.sha512(key.encode()).hexdigest() for pk, key in keys.items()
        }
        assert read_with(keys[login.pk]).status_code == 200

    def test_an_empty_old_table_is_dropped(self, db):
        make_old_token_table([])

        rerun_the_migration()

        assert not old_table_exists()
        assert old_migration_records() == []
        assert AuthToken.objects.count() == 0

    def test_a_database_without_them_migrates_as_it_is(self, api_client, login):
        _status, body = issue(api_client)

        rerun_the_migration()

        assert not old_table_exists()
        assert AuthToken.objects.count() == 1
        assert read_with(body["token"]).status_code == 200

    def test_rolling_back_keeps_the_moved_tokens(self, login):
        key = secrets.token_hex(20)
        make_old_token_table([(key, login.pk, timezone.now())])
        rerun_the_migration()

        call_command("migrate", "core", "zero", verbosity=0)

        assert read_with(key).status_code == 200
        assert not old_table_exists()
