"""Running a state-machine transition the one right way.

``apply_transition`` locks the row, checks that the transition may run from the current state and
that the user may run it, runs it, saves, and writes the audit event, all in one transaction. Every
app's services call it instead of calling transition methods directly.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from . import audit


class TransitionRefused(Exception):
    """A transition that may not run now; ``message`` is Swedish and fit to show a user."""

    def __init__(self, message: str, *, failed_checks: list | None = None):
        super().__init__(message)
        self.message = message
        self.failed_checks = failed_checks or []


class ChecksFailed(TransitionRefused):
    """A step refused because checks failed; ``failed_checks`` lists every one (objects with ``label``
    and ``detail``)."""


def apply_transition(instance, name: str, *, actor=None, reason: str = "", state_field: str = "state",
                     check_permission: bool = True, **kwargs):
    """Run transition ``name`` on a fresh, locked copy of ``instance`` and return that copy."""
    model = type(instance)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=instance.pk)
        if getattr(locked, state_field) != getattr(instance, state_field):
            raise TransitionRefused(
                _("Someone else changed this record just now. Reload it and try again.")
            )
        method = getattr(locked, name)
        if not can_proceed(method):
            raise TransitionRefused(
                _("This action is not possible in the state “%(state)s”.")
                % {"state": locked._get_FIELD_display(locked._meta.get_field(state_field))}
            )
        user = actor if getattr(actor, "is_authenticated", False) else None
        if check_permission and user is not None and not has_transition_perm(method, user):
            raise TransitionRefused(_("You do not have permission to do this."))
        before = getattr(locked, state_field)
        method(**kwargs)
        try:
            locked.save()
        except ConcurrentTransition as exc:
            raise TransitionRefused(
                _("Someone else changed this record just now. Reload it and try again.")
            ) from exc
        audit.record_transition(
            actor=actor, subject=locked, from_state=before, to_state=getattr(locked, state_field),
            reason=reason,
        )
    return locked
