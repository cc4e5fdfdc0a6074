"""The support-case doors: the citizen's questions at ``/mina-sidor/arenden/`` and the district's at
``/forvaltning/arenden/``.

Thin, like every door: cases are found only through ``selectors.cases_visible_to`` (another person's
or another district's case is a 404, and a POST to it changes nothing), the conversation shown is
``selectors.messages_for`` (internal notes and the other party's messages are never shown), forms
validate and ``services`` write. A question about an invoice is opened from the invoice's page
(``?faktura=<id>``), and only with an invoice the citizen may see.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hyresadmin import audit, permissions
from hyresadmin.decorators import citizen_required, officer_required
from invoicing import selectors as invoice_selectors

from . import selectors, services
from .forms import CaseForm, DistrictReplyForm, ReplyForm
from .models import Message, MessageAttachment, SupportCase

CITIZEN_PAGE_SIZE = 20
PORTAL_PAGE_SIZE = 50

Asker = SupportCase.Asker
State = SupportCase.State
Direction = Message.Direction


def _page(request, queryset, size):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _with_latest_activity(queryset, directions):
    """Each case with the time of its latest message the viewer may read (one subquery, no per-row
    queries)."""
    latest = (Message.objects.filter(case=OuterRef("pk"), direction__in=directions)
              .order_by("-created_at", "-pk").values("created_at")[:1])
    return queryset.annotate(latest_activity=Subquery(latest))


def _attachment_response(request, case, attachment_pk, visible_messages, what):
    visible_ids = [message.pk for message in visible_messages]
    attachment = get_object_or_404(MessageAttachment.objects.filter(message_id__in=visible_ids),
                                   pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit.record_export(actor=request.user, what=what, count=1, subject=case)
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


# --- The citizen's questions ---------------------------------------------------------------------------

#: What a case's state reads as to the person who asked, in plain words.
CITIZEN_STATES = {
    State.NEW: gettext_lazy("Received, not yet handled"),
    State.IN_PROGRESS: gettext_lazy("We are working on your question"),
    State.ANSWERED: gettext_lazy("Answered"),
    State.CLOSED: gettext_lazy("Closed"),
}
_CITIZEN_TONES = {State.ANSWERED: "done"}


def citizen_state(case: SupportCase) -> dict:
    """The state a citizen reads: its code, its plain label, and how it is marked."""
    if case.state == State.WAITING:
        if case.waiting_on == SupportCase.WaitingOn.CUSTOMER:
            return {"code": "waiting_on_you", "label": _("We are waiting for your answer"),
                    "tone": "action"}
        return {"code": State.IN_PROGRESS, "label": str(CITIZEN_STATES[State.IN_PROGRESS]), "tone": ""}
    return {"code": case.state, "label": str(CITIZEN_STATES.get(case.state, case.get_state_display())),
            "tone": _CITIZEN_TONES.get(case.state, "")}


def _citizen_case(request, pk):
    return get_object_or_404(selectors.cases_visible_to(request.user), pk=pk)


@citizen_required
def citizen_case_list(request):
    cases = _with_latest_activity(selectors.cases_visible_to(request.user), Message.VISIBLE_TO_ASKER)
    page = _page(request, cases.order_by("-received_at", "-pk"), CITIZEN_PAGE_SIZE)
    me_id = request.user.person.pk
    return render(request, "support/citizen/case_list.html", {
        "page": page,
        "rows": [{"case": case, "status": citizen_state(case), "is_open": case.state in SupportCase.OPEN_STATES,
                  "is_mine": case.person_id in (None, me_id)} for case in page],
        "represents_others": len(permissions.citizen_person_ids(request.user)) > 1,
    })


def _invoice_from_query(request):
    """The invoice of ``?faktura=<id>``: one the citizen may see, or 404."""
    raw = request.GET.get("faktura")
    if raw is None:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(invoice_selectors.invoices_visible_to(request.user), pk=int(raw))


def _people_of(user, me) -> list:
    """The citizen first, then the persons they represent (by name)."""
    others = (permissions.persons_visible_to(user).exclude(pk=me.pk)
              .order_by("last_name", "first_name", "pk"))
    return [me, *others]


@citizen_required
def citizen_case_new(request):
    invoice = _invoice_from_query(request)
    initial = {}
    if invoice is not None:
        initial = {"category": SupportCase.Category.INVOICE,
                   "subject": _("Question about invoice %(number)s") % {"number": invoice.number}}
    me = request.user.person
    # A question about an invoice is about the invoice's customer; otherwise the citizen chooses
    # between themselves and the persons they represent.
    people = [] if invoice is not None else _people_of(request.user, me)
    if request.method == "POST":
        form = CaseForm(request.POST, request.FILES, people=people)
        if form.is_valid():
            data = form.cleaned_data
            person = invoice.customer if invoice is not None else form.about()
            about_other = person is not None and person.pk != me.pk
            try:
                case = services.case_open(
                    actor=request.user, channel=SupportCase.Channel.WEB,
                    asker=Asker.REPRESENTATIVE if about_other else Asker.CITIZEN,
                    category=data["category"], subject=data["subject"], body=data["body"],
                    person=person, invoice=invoice, attachments=data["attachments"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return redirect("support_citizen:case_sent", pk=case.pk)
    else:
        form = CaseForm(initial=initial, people=people)
    return render(request, "support/citizen/case_form.html", {"form": form, "invoice": invoice})


@citizen_required
def citizen_case_sent(request, pk: int):
    """The confirmation: when the answer comes, and for a termination question the rule at once."""
    case = _citizen_case(request, pk)
    return render(request, "support/citizen/case_sent.html", {
        "case": case,
        "prepared_answer": services.prepared_answer(case.category),
    })


@citizen_required
def citizen_case_detail(request, pk: int):
    case = _citizen_case(request, pk)
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.case_reply(actor=request.user, case=case, body=form.cleaned_data["body"],
                                    attachments=form.cleaned_data["attachments"])
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Your message has been sent."))
                return redirect("support_citizen:case_detail", pk=case.pk)
    else:
        form = ReplyForm()
    return render(request, "support/citizen/case_detail.html", {
        "case": case,
        "status": citizen_state(case),
        "is_open": case.state in SupportCase.OPEN_STATES,
        "conversation": list(selectors.messages_for(request.user, case)),
        "prepared_answer": services.prepared_answer(case.category),
        "form": form,
    })


@citizen_required
def citizen_case_attachment(request, pk: int, attachment_pk: int):
    case = _citizen_case(request, pk)
    return _attachment_response(request, case, attachment_pk, selectors.messages_for(request.user, case),
                                "support attachment (citizen)")


# --- The district's questions and forwarded cases ------------------------------------------------------


def _portal_case(request, pk):
    return get_object_or_404(selectors.cases_visible_to(request.user), pk=pk)


def _portal_row(case: SupportCase) -> dict:
    own = case.asker == Asker.DISTRICT
    for_us = (not own and case.state == State.WAITING
              and case.waiting_on == SupportCase.WaitingOn.DISTRICT)
    return {"case": case, "own": own, "for_us": for_us,
            "person_name": "" if case.person is None or case.person.protected_identity
            else case.person.full_name}


@officer_required
def portal_case_list(request):
    visible = selectors.cases_visible_to(request.user)
    cases = _with_latest_activity(visible, [*Message.VISIBLE_TO_DISTRICT, *Message.VISIBLE_TO_ASKER])
    page = _page(request, cases.order_by("-received_at", "-pk"), PORTAL_PAGE_SIZE)
    return render(request, "support/portal/case_list.html", {
        "page": page,
        "rows": [_portal_row(case) for case in page],
    })


@officer_required
def portal_case_new(request):
    if request.method == "POST":
        form = CaseForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_open(
                    actor=request.user, channel=SupportCase.Channel.WEB, asker=Asker.DISTRICT,
                    category=data["category"], subject=data["subject"], body=data["body"],
                    organisation=request.user.organisation, attachments=data["attachments"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _(
                    "Your question has been sent to the service administration. You will get an answer "
                    "by %(due)s.") % {"due": case.due_date.isoformat()})
                return redirect("support_portal:case_detail", pk=case.pk)
    else:
        form = CaseForm()
    return render(request, "support/portal/case_form.html", {"form": form})


@officer_required
def portal_case_detail(request, pk: int):
    case = _portal_case(request, pk)
    own = case.asker == Asker.DISTRICT
    form_class = ReplyForm if own else DistrictReplyForm
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                if own:
                    services.case_reply(actor=request.user, case=case, body=form.cleaned_data["body"],
                                        attachments=form.cleaned_data["attachments"])
                else:
                    services.case_district_reply(actor=request.user, case=case,
                                                 body=form.cleaned_data["body"])
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Your message has been sent to the service administration."))
                return redirect("support_portal:case_detail", pk=case.pk)
    else:
        form = form_class()
    return render(request, "support/portal/case_detail.html", {
        **_portal_row(case),
        "conversation": list(selectors.messages_for(request.user, case)),
        "form": form,
    })


@officer_required
def portal_case_attachment(request, pk: int, attachment_pk: int):
    case = _portal_case(request, pk)
    return _attachment_response(request, case, attachment_pk, selectors.messages_for(request.user, case),
                                "support attachment (district)")
