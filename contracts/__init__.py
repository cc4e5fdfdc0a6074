"""Contract administration and termination (avtalsadministration, avslut).

Owns rental objects and their qualities, the districts' submissions (underlag) and their review,
customers' affiliation, rental contracts with their rent lines and documents, terminations, vacancy
contracts and double-housing rent reductions. Depends on the kernel only; sends domain events
(contract activated, contract ended) that invoicing receives."""
