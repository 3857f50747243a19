"""Interviews' part of a candidate's erasure (see candidates.services.erase_candidate)."""

from django.db.models import Q
from django.dispatch import receiver

from candidates.services import candidate_erased
from interviews.models import AgentAction, Interview, InterviewMessage, InterviewSession

ERASED_TEXT = "[erased]"


@receiver(candidate_erased, dispatch_uid="interviews.erase_candidate_data")
def erase_candidate_data(sender, candidate, **kwargs):
    """Remove the candidate's answers, every audio link, and the AI's notes on them.

    Interviews, questions, numbering and timings stay: the anonymous shell that
    statistics need.
    """
    interviews = Interview.all_objects.filter(candidate=candidate)
    messages = InterviewMessage.objects.filter(interview__in=interviews)
    messages.filter(message_type=InterviewMessage.MessageType.CANDIDATE_RESPONSE).update(
        content_text=ERASED_TEXT, metadata=None, audio_metadata=None
    )
    messages.update(content_audio_url=None)
    # The AI's working memory and its inputs/outputs quote answers and resumes.
    InterviewSession.objects.filter(interview__in=interviews).update(conversation_memory=None)
    AgentAction.objects.filter(Q(candidate=candidate) | Q(interview__in=interviews)).update(
        input=None, output=None
    )
