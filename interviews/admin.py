from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.admin import (
    RECORD_FIELDSET,
    REFUSED_MESSAGE,
    REFUSED_WRITES,
    PortalModelAdmin,
    SoftDeleteAdmin,
    audit_history,
    links,
    pretty_json,
)
from interviews import services
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession

SPEAKERS = {
    InterviewMessage.MessageType.AI_QUESTION: "AI interviewer",
    InterviewMessage.MessageType.CANDIDATE_RESPONSE: "Candidate",
}


def admin_link(obj, label=None):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or obj)


def render_transcript(messages) -> str:
    """The transcript as a conversation: who said what, when, and how fast."""
    turns = []
    for message in messages:
        meta = [SPEAKERS[message.message_type], f"#{message.sequence_number}"]
        meta.append(f"{message.created_at:%Y-%m-%d %H:%M:%S}")
        if message.response_time_seconds is not None:
            meta.append(f"answered in {message.response_time_seconds} s")
        audio = (
            format_html(
                ' · <a href="{}" rel="noopener noreferrer">audio</a>', message.content_audio_url
            )
            if message.content_audio_url
            else ""
        )
        turns.append((message.message_type, " · ".join(meta), audio, message.content_text))
    if not turns:
        return "No messages yet."
    return format_html(
        '<div class="transcript">{}</div>',
        format_html_join(
            "",
            '<div class="turn {}"><div class="meta">{}{}</div><div class="text">{}</div></div>',
            turns,
        ),
    )


class ReadOnlyAdmin(PortalModelAdmin):
    """What the AI writes is shown, never edited, added or deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Interview)
class InterviewAdmin(SoftDeleteAdmin):
    list_display = [
        "__str__",
        "candidate",
        "role_type",
        "status",
        "scheduled_for",
        "started_at",
        "duration_seconds",
        "created_at",
    ]
    list_filter = ["status", "role_type", "created_at", "started_at"]
    list_select_related = ["candidate"]
    search_fields = ["candidate__email", "candidate__full_name"]
    ordering = ["-created_at"]
    autocomplete_fields = ["candidate", "resume"]
    actions = [*SoftDeleteAdmin.actions, "start_selected", "complete_selected", "abandon_selected"]
    readonly_fields = [
        "status",
        "started_at",
        "completed_at",
        "duration_seconds",
        "candidate_link",
        "assessment_links",
        "session_state",
        "transcript",
        "agent_actions",
        "history",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("candidate", "candidate_link"),
                    "resume",
                    "role_type",
                    "assessment_links",
                    ("status", "scheduled_for"),
                    ("started_at", "completed_at", "duration_seconds"),
                ]
            },
        ),
        ("Transcript", {"fields": ["transcript"]}),
        ("Session state (the AI's working memory)", {"fields": ["session_state"]}),
        ("What the AI did", {"fields": ["agent_actions"]}),
        ("Usage", {"fields": ["ai_model_used", "total_tokens_used", "cost_usd"]}),
        RECORD_FIELDSET,
    ]

    class Media:
        css = {"all": ["portal/admin.css"]}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new interview gets its session, as through the API.
        fields = {
            f: form.cleaned_data[f]
            for f in form.cleaned_data
            if f not in ("candidate", "resume", "role_type")
        }
        created = services.create_interview(
            candidate=form.cleaned_data["candidate"],
            resume=form.cleaned_data.get("resume"),
            role_type=form.cleaned_data["role_type"],
            **fields,
        )
        obj.pk = created.pk
        obj._state.adding = False

    @admin.display(description="Candidate page")
    def candidate_link(self, interview):
        return admin_link(interview.candidate, "open")

    @admin.display(description="Assessment")
    def assessment_links(self, interview):
        return links(
            (reverse("admin:assessments_assessmentresult_change", args=[a.pk]), str(a))
            for a in interview.assessments.all()
        )

    @admin.display(description="Transcript")
    def transcript(self, interview):
        return render_transcript(interview.messages.order_by("sequence_number"))

    @admin.display(description="Session")
    def session_state(self, interview):
        session = getattr(interview, "session", None)
        if session is None:
            return "—"
        summary = format_html(
            "<p>Difficulty <b>{}</b> · {} questions asked · version {} · last activity {} · {}</p>",
            session.get_current_difficulty_level_display(),
            session.questions_asked_count,
            session.version,
            f"{session.last_activity_at:%Y-%m-%d %H:%M:%S}",
            admin_link(session, "session page"),
        )
        return format_html(
            "{}<h4>Conversation memory</h4>{}<h4>Skill boundaries</h4>{}<h4>Progression</h4>{}",
            summary,
            pretty_json(session.conversation_memory),
            pretty_json(session.skill_boundaries_identified),
            pretty_json(session.progression_state),
        )

    @admin.display(description="Agent actions")
    def agent_actions(self, interview):
        rows = [
            (
                reverse("admin:interviews_agentaction_change", args=[action.pk]),
                f"{action.created_at:%Y-%m-%d %H:%M:%S}",
                action.agent_type,
                action.action,
                action.status,
                action.rationale,
            )
            for action in interview.agent_actions.order_by("created_at")
        ]
        if not rows:
            return "—"
        return format_html(
            "<table><thead><tr><th>When</th><th>Agent</th><th>Action</th><th>Status</th>"
            "<th>Why</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
                rows,
            ),
        )

    @admin.display(description="Change history")
    def history(self, interview):
        return audit_history(interview)

    def _move_selected(self, request, queryset, move, verb):
        moved, refused = 0, []
        for interview in queryset:
            try:
                move(interview)
                moved += 1
            except (services.InvalidStatusMove, Interview.DoesNotExist) as error:
                refused.append(f"{interview}: {error}")
            except REFUSED_WRITES:
                # Each move is its own transaction: this one changed nothing.
                refused.append(f"{interview}: {REFUSED_MESSAGE}")
        if moved:
            self.message_user(request, f"{verb} {moved} interviews.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description="Start selected", permissions=["change"])
    def start_selected(self, request, queryset):
        self._move_selected(request, queryset, services.start_interview, "Started")

    @admin.action(description="Complete selected", permissions=["change"])
    def complete_selected(self, request, queryset):
        self._move_selected(request, queryset, services.complete_interview, "Completed")

    @admin.action(description="Abandon selected", permissions=["change"])
    def abandon_selected(self, request, queryset):
        self._move_selected(request, queryset, services.abandon_interview, "Abandoned")


@admin.register(InterviewSession)
class InterviewSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "interview",
        "candidate",
        "current_difficulty_level",
        "questions_asked_count",
        "version",
        "last_activity_at",
    ]
    list_filter = ["current_difficulty_level", "last_activity_at"]
    ordering = ["-last_activity_at"]
    list_select_related = ["interview__candidate"]
    search_fields = ["interview__candidate__email", "interview__candidate__full_name"]
    fields = [
        "interview",
        "current_difficulty_level",
        "questions_asked_count",
        "version",
        "last_activity_at",
        "memory",
        "boundaries",
        "progression",
        "schema_version",
        "created_at",
        "updated_at",
        "history",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["portal/admin.css"]}

    @admin.display(description="Candidate", ordering="interview__candidate__full_name")
    def candidate(self, session):
        return session.interview.candidate

    @admin.display(description="Conversation memory")
    def memory(self, session):
        return pretty_json(session.conversation_memory)

    @admin.display(description="Skill boundaries identified")
    def boundaries(self, session):
        return pretty_json(session.skill_boundaries_identified)

    @admin.display(description="Progression state")
    def progression(self, session):
        return pretty_json(session.progression_state)

    @admin.display(description="Change history")
    def history(self, session):
        return audit_history(session)


@admin.register(InterviewMessage)
class InterviewMessageAdmin(ReadOnlyAdmin):
    list_display = ["interview", "sequence_number", "message_type", "excerpt", "created_at"]
    list_filter = ["message_type", "created_at"]
    list_select_related = ["interview__candidate"]
    search_fields = ["interview__candidate__email", "interview__candidate__full_name"]
    ordering = ["-created_at"]
    fields = [
        "interview",
        "session",
        "sequence_number",
        "message_type",
        "content_text",
        "content_audio_url",
        "audio_duration_seconds",
        "response_time_seconds",
        "client_message_id",
        "audio_meta",
        "meta",
        "schema_version",
        "created_at",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["portal/admin.css"]}

    @admin.display(description="Text")
    def excerpt(self, message):
        text = message.content_text
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description="Audio metadata")
    def audio_meta(self, message):
        return pretty_json(message.audio_metadata)

    @admin.display(description="Metadata")
    def meta(self, message):
        return pretty_json(message.metadata)


@admin.register(AgentAction)
class AgentActionAdmin(ReadOnlyAdmin):
    """The AI's audit trail: readable, never written from the admin."""

    list_display = [
        "created_at",
        "agent_type",
        "action",
        "status",
        "interview",
        "candidate",
        "tokens_used",
        "cost_usd",
    ]
    list_filter = ["agent_type", "status", "created_at"]
    list_select_related = ["interview__candidate", "candidate"]
    search_fields = ["action", "candidate__email", "interview__candidate__email"]
    ordering = ["-created_at"]
    fields = [
        "agent_type",
        "action",
        "status",
        "rationale",
        "interview",
        "candidate",
        "ai_model",
        "tokens_used",
        "cost_usd",
        "input_json",
        "output_json",
        "schema_version",
        "created_at",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["portal/admin.css"]}

    @admin.display(description="Input")
    def input_json(self, action):
        return pretty_json(action.input)

    @admin.display(description="Output")
    def output_json(self, action):
        return pretty_json(action.output)
