"""ASGI entry point. Refuses to start in production with the development secret key."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hyresadmin.settings")

application = get_asgi_application()

from hyresadmin.startup import assert_production_ready  # noqa: E402

assert_production_ready()
