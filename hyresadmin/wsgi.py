"""WSGI entry point (gunicorn). Refuses to start in production with the development secret key."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hyresadmin.settings")

application = get_wsgi_application()

from hyresadmin.startup import assert_production_ready  # noqa: E402

assert_production_ready()
