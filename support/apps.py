from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support cases")

    def ready(self):
        _register_queues()
        _register_role_permissions()
        _register_links()


def _register_queues():
    """The open support cases on the admin index ("Mitt arbete"), by their answer due date."""
    from hyresadmin import queues

    from . import selectors

    queues.register(queues.Queue(
        key="support", label=_("Support cases"), open_items=selectors.open_cases,
        due_field="due_date", admin_url="admin:support_supportcase_changelist",
        assignee_field="assignee", order=30,
    ))


#: The admin's model permissions of the back-office roles on the support models. A case is registered
#: (add) and changed only through the actions; messages are written by the services.
STAFF_PERMISSIONS = {
    "support.supportcase": ("view", "add", "change"),
    "support.message": ("view",),
    "support.messageattachment": ("view",),
}


def _register_role_permissions():
    from hyresadmin import permissions, roles

    for model, actions in STAFF_PERMISSIONS.items():
        roles.register(permissions.SERVICE_STAFF, model, actions)
        roles.register(permissions.SERVICE_ADMIN, model, actions)


def _register_links():
    """The start pages of the citizen view and the district portal link to the case pages."""
    from hyresadmin import navigation

    navigation.register(navigation.CITIZEN, _("My questions"), "support_citizen:case_list", order=40,
                        description=_("Ask us a question and read our answers."))
    navigation.register(navigation.PORTAL, _("Questions"), "support_portal:case_list", order=40,
                        description=_("Ask the service administration a question, and answer the "
                                      "questions it has forwarded to your administration."))
