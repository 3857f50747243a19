import core.json
import core.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_audit_trail"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="assessmentresult",
            options={
                "base_manager_name": "all_objects",
                "ordering": ["-generated_at"],
                "permissions": [("review_assessmentresult", "Can review assessment results")],
            },
        ),
        migrations.AlterField(
            model_name="assessmentresult",
            name="ai_reasoning",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresult",
            name="integrity_flags",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresult",
            name="recommended_actions",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresult",
            name="skill_boundary_map",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresult",
            name="skill_scores",
            field=models.JSONField(
                encoder=core.json.ExactJSONEncoder,
                help_text='A JSON object, e.g. {"python": {"score": 82, "level": "advanced"}}.',
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresult",
            name="strengths",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresult",
            name="weaknesses",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresultevent",
            name="ai_reasoning",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresultevent",
            name="integrity_flags",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresultevent",
            name="recommended_actions",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresultevent",
            name="skill_boundary_map",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresultevent",
            name="skill_scores",
            field=models.JSONField(
                encoder=core.json.ExactJSONEncoder,
                help_text='A JSON object, e.g. {"python": {"score": 82, "level": "advanced"}}.',
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresultevent",
            name="strengths",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
        migrations.AlterField(
            model_name="assessmentresultevent",
            name="weaknesses",
            field=models.JSONField(
                blank=True,
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
    ]
