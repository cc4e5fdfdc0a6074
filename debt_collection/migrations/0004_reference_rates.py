"""The reference rates known when the system was built (FACTS.md §2 and the second part's §3).

Only the rates a source confirmed are marked final; every derived or unconfirmed one is provisional,
for staff to check against the Riksbank's announcement (SFS tillkännagivande, SWEA series SECBREFEFF)
and correct in the admin.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

RATES = [
    (date(2023, 1, 1), "2.50", False, "FACTS.md §2: confirmed (loanster.se table)."),
    (date(2023, 7, 1), "3.50", False, "FACTS.md §2: confirmed (riksbank.se news)."),
    (date(2024, 1, 1), "4.00", False, "FACTS.md §2: confirmed (capway.se citing Riksbanken)."),
    (date(2024, 7, 1), "4.00", True,
     "FACTS.md, second part §3: derived from the policy rate 3,75 % at the end of June 2024, rounded up "
     "to the next half percentage point. Not seen in a source."),
    (date(2025, 1, 1), "3.00", True,
     "FACTS.md, second part §3: UNCONFIRMED. The policy rate applying on 31 Dec 2024 was 2,75 % (the cut "
     "to 2,50 % applied from 8 Jan 2025), rounded up: 3,00 %. The first part's 2,50 % rested on the "
     "wrong premise. Check the SFS tillkännagivande of December 2024."),
    (date(2025, 7, 1), "2.00", True,
     "FACTS.md, second part §3: derived from the policy rate 2,00 % (effective 25 Jun 2025)."),
    (date(2026, 1, 1), "2.00", True,
     "FACTS.md, second part §3: derived from the policy rate 1,75 %, rounded up to 2,00 %."),
    (date(2026, 7, 1), "2.00", True,
     "FACTS.md, second part §3: 2,00 % stated as verified in two public codebases; not seen at the "
     "Riksbank here."),
]


def seed(apps, schema_editor):
    ReferenceRate = apps.get_model("debt_collection", "ReferenceRate")
    for valid_from, rate, provisional, source in RATES:
        ReferenceRate.objects.update_or_create(
            valid_from=valid_from,
            defaults={"rate": Decimal(rate), "provisional": provisional, "source": source})


def unseed(apps, schema_editor):
    ReferenceRate = apps.get_model("debt_collection", "ReferenceRate")
    ReferenceRate.objects.filter(valid_from__in=[r[0] for r in RATES]).delete()


class Migration(migrations.Migration):

    dependencies = [("debt_collection", "0003_interest_and_collection")]

    operations = [migrations.RunPython(seed, unseed)]
