"""Monthly invoicing and payments (avisering, inbetalningar).

Owns invoicing runs, invoices and their lines, OCR references, invoice notes, accounting orders,
invoice PDFs, the print-vendor and ledger (Agresso) exports, BgMax import and matching, the
customer ledger, credit notes, cancellations and refunds. An engine that knows nothing of fees:
fees hands it lines through its services. Depends on the kernel and contracts."""
