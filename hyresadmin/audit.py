"""The audit trail: who did what to which record, when, from which state to which, and why.

Services call these functions inside their transaction, so that the change and its audit row are
committed together or not at all. Views of a person's full record and exports of personal data are
recorded too. Nothing here logs personal data to the log files.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .middleware import current_request_id
from .models import AuditEvent


def _jsonable(value):
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (Decimal,)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def _actor_fields(actor) -> dict:
    if actor is None:
        return {"actor": None}
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor[:100]}
    if getattr(actor, "is_authenticated", False):
        return {"actor": actor}
    return {"actor": None}


def build(
    event_type: str,
    *,
    actor=None,
    subject: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    changes: dict | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """One audit event like ``record`` writes, not saved: for a job that writes many at once with
    ``AuditEvent.objects.bulk_create`` (no query per event)."""
    fields = _actor_fields(actor)
    if subject is not None:
        fields["content_type"] = ContentType.objects.get_for_model(type(subject))
        fields["object_id"] = str(subject.pk)
        fields["object_repr"] = str(subject)[:200]
    return AuditEvent(
        event_type=event_type,
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
        request_id=request_id or current_request_id(),
        **fields,
    )


def record(
    event_type: str,
    *,
    actor=None,
    subject: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    changes: dict | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """Write one audit event. ``actor`` is a user, a job name (str) or None (the system)."""
    event = build(event_type, actor=actor, subject=subject, from_state=from_state, to_state=to_state,
                  reason=reason, changes=changes, request_id=request_id)
    event.save(force_insert=True)
    return event


def record_transition(*, actor, subject, from_state, to_state, reason="", changes=None):
    return record(
        AuditEvent.Type.TRANSITION,
        actor=actor,
        subject=subject,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        changes=changes,
    )


def diff(instance: models.Model, before: dict, fields: Iterable[str]) -> dict:
    """``{"field": [old, new]}`` for each field whose value changed since ``before``."""
    out = {}
    for name in fields:
        old, new = before.get(name), getattr(instance, name)
        if old != new:
            out[name] = [_jsonable(old), _jsonable(new)]
    return out


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict:
    return {name: getattr(instance, name) for name in fields}


def record_view(*, actor, subject, what: str = "") -> AuditEvent:
    return record(AuditEvent.Type.VIEW, actor=actor, subject=subject, reason=what)


def record_export(*, actor, what: str, count: int, subject=None) -> AuditEvent:
    return record(
        AuditEvent.Type.EXPORT, actor=actor, subject=subject, reason=what, changes={"rows": count}
    )


def history_for(obj: models.Model):
    return AuditEvent.objects.for_object(obj).select_related("actor")
