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
        _register_report_links()
        _register_report_role_permissions()
        # Interest and collection: the admin and the Celery tasks live in their own modules (Celery's
        # autodiscovery finds only ``tasks``), imported here; then the queues and role permissions.
        from . import admin_collection, tasks_collection  # noqa: F401

        _register_collection()
        _register_reminders()
        from . import admin_plans, tasks_plans  # noqa: F401  (admin registration, Celery tasks)

        _register_plan_doors()


def _register_report_links():
    """The district portal's start page links to the unpaid-rent reports."""
    from hyresadmin import navigation

    navigation.register(navigation.PORTAL, _("Unpaid rents"), "debt_collection_reports:report_list",
                        order=50, description=_("The monthly reports of your customers' unpaid rents, "
                                                "per housing form, as PDF and Excel."))


#: The admin's model permissions of the back-office roles on the unpaid-rent reports: they are read,
#: and made again ("change" is the right to make a month's reports again; nothing is edited by hand).
REPORT_PERMISSIONS = {
    "debt_collection.unpaidreport": ("view", "change"),
}


def _register_report_role_permissions():
    from hyresadmin import permissions, roles

    for model, actions in REPORT_PERMISSIONS.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
        roles.register(permissions.SERVICE_ADMIN, model, actions)


#: The admin's model permissions of the back-office roles on the interest and collection models. Cases,
#: proposals and write-downs change only through their buttons (the services); rates are data staff keep.
COLLECTION_STAFF_PERMISSIONS = {
    "debt_collection.referencerate": ("view", "add", "change"),
    "debt_collection.interestbatch": ("view", "add", "change"),
    "debt_collection.interestproposal": ("view", "change"),
    "debt_collection.collectioncase": ("view", "change"),
    "debt_collection.collectionclaim": ("view",),
    "debt_collection.agencyfile": ("view",),
    "debt_collection.enforcementapplication": ("view",),
    "debt_collection.writedown": ("view",),
    "debt_collection.writedownrequest": ("view", "add", "change"),
}


def _register_collection():
    """The queues on the admin index ("Mitt arbete") and the roles' permissions."""
    from hyresadmin import navigation, permissions, queues, roles

    from . import collection, interest, writedowns

    queues.register(queues.Queue(
        key="collection_proposals", label=_("Claims proposed for the collection agency"),
        open_items=collection.cases_to_review, due_field="due_date",
        admin_url="admin:debt_collection_collectioncase_changelist", order=45,
    ))
    queues.register(queues.Queue(
        key="interest_proposals", label=_("Interest-invoice proposals to review"),
        open_items=interest.batches_to_review, due_field="due_date",
        admin_url="admin:debt_collection_interestbatch_changelist", order=46,
    ))
    queues.register(queues.Queue(
        key="write_downs_to_carry_out", label=_("Write-downs the district approved"),
        open_items=writedowns.write_down_requests_to_carry_out, due_field="due_date",
        admin_url="admin:debt_collection_writedownrequest_changelist", order=47,
    ))
    for model, actions in COLLECTION_STAFF_PERMISSIONS.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
        roles.register(permissions.SERVICE_ADMIN, model, actions)
    navigation.register(navigation.PORTAL, _("Collection cases"), "collection_portal:case_list", order=44,
                        description=_("Your customers' unpaid rent at the collection agency or Kronofogden."))
    navigation.register(navigation.PORTAL, _("Write-downs"), "collection_portal:write_down_list", order=45,
                        description=_("Write-downs of unpaid invoices proposed by the service "
                                      "administration, for your decision."))


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


#: The admin's model permissions of the back-office roles on deferrals and payment plans: they are
#: registered and decided through the admin's pages, never edited field by field.
PLAN_PERMISSIONS = {
    "debt_collection.deferral": ("view", "change"),
    "debt_collection.paymentplan": ("view", "change"),
    "debt_collection.instalment": ("view",),
}


def _register_plan_doors():
    """Deferrals and payment plans: portal and citizen links, "Mitt arbete" queues, role permissions."""
    from hyresadmin import navigation, permissions, queues, roles

    from . import plans

    navigation.register(navigation.PORTAL, _("Deferral or payment plan (SF1015)"), "plans:request_new",
                        order=40, description=_("Ask for a deferral or a payment plan for a customer's "
                                                "unpaid invoices."))
    navigation.register(navigation.PORTAL, _("Deferrals and payment plans"), "plans:request_list", order=41,
                        description=_("Your administration's requests, their state and instalments."))
    navigation.register(navigation.PORTAL, _("Decisions"), "plans:decision_list", order=42,
                        description=_("Deferrals and payment plans beyond the service administration's "
                                      "delegation, for your decision."))
    navigation.register(navigation.PORTAL, _("Report of payment plans"), "plans:report", order=43,
                        description=_("The month's payment plans: what is paid and what is left."))
    navigation.register(navigation.CITIZEN, _("Deferrals and payment plans"), "plans_citizen:plan_list",
                        order=15, description=_("What to pay by when, and to which OCR reference."))
    queues.register(queues.Queue(
        key="deferrals", label=_("Deferrals to decide"), open_items=plans.open_deferrals,
        due_field="due_date", admin_url="admin:debt_collection_deferral_changelist", order=40))
    queues.register(queues.Queue(
        key="payment_plans", label=_("Payment plans to decide"), open_items=plans.open_payment_plans,
        due_field="due_date", admin_url="admin:debt_collection_paymentplan_changelist", order=41))
    queues.register(queues.Queue(
        key="broken_payment_plans", label=_("Payment plans not kept"), open_items=plans.broken_payment_plans,
        due_field="broken_on", admin_url="admin:debt_collection_paymentplan_changelist", order=42))
    for model, actions in PLAN_PERMISSIONS.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
        roles.register(permissions.SERVICE_ADMIN, model, actions)
