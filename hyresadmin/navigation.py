"""Links on the start pages of the district portal and the citizen view, registered by the apps.

An app adds its pages in ``AppConfig.ready``::

    navigation.register(navigation.PORTAL, _("New tenant"), "contracts:submission_new", order=10)
"""

from __future__ import annotations

from dataclasses import dataclass

PORTAL = "portal"
CITIZEN = "citizen"


@dataclass(frozen=True)
class Link:
    door: str
    label: str
    url_name: str
    description: str = ""
    order: int = 100


_links: list[Link] = []


def register(door: str, label: str, url_name: str, *, description: str = "", order: int = 100):
    link = Link(door, label, url_name, description, order)
    if link not in _links:
        _links.append(link)


def links(door: str) -> list[Link]:
    return sorted((link for link in _links if link.door == door), key=lambda lk: lk.order)
