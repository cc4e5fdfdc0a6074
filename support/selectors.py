"""Read queries of support cases, scoped: staff see all; a district officer the cases their
administration asked or that were forwarded to it; a citizen the cases they opened or that concern
them or the persons they represent."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hyresadmin import permissions

from .models import Message, SupportCase


def cases_visible_to(user) -> QuerySet[SupportCase]:
    qs = SupportCase.objects.select_related("person", "organisation", "assignee", "invoice", "contract")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        return qs.filter(Q(organisation_id=user.organisation_id)
                         & (Q(asker=SupportCase.Asker.DISTRICT) | Q(messages__direction__in=Message.VISIBLE_TO_DISTRICT))
                         ).distinct()
    if permissions.is_citizen(user):
        return qs.filter(Q(opened_by=user) | Q(person_id__in=permissions.citizen_person_ids(user)),
                         asker__in=[SupportCase.Asker.CITIZEN, SupportCase.Asker.REPRESENTATIVE])
    return qs.none()


def open_cases(user) -> QuerySet[SupportCase]:
    return cases_visible_to(user).filter(state__in=SupportCase.OPEN_STATES)


def messages_for(user, case: SupportCase):
    """The messages of a case a user may read: staff all; the asker the questions and answers; the
    district what was sent to and from it (and its own questions' answers)."""
    qs = case.messages.select_related("author").prefetch_related("attachments")
    if permissions.is_service_staff(user):
        return qs
    if permissions.is_district_officer(user):
        if case.asker == SupportCase.Asker.DISTRICT:
            return qs.exclude(direction=Message.Direction.NOTE)
        return qs.filter(direction__in=Message.VISIBLE_TO_DISTRICT)
    return qs.filter(direction__in=Message.VISIBLE_TO_ASKER)
