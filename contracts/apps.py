from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        from hyresadmin.services import register_affiliation_guard

        from .services import affiliation_guard

        register_affiliation_guard(affiliation_guard)
        _register_portal_links()
        _register_citizen_links()
        _register_queues()
        _register_role_permissions()


def _register_portal_links():
    """The district portal's start page links to the contract pages."""
    from hyresadmin import navigation

    navigation.register(navigation.PORTAL, _("New tenant"), "contracts:submission_new", order=10,
                        description=_("Send a submission for a new tenant, FOT or care housing."))
    navigation.register(navigation.PORTAL, _("My submissions"), "contracts:submission_list", order=20,
                        description=_("Your administration's submissions: state, due date, what "
                                      "needs completion."))
    navigation.register(navigation.PORTAL, _("Contracts"), "contracts:contract_list", order=30,
                        description=_("Your administration's rental contracts, their documents and "
                                      "changes."))
    navigation.register(navigation.PORTAL, _("Give notice"), "contracts:termination_new", order=40,
                        description=_("The termination form: notice from the tenant, a relative, the "
                                      "estate or the district's decision."))


def _register_citizen_links():
    """The citizen view's start page links to the contract pages."""
    from hyresadmin import navigation

    navigation.register(navigation.CITIZEN, _("My contracts"), "contracts_citizen:contract_list",
                        order=30, description=_("Your rental contract and your rent."))


def _register_queues():
    """The submission queue on the admin index ("Mitt arbete")."""
    from hyresadmin import queues

    from . import selectors

    queues.register(queues.Queue(
        key="submissions", label=_("Submissions"), open_items=selectors.open_submissions,
        due_field="due_date", admin_url="admin:contracts_submission_changelist",
        assignee_field="assignee", order=10,
    ))
    queues.register(queues.Queue(
        key="terminations", label=_("Terminations"), open_items=selectors.open_terminations,
        due_field="due_date", admin_url="admin:contracts_termination_changelist",
        assignee_field="assignee", order=15,
    ))
    queues.register(queues.Queue(
        key="rent_reductions", label=_("Rent reductions (double housing)"),
        open_items=selectors.open_rent_reductions, due_field="due_date",
        admin_url="admin:contracts_rentreduction_changelist", order=16,
    ))


#: The admin's model permissions of the back-office roles on the contracts models.
STAFF_PERMISSIONS = {
    "contracts.submission": ("view", "change"),
    "contracts.submissionrentline": ("view",),
    "contracts.submissionattachment": ("view",),
    "contracts.rentalcontract": ("view", "change"),
    "contracts.rentline": ("view", "add", "change", "delete"),
    "contracts.contractdocument": ("view", "add"),
    "contracts.rentalobject": ("view", "add", "change"),
    "contracts.objectquality": ("view", "add", "change", "delete"),
    "contracts.landlord": ("view", "add", "change"),
    "contracts.qualitytype": ("view",),
    "contracts.collectioncode": ("view",),
    "contracts.termination": ("view", "change"),
    "contracts.terminationnotice": ("view", "add"),
    "contracts.rentreduction": ("view", "change"),
}
ADMIN_PERMISSIONS = {
    **STAFF_PERMISSIONS,
    "contracts.qualitytype": ("view", "add", "change"),
    "contracts.collectioncode": ("view", "add", "change"),
}


def _register_role_permissions():

    from hyresadmin import permissions, roles

    for model, actions in STAFF_PERMISSIONS.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
    for model, actions in ADMIN_PERMISSIONS.items():
        roles.register(permissions.SERVICE_ADMIN, model, actions)


