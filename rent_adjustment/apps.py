from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RentAdjustmentConfig(AppConfig):
    name = "rent_adjustment"
    verbose_name = _("Rent adjustment")
