from django import forms
from django_filters import rest_framework as filters

from assessments.models import AssessmentResult
from core.json import loads_strict


class JSONQueryField(forms.CharField):
    """A JSON document in a query parameter, as jsonb would accept it."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return loads_strict(value)
        except ValueError as error:
            raise forms.ValidationError(f"Enter valid JSON ({error}).", code="invalid") from error


class JSONFilter(filters.Filter):
    """A filter whose value is a JSON document; malformed JSON is a 400 naming it."""

    field_class = JSONQueryField


class AssessmentFilter(filters.FilterSet):
    interview = filters.UUIDFilter()
    candidate = filters.UUIDFilter(field_name="interview__candidate")
    review_status = filters.ChoiceFilter(choices=AssessmentResult.ReviewStatus.choices)
    min_score = filters.NumberFilter(field_name="overall_score", lookup_expr="gte")
    max_score = filters.NumberFilter(field_name="overall_score", lookup_expr="lte")
    # JSON containment (@>) and key existence (?): answered by the GIN indexes.
    skill_scores__contains = JSONFilter(
        field_name="skill_scores",
        lookup_expr="contains",
        help_text='JSON the skill scores contain, e.g. {"python": {"level": "advanced"}}.',
    )
    skill_scores__has_key = filters.CharFilter(
        field_name="skill_scores", lookup_expr="has_key", help_text="A skill name."
    )
    integrity_flags__contains = JSONFilter(
        field_name="integrity_flags",
        lookup_expr="contains",
        help_text='JSON the integrity flags contain, e.g. ["tab_switching"].',
    )

    class Meta:
        model = AssessmentResult
        fields = []
