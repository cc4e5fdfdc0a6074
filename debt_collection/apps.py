"""Unpaid-invoice follow-up (krav).

Owns collection codes, overdue detection, reminders, late-payment interest with the reference-rate
table, deferrals and payment plans within the delegation rules, collection cases and the
collection-agency file, enforcement records, write-downs, and the unpaid-rent reports to the
districts. Named debt_collection because ``collections`` is a standard-library module.
Depends on the kernel, contracts and invoicing."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebtCollectionConfig(AppConfig):
    name = "debt_collection"
    verbose_name = _("Debt collection")

    def ready(self):
        _register_reminders()


#: The admin's model permissions of the back-office roles on the reminder models: batches are
#: reviewed (their items ticked) and moved by their buttons; codes' rules are kept by staff.
STAFF_PERMISSIONS = {
    "debt_collection.collectionpolicy": ("view", "add", "change"),
    "debt_collection.reminderbatch": ("view", "change"),
    "debt_collection.reminder": ("view", "change"),
    "debt_collection.remindernotice": ("view",),
}


def _register_reminders():
    """The reminder batches on "Mitt arbete" (due in 3 working days), the roles' permissions, and the
    reminder on the citizen's invoice page."""
    from hyresadmin import permissions, queues, roles
    from invoicing import citizen_views as invoice_pages

    from . import selectors
    from .citizen_views import invoice_reminder_extra

    queues.register(queues.Queue(
        key="reminder_batches", label=_("Reminders to review and send"),
        open_items=selectors.reminder_batches_to_review, due_field="due_date",
        admin_url="admin:debt_collection_reminderbatch_changelist", order=30,
    ))
    for model, actions in STAFF_PERMISSIONS.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
        roles.register(permissions.SERVICE_ADMIN, model, actions)
    if invoice_reminder_extra not in invoice_pages.INVOICE_DETAIL_EXTRAS:
        invoice_pages.INVOICE_DETAIL_EXTRAS.append(invoice_reminder_extra)
