"""Unpaid-invoice follow-up (krav).

Owns collection codes, overdue detection, reminders, late-payment interest with the reference-rate
table, deferrals and payment plans within the delegation rules, collection cases and the
collection-agency file, enforcement records, write-downs, and the unpaid-rent reports to the
districts. Named debt_collection because ``collections`` is a standard-library module.
Depends on the kernel, contracts and invoicing."""
