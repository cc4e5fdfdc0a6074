"""Guards run when a server process starts."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def assert_production_ready() -> None:
    """Refuse to serve with DEBUG off and the development secret key or development login."""
    if settings.DEBUG:
        return
    if settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    if settings.DEV_LOGIN_ENABLED:
        raise ImproperlyConfigured("DEV_LOGIN_ENABLED must be off when DEBUG is off.")
