from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class HyresadminConfig(AppConfig):
    name = "hyresadmin"
    verbose_name = _("Registry and administration")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks, roles, rules_predicates  # noqa: F401  (registers checks and rules)

        # Permissions are made per app as each app's post_migrate runs; sync the roles after the
        # last app's, when every app's permissions exist.
        post_migrate.connect(_sync_roles, dispatch_uid="hyresadmin.sync_roles")


class HyresadminAdminConfig(AdminConfig):
    """The Django admin with the project's site: Swedish titles and the "my work" index."""

    default_site = "hyresadmin.admin_site.HyresadminAdminSite"


def _sync_roles(sender, **kwargs):
    from django.apps import apps

    from . import roles

    if sender is list(apps.get_app_configs())[-1]:
        roles.sync()
