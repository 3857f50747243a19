import core.json
import core.models
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
                encoder=core.json.ExactJSONEncoder,
                null=True,
                validators=[core.models.validate_storable_json],
            ),
        ),
    ]
