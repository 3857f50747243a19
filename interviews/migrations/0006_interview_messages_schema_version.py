"""interview_messages.schema_version: the version of a message's two JSON documents
(audio_metadata, metadata), as resumes, sessions, agent actions and assessments have.

Adding a column with a constant default does not rewrite the table (PostgreSQL 11+):
existing messages read 1, the version their documents were written in. The CHECK
constraint reads the table once, to validate it.
"""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0005_timestamps_kept_by_the_database"),
    ]

    operations = [
        migrations.AddField(
            model_name="interviewmessage",
            name="schema_version",
            field=models.IntegerField(
                db_default=1,
                default=1,
                help_text="Version of the audio_metadata and metadata documents.",
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AddConstraint(
            model_name="interviewmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("schema_version__gte", 1)),
                name="interview_messages_schema_version_positive",
            ),
        ),
    ]
