"""A message's session must be the session of the message's own interview.

Django has no composite foreign keys, so this one is written in SQL: it references
interview_sessions (id, interview_id), which the unique constraint
interview_sessions_id_interview_key makes a valid target. The model state does not
know about it, so makemigrations leaves it alone.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
                ALTER TABLE interview_messages
                ADD CONSTRAINT interview_messages_session_of_interview_fk
                FOREIGN KEY (session_id, interview_id)
                REFERENCES interview_sessions (id, interview_id)
                ON DELETE CASCADE
                DEFERRABLE INITIALLY DEFERRED
            """,
            reverse_sql="""
                ALTER TABLE interview_messages
                DROP CONSTRAINT interview_messages_session_of_interview_fk
            """,
        ),
    ]
