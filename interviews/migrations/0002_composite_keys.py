"""Composite foreign keys that keep related rows in agreement.

* A message's session must be the session of the message's own interview.
* An interview's resume must be one of the interview's own candidate's resumes.

Django has no composite foreign keys, so they are written in SQL. Their targets,
interview_sessions (id, interview_id) and resumes (id, candidate_id), are made valid
by the unique constraints interview_sessions_id_interview_key and
resumes_id_candidate_key; their own columns are indexed by int_messages_session_idx
and interviews_resume_idx. The model state does not know about these keys, so
makemigrations leaves them alone.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0001_initial"),
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
        migrations.RunSQL(
            # Deleting a resume clears only interviews.resume_id (a column list for
            # SET NULL: PostgreSQL 15 and later).
            sql="""
                ALTER TABLE interviews
                ADD CONSTRAINT interviews_resume_of_candidate_fk
                FOREIGN KEY (resume_id, candidate_id)
                REFERENCES resumes (id, candidate_id)
                ON DELETE SET NULL (resume_id)
                DEFERRABLE INITIALLY DEFERRED
            """,
            reverse_sql="""
                ALTER TABLE interviews
                DROP CONSTRAINT interviews_resume_of_candidate_fk
            """,
        ),
    ]
