"""Query counting for the list tests: a page costs the same number of queries for 2 rows as for 12."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries(client, url: str) -> int:
    """The number of queries of one GET of ``url`` (which must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def assert_constant(client, url: str, make) -> None:
    """``url`` costs the same queries with 2 rows as with 12 (``make`` adds one row a call)."""
    for _ in range(2):
        make()
    few = queries(client, url)
    for _ in range(10):
        make()
    assert queries(client, url) == few
