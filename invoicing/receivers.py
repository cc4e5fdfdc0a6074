"""Receivers of lower apps' events; each calls this app's services (connected in ``ready``)."""

from contracts.events import contract_activated


def _on_contract_activated(sender, contract_id: int, **kwargs):
    from .tasks import issue_first_invoice

    issue_first_invoice.delay(contract_id)


def connect() -> None:
    contract_activated.connect(_on_contract_activated, dispatch_uid="invoicing.first_invoice")
