from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class HyresadminConfig(AppConfig):
    name = "hyresadmin"
    verbose_name = _("Registry and administration")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks, roles, rules_predicates  # noqa: F401  (registers checks and rules)

        post_migrate.connect(_sync_roles, sender=self)


class HyresadminAdminConfig(AdminConfig):
    """The Django admin with the project's site: Swedish titles and the "my work" index."""

    default_site = "hyresadmin.admin_site.HyresadminAdminSite"


def _sync_roles(sender, **kwargs):
    from . import roles

    roles.sync()
