from django.db.models import Q
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
        # The field lower-cases (and strips) the address in every lookup, as it does
        # on save: an exact match is case-insensitive.
        return queryset.filter(email=value)

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
