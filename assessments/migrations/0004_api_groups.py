"""The two groups of SPEC §4.2, with exactly the permissions they need.

* Recruiters: view everything; review assessments (approve/override), which is
  its own permission so that reviewing does not mean editing the AI's scores.
* Interview engine (the AI service account): create and update interviews,
  sessions, messages and assessments; append agent actions (the audit trail has no
  updates); view candidates and resumes.

Django creates permissions after migrating; they are created here first so the
groups can be given them on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_EVERYTHING = [
    "candidates.view_candidate",
    "candidates.view_resume",
    "interviews.view_interview",
    "interviews.view_interviewsession",
    "interviews.view_interviewmessage",
    "interviews.view_agentaction",
    "assessments.view_assessmentresult",
]

GROUPS = {
    "Recruiters": [*VIEW_EVERYTHING, "assessments.review_assessmentresult"],
    "Interview engine": [
        *VIEW_EVERYTHING,
        "interviews.add_interview",
        "interviews.change_interview",
        "interviews.add_interviewsession",
        "interviews.change_interviewsession",
        "interviews.add_interviewmessage",
        "interviews.change_interviewmessage",
        "interviews.add_agentaction",
        "assessments.add_assessmentresult",
        "assessments.change_assessmentresult",
    ],
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, permissions in GROUPS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set(
            [
                permission_model.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in (permission.split(".") for permission in permissions)
            ]
        )


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_json_validation_and_review_permission"),
        ("candidates", "0003_json_validation"),
        ("interviews", "0004_json_validation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
