from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = _("Invoicing")

    def ready(self):
        from . import receivers

        receivers.connect()
        _register_queues()
        _register_role_permissions()
        _register_citizen_links()
        _register_payment_queue()
        _register_settlements()
        _register_refunds()


def _register_settlements():
    """The final settlements on the admin index, their permissions, the invoice-status hook that
    contracts' rent-reduction checks use and the link to the settlement on the contract's and the
    termination's admin pages (contracts may not import invoicing)."""
    from contracts import related as contract_related
    from contracts.reduction import register_invoice_status
    from hyresadmin import permissions, queues, roles

    from . import reductions, selectors

    register_invoice_status(reductions.customer_invoice_status)
    contract_related.register(selectors.settlement_links)
    queues.register(queues.Queue(
        key="final_settlements", label=_("Final settlements"), open_items=selectors.open_settlements,
        due_field="due_date", admin_url="admin:invoicing_finalsettlement_changelist", order=27,
    ))
    for role in (permissions.SERVICE_STAFF, permissions.SERVICE_ADMIN):
        roles.register(role, "invoicing.finalsettlement", ("view", "change"))


def _register_citizen_links():
    """The citizen view's start page links to the invoice pages."""
    from hyresadmin import navigation

    navigation.register(navigation.CITIZEN, _("My invoices"), "invoicing_citizen:invoice_list",
                        order=10, description=_("What to pay and when, with the OCR reference, and "
                                                "whether it is paid."))


def _register_queues():
    """The runs waiting for staff on the admin index ("Mitt arbete"), due on their issue day."""
    from hyresadmin import queues

    from . import selectors

    queues.register(queues.Queue(
        key="invoice_runs", label=_("Invoicing runs to approve or issue"),
        open_items=selectors.runs_to_review, due_field="issue_day",
        admin_url="admin:invoicing_invoicerun_changelist", order=20,
    ))


#: The admin's model permissions of the back-office roles on the invoicing models. Issued invoices
#: are never changed in the admin (they are credited or cancelled); notes and queued lines are added.
STAFF_PERMISSIONS = {
    "invoicing.invoicerun": ("view", "add", "change"),
    "invoicing.runitem": ("view",),
    "invoicing.invoice": ("view",),
    "invoicing.invoiceline": ("view",),
    "invoicing.invoicenote": ("view", "add"),
    "invoicing.pendingline": ("view", "add"),
    "invoicing.reportfile": ("view",),
}


def _register_role_permissions():
    from hyresadmin import permissions, roles

    for model, actions in STAFF_PERMISSIONS.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
        roles.register(permissions.SERVICE_ADMIN, model, actions)


def _register_payment_queue():
    """The unmatched payments (due in 10 working days) on the admin index, and the roles' permissions
    on the payment models: files are uploaded, payments handled by their buttons, never edited."""
    from hyresadmin import permissions, queues, roles

    from .payments import unmatched_payments_for

    queues.register(queues.Queue(
        key="unmatched_payments", label=_("Unmatched payments"), open_items=unmatched_payments_for,
        due_field="due_date", admin_url="admin:invoicing_payment_changelist", order=25,
    ))
    for model, actions in {"invoicing.paymentfile": ("view", "add"), "invoicing.payment": ("view", "change"),
                           "invoicing.customercredit": ("view",)}.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
        roles.register(permissions.SERVICE_ADMIN, model, actions)


def _register_refunds():
    """The open refund orders on the admin index (due in 3 working days), the district portal's link
    to the refunds waiting for its decision, and the roles' permissions: credit notes are made from the
    invoice's page, refund orders created and moved by their buttons."""
    from hyresadmin import navigation, permissions, queues, roles

    from . import selectors

    queues.register(queues.Queue(
        key="refund_orders", label=_("Refunds"), open_items=selectors.refund_orders_open_for,
        due_field="due_date", admin_url="admin:invoicing_refundorder_changelist", order=27,
    ))
    navigation.register(navigation.PORTAL, _("Refunds"), "invoicing_portal:refund_list", order=50,
                        description=_("Decide on refunds beyond the service administration's delegation."))
    for model, actions in {"invoicing.creditnote": ("view", "add"),
                           "invoicing.refundorder": ("view", "add", "change")}.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
        roles.register(permissions.SERVICE_ADMIN, model, actions)
