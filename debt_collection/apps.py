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
        from . import admin_plans, tasks_plans  # noqa: F401  (admin registration, Celery tasks)

        _register_plan_doors()


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
