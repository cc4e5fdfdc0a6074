"""Links from a contract's admin pages (the contract and its termination) to what higher apps keep
about the contract, e.g. its final settlement (invoicing). Contracts may not import those apps: they
register a function here from their ``AppConfig.ready``.

A link function takes ``(contract, user)`` and returns ``Link``s the user may follow (an empty list when
there is nothing or the user may not see it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Link:
    #: What it is ("Final settlement"), then what it says now ("Settled").
    label: str
    text: str
    url: str
    key: str = ""


_LINK_FUNCTIONS: list[Callable] = []


def register(func: Callable) -> None:
    if func not in _LINK_FUNCTIONS:
        _LINK_FUNCTIONS.append(func)


def higher_app_links(contract, user) -> list[Link]:
    return [link for func in _LINK_FUNCTIONS for link in func(contract, user)]


def termination_links(contract, user) -> list[Link]:
    """The contract's terminations the user may see, the latest first."""
    from .selectors import terminations_visible_to

    return [Link(label=_("Termination"), key="termination",
                 text=_("%(id)s: %(state)s, end date %(date)s") % {
                     "id": t.pk, "state": t.get_state_display(),
                     "date": t.end_date.isoformat() if t.end_date else "–"},
                 url=reverse("admin:contracts_termination_change", args=[t.pk]))
            for t in terminations_visible_to(user).filter(contract=contract).order_by("-received_at")]
