"""Which Django model permissions each role's group holds (the admin uses them).

Apps add their models here as they arrive. ``sync`` runs after every ``migrate`` and sets each
group's permissions to exactly this table, so the roles in every database are the committed ones.
Object-level rules (whose data) are in ``permissions`` and ``rules_predicates``.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .permissions import CITIZEN, DISTRICT_OFFICER, SERVICE_ADMIN, SERVICE_STAFF

#: role -> {"app_label.model": actions}
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    SERVICE_STAFF: {
        "hyresadmin.person": ("view", "add", "change"),
        "hyresadmin.representative": ("view", "add", "change", "delete"),
        "hyresadmin.organisation": ("view",),
        "hyresadmin.auditevent": ("view",),
        "hyresadmin.jobrun": ("view", "change"),
    },
    SERVICE_ADMIN: {
        "hyresadmin.person": ("view", "add", "change"),
        "hyresadmin.representative": ("view", "add", "change", "delete"),
        "hyresadmin.organisation": ("view", "add", "change"),
        "hyresadmin.user": ("view", "add", "change"),
        "hyresadmin.auditevent": ("view",),
        "hyresadmin.jobrun": ("view", "change"),
        "authtoken.tokenproxy": ("view", "add", "delete"),
    },
    DISTRICT_OFFICER: {},
    CITIZEN: {},
}


def register(role: str, model: str, actions: tuple[str, ...]) -> None:
    """Called by apps (in ``AppConfig.ready``) to grant a role permissions on their models."""
    ROLE_PERMISSIONS.setdefault(role, {})[model] = actions


def sync(**kwargs) -> None:
    for role, models in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        query = Q(pk__in=[])
        for model, actions in models.items():
            app_label, model_name = model.split(".")
            query |= Q(content_type__app_label=app_label, content_type__model=model_name,
                       codename__in=[f"{a}_{model_name}" for a in actions])
        group.permissions.set(Permission.objects.filter(query))
