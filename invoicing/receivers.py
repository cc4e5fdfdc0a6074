"""Receivers of lower apps' events; each calls this app's services (connected in ``ready``).

``contract_activated`` → the first invoice; ``contract_terminated`` → the final settlement's proposal;
``rent_reduction_registered`` → the reduction's negative lines on the next invoice and its booking;
and this app's own ``settlement_done`` → the termination is marked settled (contracts' service).
"""

from contracts.events import contract_activated, contract_terminated, rent_reduction_registered

from .events import settlement_done


def _on_contract_activated(sender, contract_id: int, **kwargs):
    from .tasks import issue_first_invoice

    issue_first_invoice.delay(contract_id)


def _on_contract_terminated(sender, contract_id: int, **kwargs):
    from .tasks import propose_final_settlement

    propose_final_settlement.delay(contract_id)


def _on_settlement_done(sender, contract_id: int, **kwargs):
    from .settlement import mark_termination_settled

    mark_termination_settled(contract_id=contract_id)


def _on_rent_reduction_registered(sender, reduction_id: int, **kwargs):
    from .tasks import apply_rent_reduction

    apply_rent_reduction.delay(reduction_id)


def connect() -> None:
    contract_activated.connect(_on_contract_activated, dispatch_uid="invoicing.first_invoice")
    contract_terminated.connect(_on_contract_terminated, dispatch_uid="invoicing.final_settlement")
    settlement_done.connect(_on_settlement_done, dispatch_uid="invoicing.termination_settled")
    rent_reduction_registered.connect(_on_rent_reduction_registered, dispatch_uid="invoicing.rent_reduction")
