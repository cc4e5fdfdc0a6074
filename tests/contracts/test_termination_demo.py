"""The demo terminations: one confirmed per contract with notice given, two open in the queue."""

import pytest

from contracts.models import RentalContract, Termination, TerminationNotice
from hyresadmin import demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True


def test_demo_terminations_and_a_second_run_adds_none():
    first = demo.seed_demo(password="demo")
    noticed = RentalContract.objects.filter(state=RentalContract.State.NOTICE_GIVEN,
                                            kind__in=["external", "city_internal"])
    confirmed = Termination.objects.filter(state=Termination.State.CONFIRMED)
    assert noticed.exists()
    assert set(confirmed.values_list("contract_id", flat=True)) == set(noticed.values_list("pk", flat=True))
    assert all(t.end_date == t.contract.end_date for t in confirmed.select_related("contract"))
    assert Termination.objects.filter(state=Termination.State.DOCUMENTS_MATCHED).count() == 1
    assert Termination.objects.filter(state=Termination.State.REQUESTED).count() == 1
    assert TerminationNotice.objects.count() == Termination.objects.count()
    assert first["contracts.termination"] == Termination.objects.count()

    second = demo.seed_demo(password="demo")
    assert second["contracts.termination"] == 0 and second["contracts.terminationnotice"] == 0
