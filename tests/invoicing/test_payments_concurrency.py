"""Two BgMax imports at the same moment (PostgreSQL): serialised by an advisory lock, so they
neither deadlock across their chunks nor match against each other's uncommitted balances."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from invoicing import bgmax as parser
from invoicing import payments
from invoicing.models import Invoice, Payment
from tests.invoicing.test_payments import assert_ledger_invariants, invoices, pay  # noqa: F401

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="SQLite serialises writes itself; the lock is PostgreSQL's")


def _import(staff, name, data):
    return payments.import_parsed(actor=staff, name=name, data=data, parsed=parser.parse(data),
                                  chunk_size=1)


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_both_succeed_with_the_right_sums(staff, invoices):  # noqa: F811
    first, _, third = invoices
    # Opposite orders, one invoice per chunk: without the lock each would hold the invoice the
    # other waits for.
    files = {
        "a.txt": pay((first.ocr_reference, "1000.00"), (third.ocr_reference, "3000.00")),
        "b.txt": pay((third.ocr_reference, "500.00"), (first.ocr_reference, "2000.00")),
    }
    barrier = threading.Barrier(len(files))
    results, errors = {}, []

    def run(name, data):
        try:
            barrier.wait()
            results[name] = _import(staff, name, data)
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in files.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert {name: r["matched"] for name, r in results.items()} == {"a.txt": 2, "b.txt": 2}
    first, third = Invoice.objects.get(pk=first.pk), Invoice.objects.get(pk=third.pk)
    assert (first.state, first.balance) == (Invoice.State.PARTLY_PAID, Decimal("2400.00"))
    assert (third.state, third.balance) == (Invoice.State.PARTLY_PAID, Decimal("4500.00"))
    assert Payment.objects.count() == 4
    assert_ledger_invariants()


@pytest.mark.django_db
def test_the_import_takes_the_advisory_lock_first(staff, invoices):  # noqa: F811
    with CaptureQueriesContext(connection) as ctx:
        _import(staff, "c.txt", pay((invoices[0].ocr_reference, "100.00")))
    sql = [q["sql"] for q in ctx.captured_queries]
    locks = [i for i, s in enumerate(sql) if "pg_advisory_xact_lock" in s]
    assert len(locks) == 1 and str(payments.IMPORT_LOCK_KEY) in sql[locks[0]]
    # before anything of the import is read or written (the duplicate check comes first)
    assert locks[0] < min(i for i, s in enumerate(sql) if "hyresadmin_importedfile" in s)
