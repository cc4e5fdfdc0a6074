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
