from django.db.models import Q
from django.db.models.functions import Lower
from django_filters import rest_framework as filters

from candidates.models import Candidate, Resume


class CandidateFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Candidate.Status.choices)
    email = filters.CharFilter(method="filter_email", help_text="Exact, case-insensitive.")
    search = filters.CharFilter(
        method="filter_search", help_text="Part of the name or email, case-insensitive."
    )
    experience_level = filters.ChoiceFilter(choices=Candidate.ExperienceLevel.choices)
    target_role = filters.CharFilter()
    skills = filters.CharFilter(
        method="filter_skills",
        help_text="Comma-separated skills; candidates having all of them.",
    )
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    include_deleted = filters.BooleanFilter(
        method="filter_include_deleted",
        help_text="Staff only: include soft-deleted candidates.",
    )

    class Meta:
        model = Candidate
        fields = []

    def filter_email(self, queryset, name, value):
        # Addresses are stored lower-cased, and the field lower-cases (and strips) the
        # value it is compared with. Comparing lower(email) lets the unique index on
        # lower(email) find the row; the bare column has no index of its own.
        address = Candidate._meta.get_field("email").get_prep_value(value)
        return queryset.alias(email_lower=Lower("email")).filter(email_lower=address)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(full_name__icontains=value) | Q(email__icontains=value))

    def filter_skills(self, queryset, name, value):
        skills = [skill.strip() for skill in value.split(",") if skill.strip()]
        # skills @> ARRAY[...]: answered by the GIN index candidates_skills_gin.
        return queryset.filter(skills__contains=skills) if skills else queryset

    def filter_include_deleted(self, queryset, name, value):
        # The view chooses the manager (and checks the caller is staff); here it only
        # needs to be a known, documented parameter.
        return queryset


class ResumeFilter(filters.FilterSet):
    candidate = filters.UUIDFilter()
    parsing_status = filters.ChoiceFilter(choices=Resume.ParsingStatus.choices)

    class Meta:
        model = Resume
        fields = []
