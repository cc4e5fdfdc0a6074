"""Project system checks, run by ``manage.py check`` (the deploy ones by ``check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def dev_login_off_in_production(app_configs, **kwargs):
    if settings.DEV_LOGIN_ENABLED and not settings.DEBUG:
        return [
            Error(
                "DEV_LOGIN_ENABLED is on with DEBUG off.",
                hint="Turn the development login off in production.",
                id="hyresadmin.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def secret_key_from_environment(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the development fallback.",
                hint="Set SECRET_KEY in the environment.",
                id="hyresadmin.E002",
            )
        ]
    return []
