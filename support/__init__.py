"""Support cases (ärendehantering): questions from citizens, representatives and districts.

Owns support cases with their channel, category, messages and attachments, their service levels and
the forwarding to districts. Links a case to the contract, invoice or placement it is about."""
