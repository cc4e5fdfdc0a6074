"""Domain events the contracts app sends, after commit, for higher apps to act on.

``contract_activated(contract_id)``: a contract became active (invoicing issues its first invoice).
``contract_terminated(contract_id)``: a contract's end date has passed and it is terminated
(invoicing makes the final settlement).
``rent_reduction_registered(reduction_id)``: staff registered a rent reduction for double housing
(invoicing queues the negative lines on the next invoice and books the cost).
Receivers call their own app's services. A daily job in the receiving app also finds what an event
missed, so a lost event delays work but never loses it.
"""

from django.db import transaction
from django.dispatch import Signal

contract_activated = Signal()
contract_terminated = Signal()
rent_reduction_registered = Signal()


def send_contract_activated(contract_id: int) -> None:
    from .models import RentalContract

    transaction.on_commit(lambda: contract_activated.send(sender=RentalContract, contract_id=contract_id))


def send_contract_terminated(contract_id: int) -> None:
    from .models import RentalContract

    transaction.on_commit(lambda: contract_terminated.send(sender=RentalContract,
                                                           contract_id=contract_id))


def send_rent_reduction_registered(reduction_id: int) -> None:
    from .models import RentReduction

    transaction.on_commit(lambda: rent_reduction_registered.send(sender=RentReduction,
                                                                 reduction_id=reduction_id))
