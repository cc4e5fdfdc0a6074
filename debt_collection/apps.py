from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebtCollectionConfig(AppConfig):
    name = "debt_collection"
    verbose_name = _("Debt collection")
