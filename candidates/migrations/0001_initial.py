import candidates.models
import candidates.validators
import core.json
import core.models
import django.contrib.postgres.fields
import django.contrib.postgres.functions
import django.contrib.postgres.indexes
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.manager
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Candidate",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        db_default=django.contrib.postgres.functions.RandomUUID(),
                        default=uuid.uuid4,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_default=core.models.TransactionNow()
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=core.models.TransactionNow()),
                ),
                ("deleted_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "deletion_reason",
                    models.TextField(blank=True, db_default="", default="", editable=False),
                ),
                ("email", candidates.models.LowercaseEmailField(max_length=254)),
                ("full_name", models.CharField(max_length=255)),
                ("phone", models.CharField(blank=True, db_default="", default="", max_length=50)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("inactive", "Inactive"),
                            ("deleted", "Deleted"),
                        ],
                        db_default="active",
                        default="active",
                        max_length=20,
                    ),
                ),
                (
                    "target_role",
                    models.CharField(blank=True, db_default="", default="", max_length=255),
                ),
                (
                    "experience_level",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("entry", "Entry"),
                            ("junior", "Junior"),
                            ("mid", "Mid"),
                            ("senior", "Senior"),
                            ("lead", "Lead"),
                            ("principal", "Principal"),
                        ],
                        db_default="",
                        default="",
                        max_length=20,
                    ),
                ),
                (
                    "timezone",
                    models.CharField(
                        db_default="UTC",
                        default="UTC",
                        max_length=64,
                        validators=[candidates.validators.validate_timezone_name],
                    ),
                ),
                (
                    "skills",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=100),
                        blank=True,
                        db_default=[],
                        default=list,
                        size=None,
                    ),
                ),
                (
                    "deleted_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        blank=True,
                        help_text="The candidate's own login; its username is the candidate's email.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="candidate",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "candidates",
                "ordering": ["-created_at"],
                "abstract": False,
                "base_manager_name": "all_objects",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_objects", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="Resume",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        db_default=django.contrib.postgres.functions.RandomUUID(),
                        default=uuid.uuid4,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_default=core.models.TransactionNow()
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=core.models.TransactionNow()),
                ),
                ("deleted_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "deletion_reason",
                    models.TextField(blank=True, db_default="", default="", editable=False),
                ),
                (
                    "file_url",
                    models.TextField(
                        validators=[django.core.validators.URLValidator(schemes=["http", "https"])]
                    ),
                ),
                ("file_name", models.CharField(max_length=255)),
                (
                    "file_size",
                    models.IntegerField(
                        help_text="Size in bytes.",
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "uploaded_at",
                    models.DateTimeField(
                        db_default=core.models.TransactionNow(), default=django.utils.timezone.now
                    ),
                ),
                ("parsed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "parsing_status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("processing", "Processing"),
                            ("completed", "Completed"),
                            ("failed", "Failed"),
                        ],
                        db_default="pending",
                        default="pending",
                        max_length=20,
                    ),
                ),
                (
                    "parsed_data",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "schema_version",
                    models.IntegerField(
                        db_default=1,
                        default=1,
                        help_text="Version of the parsed_data document.",
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "candidate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="resumes",
                        to="candidates.candidate",
                    ),
                ),
                (
                    "deleted_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "resumes",
                "ordering": ["-uploaded_at"],
                "abstract": False,
                "base_manager_name": "all_objects",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_objects", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name="candidate",
            index=models.Index(fields=["status"], name="candidates_status_idx"),
        ),
        migrations.AddIndex(
            model_name="candidate",
            index=models.Index(fields=["target_role"], name="candidates_target_role_idx"),
        ),
        migrations.AddIndex(
            model_name="candidate",
            index=models.Index(fields=["created_at"], name="candidates_created_at_idx"),
        ),
        migrations.AddIndex(
            model_name="candidate",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["skills"], name="candidates_skills_gin"
            ),
        ),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                name="candidates_email_ci_unique",
                violation_error_code="unique",
                violation_error_message="A candidate with this email already exists.",
            ),
        ),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                name="candidates_email_lowercase",
            ),
        ),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.CheckConstraint(
                condition=models.Q(("full_name", ""), _negated=True),
                name="candidates_full_name_not_blank",
            ),
        ),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["active", "inactive", "deleted"])),
                name="candidates_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("experience_level", ""),
                    (
                        "experience_level__in",
                        ["entry", "junior", "mid", "senior", "lead", "principal"],
                    ),
                    _connector="OR",
                ),
                name="candidates_experience_level_valid",
            ),
        ),
        migrations.AddIndex(
            model_name="resume",
            index=models.Index(fields=["parsing_status"], name="resumes_parsing_status_idx"),
        ),
        migrations.AddIndex(
            model_name="resume",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["parsed_data"], name="resumes_parsed_data_gin"
            ),
        ),
        migrations.AddConstraint(
            model_name="resume",
            constraint=models.UniqueConstraint(
                fields=("id", "candidate"), name="resumes_id_candidate_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="resume",
            constraint=models.CheckConstraint(
                condition=models.Q(("file_url__iregex", "^https?://")), name="resumes_file_url_http"
            ),
        ),
        migrations.AddConstraint(
            model_name="resume",
            constraint=models.CheckConstraint(
                condition=models.Q(("file_name", ""), _negated=True),
                name="resumes_file_name_not_blank",
            ),
        ),
        migrations.AddConstraint(
            model_name="resume",
            constraint=models.CheckConstraint(
                condition=models.Q(("file_size__gt", 0)), name="resumes_file_size_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="resume",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("parsing_status__in", ["pending", "processing", "completed", "failed"])
                ),
                name="resumes_parsing_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="resume",
            constraint=models.CheckConstraint(
                condition=models.Q(("schema_version__gte", 1)),
                name="resumes_schema_version_positive",
            ),
        ),
    ]
