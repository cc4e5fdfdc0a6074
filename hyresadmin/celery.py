"""The Celery application.

Redis is the broker when ``CELERY_BROKER_URL`` is set; without it tasks run eagerly in process
(settings set ``CELERY_TASK_ALWAYS_EAGER``), so the system runs on one machine with nothing installed.
The beat schedule is static, in settings (``CELERY_BEAT_SCHEDULE``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hyresadmin.settings")

app = Celery("hyresadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
