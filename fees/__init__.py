"""Fee administration for preschool and after-school (avgiftshantering).

Owns households, guardians and children, placements (preschool, after-school centre, after-school
club), fee-basis income declarations, the dated maximum-fee schedules and the fee calculation, the
pre-invoicing checks, credit balances and the termination-risk letters. Computes fee lines and hands
them to invoicing's services to issue."""
