"""The Celery set-up: the static beat schedule, eager mode without a broker, and a real round trip
through Redis (CI always runs it; elsewhere it runs when ``CELERY_BROKER_URL`` is set)."""

import inspect
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from datetime import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from django.conf import settings

from hyresadmin.celery import app
from hyresadmin.tasks import ping

ROOT = Path(__file__).resolve().parents[2]
SCHEDULE = settings.CELERY_BEAT_SCHEDULE


@pytest.fixture(scope="module")
def discovered_tasks():
    """The task registry as a worker sees it: after the worker's autodiscovery of every app's tasks."""
    app.loader.import_default_modules()
    return app.tasks


def test_the_schedule_is_not_empty():
    assert SCHEDULE, "CELERY_BEAT_SCHEDULE has no entries"


@pytest.mark.parametrize("name", sorted(SCHEDULE))
def test_beat_entry_names_a_registered_task(name, discovered_tasks):
    assert SCHEDULE[name]["task"] in discovered_tasks, f"{name}: no task {SCHEDULE[name]['task']!r}"


@pytest.mark.parametrize("name", sorted(SCHEDULE))
def test_beat_entry_arguments_fit_the_task(name, discovered_tasks):
    entry = SCHEDULE[name]
    task = discovered_tasks[entry["task"]]
    # Raises TypeError when beat would call the task with arguments it does not take.
    inspect.signature(task.run).bind(*entry.get("args", ()), **entry.get("kwargs", {}))


@pytest.mark.parametrize("name", sorted(SCHEDULE))
def test_beat_entry_is_a_crontab_outside_the_daylight_saving_hour(name):
    schedule = SCHEDULE[name]["schedule"]
    assert isinstance(schedule, crontab), f"{name}: use a crontab (wall-clock time), not an interval"
    fire_times = {time(h, m) for h in schedule.hour for m in schedule.minute}
    in_dst_hour = sorted(t for t in fire_times if time(2, 0) <= t <= time(3, 0))
    assert not in_dst_hour, f"{name} fires at {in_dst_hour}: 02:00-03:00 is skipped or repeated at DST"


def test_the_schedule_runs_in_stockholm_time():
    assert app.conf.timezone == "Europe/Stockholm"


def test_without_a_broker_tasks_run_eagerly_in_process():
    """``make demo`` has no Redis: a queued task runs at once and its result is there."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}}
    env["DJANGO_SETTINGS_MODULE"] = "hyresadmin.settings"
    code = (
        "import django; django.setup()\n"
        "from hyresadmin.celery import app\n"
        "from hyresadmin.tasks import ping\n"
        "print(app.conf.task_always_eager, app.conf.broker_url, ping.delay().get(timeout=5))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "memory://", "pong"]


@contextmanager
def _app_configured(**values):
    """Point the project's app at other settings for a while, then put everything back."""
    saved = {key: app.conf[key] for key in values}

    def forget_connections():
        # The app caches its broker pool and result backend; drop them so the new URLs are used.
        app._pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    app.conf.update(values)
    forget_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        forget_connections()


@pytest.mark.redis
def test_a_real_task_goes_through_redis_and_its_result_comes_back():
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL (Redis) so that this test runs")
        pytest.skip("CELERY_BROKER_URL is not set: no Redis to talk to")

    # A queue of its own, so that nothing else on this Redis is consumed or disturbed.
    queue = f"hyresadmin-test-{uuid.uuid4().hex}"
    with _app_configured(broker_url=broker, result_backend=broker, task_always_eager=False):
        try:
            with start_worker(app, queues=[queue], perform_ping_check=False, shutdown_timeout=30):
                result = ping.apply_async(("hej",), queue=queue)
                assert result.get(timeout=10) == "hej"
                assert result.state == "SUCCESS"
                result.forget()
        finally:
            # Declared again on this connection, so that deleting it removes its bindings too.
            with app.connection_for_write() as conn:
                bound = app.amqp.queues[queue].bind(conn.default_channel)
                bound.declare()
                bound.delete()
