import core.json
import core.models
import django.contrib.postgres.functions
import django.contrib.postgres.indexes
import django.core.validators
import django.db.models.deletion
import django.db.models.lookups
import django.db.models.manager
import django.utils.timezone
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("interviews", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AssessmentResult",
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
                    "overall_score",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=5,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                    ),
                ),
                (
                    "skill_scores",
                    models.JSONField(
                        encoder=core.json.ExactJSONEncoder,
                        help_text='A JSON object, e.g. {"python": {"score": 82, "level": "advanced"}}.',
                    ),
                ),
                (
                    "skill_boundary_map",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "strengths",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "weaknesses",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "integrity_flags",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "ai_reasoning",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "recommended_actions",
                    models.JSONField(blank=True, encoder=core.json.ExactJSONEncoder, null=True),
                ),
                (
                    "integrity_score",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                    ),
                ),
                (
                    "generated_at",
                    models.DateTimeField(
                        db_default=core.models.TransactionNow(), default=django.utils.timezone.now
                    ),
                ),
                (
                    "schema_version",
                    models.IntegerField(
                        db_default=1,
                        default=1,
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "review_status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("approved", "Approved"),
                            ("overridden", "Overridden"),
                        ],
                        db_default="pending",
                        default="pending",
                        max_length=20,
                    ),
                ),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "final_score",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="The reviewer's score when overridden.",
                        max_digits=5,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("0")),
                            django.core.validators.MaxValueValidator(Decimal("100")),
                        ],
                    ),
                ),
                ("review_notes", models.TextField(blank=True, db_default="", default="")),
                ("ai_model", models.CharField(blank=True, max_length=50, null=True)),
                ("prompt_version", models.CharField(blank=True, max_length=50, null=True)),
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
                    "interview",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assessments",
                        to="interviews.interview",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="reviewed_assessments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "assessment_results",
                "ordering": ["-generated_at"],
                "abstract": False,
                "base_manager_name": "all_objects",
                "indexes": [
                    models.Index(fields=["review_status"], name="assessments_review_status_idx"),
                    models.Index(fields=["overall_score"], name="assessments_overall_score_idx"),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["skill_scores"], name="assessments_skill_scores_gin"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["skill_boundary_map"], name="assessments_boundary_map_gin"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["strengths"], name="assessments_strengths_gin"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["weaknesses"], name="assessments_weaknesses_gin"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["integrity_flags"], name="assessments_integrity_gin"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["ai_reasoning"], name="assessments_ai_reasoning_gin"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["recommended_actions"], name="assessments_recommended_gin"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("deleted_at__isnull", True)),
                        fields=("interview",),
                        name="assessment_results_one_live_per_interview",
                        violation_error_code="unique",
                        violation_error_message="This interview already has an assessment.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("overall_score__gte", 0), ("overall_score__lte", 100)),
                        name="assessment_results_overall_score_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("integrity_score__gte", 0), ("integrity_score__lte", 100)
                        ),
                        name="assessment_results_integrity_score_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("final_score__gte", 0), ("final_score__lte", 100)),
                        name="assessment_results_final_score_range",
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            models.Func(
                                "skill_scores",
                                function="jsonb_typeof",
                                output_field=models.TextField(),
                            ),
                            "object",
                        ),
                        name="assessment_results_skill_scores_object",
                        violation_error_message="skill_scores must be a JSON object.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("review_status__in", ["pending", "approved", "overridden"])
                        ),
                        name="assessment_results_review_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("review_status", "overridden"), _negated=True),
                            ("final_score__isnull", False),
                            _connector="OR",
                        ),
                        name="assessment_results_override_has_score",
                        violation_error_message="An overridden assessment needs a final_score.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("schema_version__gte", 1)),
                        name="assessment_results_schema_version_positive",
                    ),
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_objects", django.db.models.manager.Manager()),
            ],
        ),
    ]
