"""The registry of work queues shown as "Mitt arbete" on the admin index.

Each app registers its queues in its ``AppConfig.ready``::

    queues.register(Queue(
        key="submissions", label=_("Submissions"),
        open_items=lambda user: submissions_open_for(user),   # a queryset
        due_field="due_date", admin_url="admin:contracts_submission_changelist",
        assignee_field="assignee",
    ))

The index shows, per queue, how many items are open, due today and overdue, and (when the queue has
an assignee) how many are assigned to the user. Each count is one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    open_items: Callable[[object], QuerySet]
    due_field: str
    admin_url: str
    assignee_field: str | None = None
    order: int = 100


_registry: dict[str, Queue] = {}


def register(queue: Queue) -> None:
    _registry[queue.key] = queue


def unregister(key: str) -> None:
    _registry.pop(key, None)


def registered() -> list[Queue]:
    return sorted(_registry.values(), key=lambda q: (q.order, q.key))


def my_work(user) -> list[dict]:
    """Counts per queue for the admin index: open, due today, overdue, assigned to me."""
    today = timezone.localdate()
    rows = []
    for queue in registered():
        aggregates = {
            "open": Count("pk"),
            "due_today": Count("pk", filter=Q(**{queue.due_field: today})),
            "overdue": Count("pk", filter=Q(**{f"{queue.due_field}__lt": today})),
        }
        if queue.assignee_field:
            aggregates["mine"] = Count("pk", filter=Q(**{queue.assignee_field: user}))
        counts = queue.open_items(user).aggregate(**aggregates)
        try:
            url = reverse(queue.admin_url)
        except NoReverseMatch:
            url = ""
        rows.append({"queue": queue, "url": url, **counts})
    return rows
