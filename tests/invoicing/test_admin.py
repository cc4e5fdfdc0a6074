"""The staff side of invoicing in the admin: runs (start, prepare, review the flags, approve, issue,
discard), the run's items, issued invoices (read-only), invoice notes and queued lines, the queue."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext, override

from contracts.models import RentalContract
from hyresadmin.models import AuditEvent
from hyresadmin.transitions import TransitionRefused
from invoicing import selectors, services
from invoicing.models import Invoice, InvoiceNote, InvoiceRun, PendingLine, RunItem, RunKind
from tests.invoicing.factories import contract_with_rent

pytestmark = pytest.mark.django_db

DEC = dt.date(2026, 12, 1)
JAN = dt.date(2027, 1, 1)
RUNS = "/admin/invoicing/invoicerun/"
ITEMS = "/admin/invoicing/runitem/"
INVOICES = "/admin/invoicing/invoice/"
NOTES = "/admin/invoicing/invoicenote/"
PENDING = "/admin/invoicing/pendingline/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def contracts(district):
    """A normal contract, one over 10 000 kr, and a preliminary one (listed, not invoiced)."""
    normal = contract_with_rent(organisation=district)
    big = contract_with_rent(organisation=district, rent=Decimal("10500.00"))
    prelim = contract_with_rent(organisation=district)
    RentalContract.objects.filter(pk=prelim.pk).update(state=RentalContract.State.PRELIMINARY)
    return normal, big, prelim


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _ids(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def _buttons(response) -> dict[str, str]:
    """The run page's buttons: English label -> URL."""
    with override("en"):
        return {str(b["label"]): b["url"] for b in response.context["transition_buttons"]}


def _prepared(actor, period=DEC):
    return services.run_prepare(run=services.run_for(period=period, kind=RunKind.RENT), actor=actor)


def _snapshot():
    """Everything an action that is refused must leave as it was."""
    return (
        list(InvoiceRun.objects.order_by("pk").values_list("pk", "state", "approved_by", "summary")),
        list(RunItem.objects.order_by("pk").values_list("pk", "total", "flags")),
        Invoice.objects.count(), InvoiceNote.objects.count(), PendingLine.objects.count(),
        AuditEvent.objects.count(),
    )


# --- The whole path: start, prepare, review, correct, prepare again, approve, issue ----------------------


def test_staff_prepare_review_correct_approve_and_issue_from_the_admin(staff_client, staff, contracts):
    normal, big, prelim = contracts

    # Start the run for a period and kind.
    assert staff_client.get(f"{RUNS}add/").status_code == 200
    response = staff_client.post(f"{RUNS}add/", {"period": "2026-12", "kind": RunKind.RENT})
    run = InvoiceRun.objects.get()
    assert (run.period, run.kind, run.state) == (DEC, RunKind.RENT, InvoiceRun.State.PLANNED)
    assert response["Location"] == f"{RUNS}{run.pk}/change/"
    # Starting it again opens the same run.
    staff_client.post(f"{RUNS}add/", {"period": "2026-12", "kind": RunKind.RENT})
    assert InvoiceRun.objects.count() == 1

    page = staff_client.get(f"{RUNS}{run.pk}/change/")
    assert set(_buttons(page)) == {"Prepare", "Discard"}

    # Prepare: the preview with flags, nothing issued.
    response = staff_client.post(_buttons(page)["Prepare"])
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == InvoiceRun.State.PREPARED
    assert run.summary["items"] == 3 and run.summary["flagged"] == 2
    assert not Invoice.objects.exists()
    assert any("15" in m for m in _messages(response))

    # Review: the run page shows the summary, the flags and the flagged contracts, linked.
    page = staff_client.get(f"{RUNS}{run.pk}/change/")
    assert set(_buttons(page)) == {"Prepare again", "Approve", "Discard"}
    flagged = {item.contract_id: url for item, url in page.context["flagged_items"]}
    assert set(flagged) == {big.pk, prelim.pk}
    assert flagged[big.pk] == f"/admin/contracts/rentalcontract/{big.pk}/change/"
    assert f'href="{flagged[big.pk]}"' in page.content.decode()
    assert {label: count for label, count, _url in page.context["flag_rows"]} == {
        RunItem.Flag.OVER_LIMIT.label: 1, RunItem.Flag.PRELIMINARY.label: 1}

    # The items list: flagged only, by flag, by contract number, by customer.
    assert _ids(staff_client.get(ITEMS, {"run__id__exact": run.pk})) == set(
        run.items.values_list("pk", flat=True))
    by_contract = {i.contract_id: i.pk for i in run.items.all()}
    assert _ids(staff_client.get(ITEMS, {"run__id__exact": run.pk, "flagged": "yes"})) == {
        by_contract[big.pk], by_contract[prelim.pk]}
    assert _ids(staff_client.get(ITEMS, {"run__id__exact": run.pk, "flagged": "no"})) == {
        by_contract[normal.pk]}
    assert _ids(staff_client.get(ITEMS, {"run__id__exact": run.pk, "flag": "over_limit"})) == {
        by_contract[big.pk]}
    assert _ids(staff_client.get(ITEMS, {"q": big.number})) == {by_contract[big.pk]}
    assert _ids(staff_client.get(ITEMS, {"q": prelim.customer.last_name})) == {by_contract[prelim.pk]}
    assert _ids(staff_client.get(ITEMS, {"q": normal.customer.personal_number[2:]})) == {
        by_contract[normal.pk]}

    item_page = staff_client.get(f"{ITEMS}{by_contract[big.pk]}/change/")
    assert item_page.status_code == 200
    assert str(RunItem.Flag.OVER_LIMIT.label) in item_page.content.decode()

    # Correct the contracts, prepare again: the flags are gone.
    big.rent_lines.update(amount=Decimal("6000.00"))
    RentalContract.objects.filter(pk=prelim.pk).update(state=RentalContract.State.ACTIVE)
    staff_client.post(_buttons(page)["Prepare again"])
    run.refresh_from_db()
    assert run.state == InvoiceRun.State.PREPARED
    assert (run.summary["flagged"], run.summary["included"]) == (0, 3)

    # Approve: the approver is recorded.
    response = staff_client.post(f"{RUNS}{run.pk}/approve/")
    run.refresh_from_db()
    assert run.state == InvoiceRun.State.APPROVED and run.approved_by == staff
    assert AuditEvent.objects.for_object(run).filter(actor=staff, to_state="approved").exists()
    page = staff_client.get(f"{RUNS}{run.pk}/change/")
    assert set(_buttons(page)) == {"Issue"}

    # Issue.
    response = staff_client.post(_buttons(page)["Issue"])
    run.refresh_from_db()
    assert run.state == InvoiceRun.State.ISSUED
    assert Invoice.objects.filter(run=run).count() == 3
    assert run.summary["issued"] == 3
    assert response.status_code == 302 and _messages(response)
    page = staff_client.get(f"{RUNS}{run.pk}/change/")
    assert _buttons(page) == {}

    # The runs list shows the counts from the summary.
    listed = staff_client.get(RUNS)
    assert _ids(listed) == {run.pk}
    assert "16" in listed.content.decode()  # 5 400 + 6 000 + 5 400 = 16 800


def test_the_start_page_refuses_a_bad_period(staff_client):
    response = staff_client.post(f"{RUNS}add/", {"period": "2026-13", "kind": RunKind.RENT})
    assert response.status_code == 200 and response.context["form"].errors["period"]
    response = staff_client.post(f"{RUNS}add/", {"period": "december", "kind": RunKind.RENT})
    assert response.context["form"].errors["period"]
    assert not InvoiceRun.objects.exists()


def test_a_refused_approval_shows_the_message_and_changes_nothing(staff_client, staff, contracts):
    run = services.run_for(period=DEC, kind=RunKind.RENT)  # planned: not yet prepared
    before = _snapshot()

    response = staff_client.post(f"{RUNS}{run.pk}/approve/")

    assert response.status_code == 302 and response["Location"] == f"{RUNS}{run.pk}/change/"
    state = InvoiceRun.State.PLANNED.label
    assert _messages(response) == [gettext("This action is not possible in the state “%(state)s”.")
                                   % {"state": state}]
    assert _snapshot() == before


def test_the_service_refuses_approval_by_someone_outside_the_staff(officer, staff, contracts):
    run = _prepared(staff)
    before = _snapshot()
    with pytest.raises(TransitionRefused):
        services.run_approve(run=run, actor=officer)
    assert _snapshot() == before


def test_buttons_are_posts_only(staff_client, staff, contracts):
    run = _prepared(staff)
    before = _snapshot()
    for action in ("prepare", "approve", "issue"):
        assert staff_client.get(f"{RUNS}{run.pk}/{action}/").status_code == 405
    assert _snapshot() == before


def test_the_run_form_itself_cannot_be_saved(staff_client, staff, contracts):
    run = _prepared(staff)
    before = _snapshot()
    response = staff_client.post(f"{RUNS}{run.pk}/change/", {"state": "issued"})
    assert response.status_code == 403
    assert staff_client.post(f"{RUNS}{run.pk}/delete/").status_code == 403
    assert _snapshot() == before


# --- Discard --------------------------------------------------------------------------------------------


def test_discard_needs_a_reason(staff_client, staff, contracts):
    run = _prepared(staff)
    url = f"{RUNS}{run.pk}/discard/"
    assert staff_client.get(url).status_code == 200
    before = _snapshot()

    response = staff_client.post(url, {"reason": "   "})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert _snapshot() == before

    response = staff_client.post(url, {"reason": "Fel hyror för december; körs om."})
    assert response["Location"] == f"{RUNS}{run.pk}/change/"
    run.refresh_from_db()
    assert run.state == InvoiceRun.State.DISCARDED
    event = AuditEvent.objects.for_object(run).get(to_state="discarded")
    assert event.actor == staff and event.reason == "Fel hyror för december; körs om."
    # A new run can then be started for the period.
    staff_client.post(f"{RUNS}add/", {"period": "2026-12", "kind": RunKind.RENT})
    assert InvoiceRun.objects.filter(state=InvoiceRun.State.PLANNED, period=DEC).count() == 1


def test_the_service_refuses_a_discard_without_a_reason(staff, contracts):
    run = _prepared(staff)
    before = _snapshot()
    with pytest.raises(TransitionRefused):
        services.run_discard(run=run, actor=staff, reason=" ")
    assert _snapshot() == before


def test_an_approved_run_cannot_be_discarded(staff_client, staff, contracts):
    run = services.run_approve(run=_prepared(staff), actor=staff)
    before = _snapshot()
    response = staff_client.post(f"{RUNS}{run.pk}/discard/", {"reason": "Ångrar"})
    assert response.status_code == 302 and _messages(response)
    assert _snapshot() == before


# --- Nobody but service staff ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_officers_and_citizens_cannot_reach_the_invoicing_admin_or_act(client, request, who, staff,
                                                                       contracts):
    normal = contracts[0]
    planned = services.run_for(period=JAN, kind=RunKind.RENT)
    prepared = _prepared(staff)
    issued = services.run_issue(run=services.run_approve(run=_prepared(staff, dt.date(2026, 11, 1)),
                                                         actor=staff), actor=staff)
    invoice = Invoice.objects.filter(run=issued).first()
    client.force_login(request.getfixturevalue(who))
    before = _snapshot()

    for url in (RUNS, f"{RUNS}{prepared.pk}/change/", f"{RUNS}add/", f"{RUNS}{prepared.pk}/discard/",
                f"{RUNS}{issued.pk}/export/print/", f"{RUNS}{issued.pk}/export/ledger/",
                ITEMS, INVOICES, f"{INVOICES}{invoice.pk}/change/", f"{INVOICES}{invoice.pk}/pdf/",
                NOTES, f"{NOTES}add/", PENDING, f"{PENDING}add/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url

    posts = [
        (f"{RUNS}add/", {"period": "2027-02", "kind": RunKind.RENT}),
        (f"{RUNS}{planned.pk}/prepare/", {}),
        (f"{RUNS}{prepared.pk}/prepare/", {}),
        (f"{RUNS}{prepared.pk}/approve/", {}),
        (f"{RUNS}{prepared.pk}/issue/", {}),
        (f"{RUNS}{prepared.pk}/discard/", {"reason": "Nej"}),
        (f"{NOTES}add/", {"contract": normal.pk, "text": "Ny hyra", "first_period": "2027-01",
                          "invoices_remaining": 2}),
        (f"{PENDING}add/", {"contract": normal.pk, "period": "2027-01", "description": "Avdrag",
                            "amount": "-100.00"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url

    assert _snapshot() == before


# --- Query counts ---------------------------------------------------------------------------------------


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"all": "", **(params or {})})
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


def _contracts(district, n):
    for i in range(n):
        contract = contract_with_rent(organisation=district,
                                      rent=Decimal("10500.00") if i % 3 == 0 else Decimal("5400.00"))
        if i % 4 == 0:
            contract.customer.protected_identity = True
            contract.customer.save()


def _page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_run_items_list_runs_the_same_queries_for_10_items_as_for_200(staff_client, staff, district):
    _contracts(district, 10)
    run = _prepared(staff)
    small, rows = _queries(staff_client, ITEMS, {"run__id__exact": run.pk})
    assert rows == 10
    small_page = _page_queries(staff_client, f"{RUNS}{run.pk}/change/")
    _contracts(district, 190)
    run = _prepared(staff)
    large, rows = _queries(staff_client, ITEMS, {"run__id__exact": run.pk})
    assert rows == 200
    assert small == large
    # The run's page (with its flagged items) does not grow with the items either.
    assert _page_queries(staff_client, f"{RUNS}{run.pk}/change/") == small_page


def test_the_invoice_list_runs_the_same_queries_for_10_invoices_as_for_200(staff_client, staff, district):
    _contracts(district, 10)
    services.run_issue(run=services.run_approve(run=_prepared(staff), actor=staff), actor=staff)
    small, rows = _queries(staff_client, INVOICES, {"period": "2026-12"})
    assert rows == 10
    _contracts(district, 190)
    services.run_issue(run=services.run_approve(run=_prepared(staff, JAN), actor=staff), actor=staff)
    large, rows = _queries(staff_client, INVOICES, {"period": "2027-01"})
    assert rows == 200
    assert small == large


# --- Invoices ------------------------------------------------------------------------------------------


def test_invoices_are_listed_filtered_and_searched_read_only(staff_client, staff, district, contracts):
    normal = contracts[0]
    services.run_issue(run=services.run_approve(run=_prepared(staff), actor=staff), actor=staff)
    services.run_issue(run=services.run_approve(run=_prepared(staff, JAN), actor=staff), actor=staff)
    invoice = Invoice.objects.get(contract=normal, period=DEC)

    assert len(_ids(staff_client.get(INVOICES))) == 4
    assert _ids(staff_client.get(INVOICES, {"period": "2026-12"})) == set(
        Invoice.objects.filter(period=DEC).values_list("pk", flat=True))
    assert _ids(staff_client.get(INVOICES, {"q": str(invoice.number)})) == {invoice.pk}
    assert _ids(staff_client.get(INVOICES, {"q": invoice.ocr_reference})) == {invoice.pk}
    assert _ids(staff_client.get(INVOICES, {"q": normal.customer.personal_number})) == set(
        Invoice.objects.filter(contract=normal).values_list("pk", flat=True))
    assert _ids(staff_client.get(INVOICES, {"state": "issued", "document_type": "invoice",
                                            "kind": "rent"})) == set(
        Invoice.objects.values_list("pk", flat=True))

    page = staff_client.get(f"{INVOICES}{invoice.pk}/change/")
    assert page.status_code == 200
    assert invoice.ocr_reference in page.content.decode()
    assert page.context["has_change_permission"] is False
    assert not page.context["has_add_permission"]
    before = _snapshot(), Invoice.objects.values_list("total", "balance", "state").get(pk=invoice.pk)
    assert staff_client.post(f"{INVOICES}{invoice.pk}/change/", {"total": "1.00"}).status_code == 403
    assert staff_client.post(f"{INVOICES}{invoice.pk}/delete/").status_code == 403
    assert staff_client.get(f"{INVOICES}add/").status_code == 403
    assert (_snapshot(), Invoice.objects.values_list("total", "balance", "state").get(pk=invoice.pk)) == before


# --- Downloads (built by the documents and exports work; tested when it is there) ----------------------


def test_an_issued_run_offers_the_print_file_and_the_ledger_export(staff_client, staff, contracts):
    if not hasattr(services, "run_export"):
        pytest.skip("services.run_export (the per-run export files) is not built yet")
    run = services.run_issue(run=services.run_approve(run=_prepared(staff), actor=staff), actor=staff)
    page = staff_client.get(f"{RUNS}{run.pk}/change/")
    urls = [url for _label, url in page.context["downloads"]]
    assert urls == [f"{RUNS}{run.pk}/export/print/", f"{RUNS}{run.pk}/export/ledger/"]
    for url in urls:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert b"".join(response) != b""
    assert staff_client.get(f"{RUNS}{run.pk}/export/other/").status_code == 404


def test_a_prepared_run_offers_no_downloads(staff_client, staff, contracts):
    run = _prepared(staff)
    page = staff_client.get(f"{RUNS}{run.pk}/change/")
    assert page.context["downloads"] == []


def test_the_invoice_page_links_its_pdf(staff_client, staff, contracts):
    from invoicing import admin as invoicing_admin

    if invoicing_admin._pdf_renderer() is None:
        pytest.skip("documents.get_or_render_invoice_pdf (the invoice PDF) is not built yet")
    services.run_issue(run=services.run_approve(run=_prepared(staff), actor=staff), actor=staff)
    invoice = Invoice.objects.filter(contract=contracts[0]).get()
    page = staff_client.get(f"{INVOICES}{invoice.pk}/change/")
    assert f"{INVOICES}{invoice.pk}/pdf/" in page.content.decode()
    events = AuditEvent.objects.for_object(invoice).count()
    response = staff_client.get(f"{INVOICES}{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response).startswith(b"%PDF")
    assert AuditEvent.objects.for_object(invoice).count() == events + 1


# --- Invoice notes and queued lines: added through the services, audited, then read-only -----------------


def test_staff_add_an_invoice_note_through_the_service(staff_client, staff, contracts):
    normal = contracts[0]
    assert staff_client.get(f"{NOTES}add/").status_code == 200
    response = staff_client.post(f"{NOTES}add/", {"contract": normal.pk, "text": "Hyran höjs från januari.",
                                                  "first_period": "2027-01", "invoices_remaining": 2})
    assert response.status_code == 302
    note = InvoiceNote.objects.get()
    assert (note.contract, note.first_period, note.invoices_remaining) == (normal, JAN, 2)
    assert AuditEvent.objects.for_object(normal).filter(actor=staff,
                                                        changes__invoice_note__1=note.text).exists()
    before = _snapshot()
    assert staff_client.post(f"{NOTES}{note.pk}/change/", {"text": "Annat"}).status_code == 403
    assert staff_client.post(f"{NOTES}{note.pk}/delete/").status_code == 403
    assert _snapshot() == before
    assert _ids(staff_client.get(NOTES)) == {note.pk}


def test_a_note_needs_a_valid_period(staff_client, contracts):
    response = staff_client.post(f"{NOTES}add/", {"contract": contracts[0].pk, "text": "Text",
                                                  "first_period": "januari", "invoices_remaining": 2})
    assert response.status_code == 200 and response.context["adminform"].form.errors["first_period"]
    assert not InvoiceNote.objects.exists()


def test_staff_queue_a_one_off_line_through_the_service_and_the_run_invoices_it(staff_client, staff,
                                                                               contracts):
    normal = contracts[0]
    response = staff_client.post(f"{PENDING}add/", {"contract": normal.pk, "period": "2026-12",
                                                    "description": "Nedsättning dubbelt boende",
                                                    "amount": "-400.00"})
    assert response.status_code == 302
    line = PendingLine.objects.get()
    assert (line.period, line.amount) == (DEC, Decimal("-400.00"))
    assert AuditEvent.objects.for_object(normal).filter(actor=staff, changes__has_key="queued_line").exists()

    services.run_issue(run=services.run_approve(run=_prepared(staff), actor=staff), actor=staff)
    assert Invoice.objects.get(contract=normal).total == Decimal("5000.00")
    assert _ids(staff_client.get(PENDING)) == {line.pk}
    before = _snapshot()
    assert staff_client.post(f"{PENDING}{line.pk}/change/", {"amount": "1"}).status_code == 403
    assert _snapshot() == before


# --- "Mitt arbete": runs waiting for review and issue, due on their issue day ----------------------------


def test_the_admin_index_counts_runs_to_approve_or_issue_by_their_issue_day(staff_client, staff):
    prepared = _prepared(staff)  # December, prepared: to approve
    services.run_approve(run=_prepared(staff, JAN), actor=staff)  # January, approved: to issue
    services.run_for(period=dt.date(2027, 2, 1), kind=RunKind.RENT)  # planned: not yet work
    issue_day = selectors.run_issue_day(DEC, RunKind.RENT)

    def row():
        response = staff_client.get("/admin/")
        assert response.status_code == 200
        return next(r for r in response.context["my_work"] if r["queue"].key == "invoice_runs")

    with time_machine.travel(dt.datetime.combine(issue_day, dt.time(9)), tick=False):
        counts = row()
        assert (counts["open"], counts["due_today"], counts["overdue"]) == (2, 1, 0)
        assert counts["url"] == RUNS
    with time_machine.travel(dt.datetime.combine(issue_day + dt.timedelta(days=1), dt.time(9)), tick=False):
        counts = row()
        assert (counts["open"], counts["due_today"], counts["overdue"]) == (2, 0, 1)
    services.run_issue(run=services.run_approve(run=prepared, actor=staff), actor=staff)
    with time_machine.travel(dt.datetime.combine(issue_day + dt.timedelta(days=1), dt.time(9)), tick=False):
        assert row()["open"] == 1


# --- Reports made by the jobs ---------------------------------------------------------------------------


def test_staff_download_the_quarterly_report_and_the_download_is_audited(staff_client, staff, contracts):
    if not hasattr(services, "quarterly_report_store"):
        pytest.skip("services.quarterly_report_store (the quarterly report) is not built yet")
    services.run_issue(run=services.run_approve(run=_prepared(staff), actor=staff), actor=staff)
    report = services.quarterly_report_store(quarter_start=dt.date(2026, 10, 1))

    listed = staff_client.get("/admin/invoicing/reportfile/")
    assert _ids(listed) == {report.pk}
    url = f"/admin/invoicing/reportfile/{report.pk}/download/"
    assert url in listed.content.decode()
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    with report.file.open("rb") as file:
        assert response.content == file.read()
    assert AuditEvent.objects.for_object(report).filter(actor=staff, event_type="export").exists()


@pytest.mark.parametrize("who", ["officer", "citizen"])
def test_officers_and_citizens_cannot_download_reports(client, request, who, staff, contracts):
    if not hasattr(services, "quarterly_report_store"):
        pytest.skip("services.quarterly_report_store (the quarterly report) is not built yet")
    report = services.quarterly_report_store(quarter_start=dt.date(2026, 10, 1))
    client.force_login(request.getfixturevalue(who))
    before = AuditEvent.objects.count()
    for url in ("/admin/invoicing/reportfile/", f"/admin/invoicing/reportfile/{report.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    assert AuditEvent.objects.count() == before
