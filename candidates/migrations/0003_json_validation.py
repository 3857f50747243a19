import config.json
import config.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0002_audit_trail"),
    ]

    operations = [
        migrations.AlterField(
            model_name="resume",
            name="parsed_data",
            field=models.JSONField(
                blank=True,
                encoder=config.json.ExactJSONEncoder,
                null=True,
                validators=[config.models.validate_storable_json],
            ),
        ),
    ]
