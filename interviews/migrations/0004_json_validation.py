import core.json
import core.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0003_audit_trail"),
    ]

    operations = [
        migrations.AlterField(
            model_name="agentaction",
            name="input",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="agentaction",
            name="output",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="interviewmessage",
            name="audio_metadata",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="interviewmessage",
            name="metadata",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="interviewsession",
            name="conversation_memory",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="interviewsession",
            name="progression_state",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="interviewsession",
            name="skill_boundaries_identified",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
    ]
