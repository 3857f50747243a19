from django import forms
from django_filters import rest_framework as filters

from interviews.models import AgentAction, Interview, InterviewMessage


class WholeNumberFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class InterviewFilter(filters.FilterSet):
    candidate = filters.UUIDFilter()
    status = filters.ChoiceFilter(choices=Interview.Status.choices)
    role_type = filters.ChoiceFilter(choices=Interview.RoleType.choices)
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Interview
        fields = []


class MessageFilter(filters.FilterSet):
    after = WholeNumberFilter(
        field_name="sequence_number",
        lookup_expr="gt",
        min_value=0,
        help_text="Only messages numbered above this (for following a live interview).",
    )

    class Meta:
        model = InterviewMessage
        fields = []


class AgentActionFilter(filters.FilterSet):
    interview = filters.UUIDFilter()
    candidate = filters.UUIDFilter()
    agent_type = filters.ChoiceFilter(choices=AgentAction.AgentType.choices)
    status = filters.ChoiceFilter(choices=AgentAction.Status.choices)

    class Meta:
        model = AgentAction
        fields = []
