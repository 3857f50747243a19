"""The permission to export a candidate's personal data (subject access, privacy.export).

Django creates the permission row after migrating (post_migrate); no group is given it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0004_updated_at_trigger"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="candidate",
            options={
                "base_manager_name": "all_objects",
                "ordering": ["-created_at"],
                "permissions": [
                    ("export_candidate", "Can export a candidate's personal data"),
                ],
            },
        ),
    ]
