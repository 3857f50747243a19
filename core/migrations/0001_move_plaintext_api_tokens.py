"""Move the API tokens DRF kept in plain text into knox's table, as digests, and drop them.

Until API tokens moved to django-rest-knox, ``rest_framework.authtoken`` stored each
token as issued (``authtoken_token.key``): anyone reading the table or a backup could
use them. Each one becomes a knox token with the same secret, stored as knox's digest,
so clients keep working without logging in again; it expires API_TOKEN_TTL_DAYS after
this migration runs, like a token issued now. Then the plain-text table is dropped, and
the old app's rows in django_migrations go with it, as ``migrate authtoken zero`` would
have done (the app is no longer installed to do it).

A database that never had the old table (made after the switch) has nothing to move.
The reverse is a no-op: the plain text cannot be recovered from a digest; the moved
tokens stay in knox's table and keep working until they expire.
"""

from django.conf import settings
from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings

OLD_APP = "authtoken"
OLD_TABLE = "authtoken_token"


def move_plaintext_tokens(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [OLD_TABLE])
        if cursor.fetchone()[0] is None:
            return
        cursor.execute(f"SELECT key, user_id, created FROM {quote(OLD_TABLE)}")
        old_tokens = cursor.fetchall()
        expiry = timezone.now() + knox_settings.TOKEN_TTL
        knox_table = apps.get_model("knox", "AuthToken")._meta.db_table
        # Plain SQL keeps each token's issue time ("created"); the model would stamp now.
        cursor.executemany(
            f"INSERT INTO {quote(knox_table)} (digest, token_key, user_id, created, expiry)"
            " VALUES (%s, %s, %s, %s, %s)",
            [
                (hash_token(key), key[: CONSTANTS.TOKEN_KEY_LENGTH], user_id, created, expiry)
                for key, user_id, created in old_tokens
            ],
        )
        cursor.execute(f"DROP TABLE {quote(OLD_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app=OLD_APP).delete()


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunPython(move_plaintext_tokens, migrations.RunPython.noop, elidable=False),
    ]
