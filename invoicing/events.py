"""Domain events invoicing sends, after commit.

``settlement_done(contract_id, settlement_id)``: a terminated contract's final settlement was confirmed
(the termination is then marked settled: ``invoicing.receivers`` calls contracts' service when it
exists). Receivers call their own app's services.
"""

from django.db import transaction
from django.dispatch import Signal

settlement_done = Signal()


def send_settlement_done(contract_id: int, settlement_id: int) -> None:
    from .models import FinalSettlement

    transaction.on_commit(lambda: settlement_done.send(sender=FinalSettlement, contract_id=contract_id,
                                                       settlement_id=settlement_id))
