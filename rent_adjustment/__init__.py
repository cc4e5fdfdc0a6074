"""Yearly rent adjustment (hyresjustering).

Owns adjustment rounds and per-contract adjustments in the four cases of the domain rules,
letters and registered reminders, rent tribunal referrals and decisions, and the invoice notes
(avispecifikation) that announce a change. Changes contract rents through contracts' services and
adds invoice notes through invoicing's services."""
