"""The checks staff run before granting a deferral or approving a payment plan.

The ledger rules (DOMAIN.md "What the ledger rules say", seed 001 "Kundreskontra: Kravhantering"): a
deferral or a payment plan only if the invoice is **unpaid and not at collection**; check the **payment
method**, the **reminder level** and **protected identity**. And the delegation: beyond it, only after
the district has decided.

Each check is a ``Check`` (the same shape as ``contracts.checks``) with a ``blocking`` flag: a failed
blocking check refuses the approval (``plans`` raises ``ChecksFailed`` listing them all); a failed
non-blocking check is a warning staff must read (shown ⚠ in the admin) but does not stop them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from invoicing.models import Invoice

#: The invoice states in which a deferral or plan may be granted.
UNPAID_STATES = (Invoice.State.ISSUED, Invoice.State.PARTLY_PAID, Invoice.State.OVERDUE,
                 Invoice.State.REMINDED)


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    passed: bool
    detail: str = ""
    blocking: bool = True

    @property
    def is_warning(self) -> bool:
        return not self.passed and not self.blocking


def failed(checks: list[Check]) -> list[Check]:
    """The blocking checks that failed: any one refuses the approval."""
    return [c for c in checks if not c.passed and c.blocking]


def _numbers(invoices) -> str:
    return ", ".join(str(i.number) for i in invoices)


def request_checks(request) -> list[Check]:
    """The checks of a ``Deferral`` or ``PaymentPlan`` (its invoices prefetched or not)."""
    invoices = list(request.invoices.all())
    checks = []

    not_unpaid = [i for i in invoices
                  if i.state not in UNPAID_STATES and i.state != Invoice.State.AT_COLLECTION or i.balance <= 0]
    checks.append(Check(
        "unpaid", _("The invoices are unpaid"), bool(invoices) and not not_unpaid,
        _("Not unpaid: %(numbers)s.") % {"numbers": _numbers(not_unpaid)} if not_unpaid
        else ("" if invoices else _("The request has no invoices.")),
    ))

    at_collection = [i for i in invoices if i.state == Invoice.State.AT_COLLECTION]
    checks.append(Check(
        "not_at_collection", _("No invoice is at collection"), not at_collection,
        _("At the collection agency: %(numbers)s. Recall the claim first, or let the agency agree on the "
          "payment.") % {"numbers": _numbers(at_collection)} if at_collection else "",
    ))

    channels = sorted({str(i.get_delivery_channel_display()) for i in invoices})
    checks.append(Check(
        "payment_method", _("Payment method checked"), True,
        _("Delivered by: %(channels)s. The system holds no autogiro mandate: if the customer pays by "
          "autogiro, stop the withdrawal at the bank (it can take up to 3 working days).")
        % {"channels": ", ".join(channels) or "–"},
        blocking=False,
    ))

    reminded = [i for i in invoices if i.state == Invoice.State.REMINDED]
    checks.append(Check(
        "reminder_level", _("No reminder has been sent"), not reminded,
        _("Reminded: %(numbers)s. The customer has had a reminder; a reminder fee may already be charged.")
        % {"numbers": _numbers(reminded)} if reminded else "",
        blocking=False,
    ))

    protected = request.customer.protected_identity
    checks.append(Check(
        "protected_identity", _("The customer has no protected identity"), not protected,
        _("Protected identity: handle apart. Letters go through the protected-address route (the Tax "
          "Agency), never to an address shown here.") if protected else "",
        blocking=False,
    ))

    decided = request.state == request.State.DECIDED_BY_DISTRICT
    checks.append(Check(
        "delegation", _("Within delegation, or decided by the district"),
        request.within_delegation or decided,
        "" if request.within_delegation or decided
        else (request.delegation_reason or _("Beyond delegation: refer it to the district.")),
    ))
    return checks
