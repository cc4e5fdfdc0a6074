"""The unpaid-rent report to the districts (*uppföljningsrapport obetalda hyresavier*), stored.

One ``UnpaidReport`` per organisation and month: made on the report day (the first working day on or
after the 10th) by the daily job, or again by staff, which replaces that month's report. It keeps the
two files the district downloads (PDF and XLSX), each with its SHA-256, and the numbers in the files
(invoices, customers, total, and per housing form) so that the portal and the admin can show them
without opening a file. The rows themselves (names, masked personal identity numbers,
representatives) live only in the files, which are served through permission-checked views.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hyresadmin.fields import MoneyField
from hyresadmin.models import Organisation

__all__ = ["UnpaidReport"]


def _report_file_path(instance, filename):
    return f"unpaid_reports/{instance.month:%Y-%m}/{instance.organisation.code}/{filename}"


class UnpaidReport(models.Model):
    """The unpaid rents of one organisation's customers as they stood on ``report_date``."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="unpaid_reports")
    month = models.DateField(_("month"), help_text=_("The month of the report: its first day."))
    report_date = models.DateField(_("report date"),
                                   help_text=_("Invoices due before this day and not paid are listed."))
    invoice_count = models.PositiveIntegerField(_("unpaid invoices"), default=0)
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    total = MoneyField(_("total unpaid"), default=0, non_negative=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True,
                               help_text=_("Invoices and amount per housing form."))
    pdf = models.FileField(_("PDF"), upload_to=_report_file_path)
    pdf_sha256 = models.CharField(_("PDF checksum (SHA-256)"), max_length=64)
    xlsx = models.FileField(_("Excel file"), upload_to=_report_file_path)
    xlsx_sha256 = models.CharField(_("Excel checksum (SHA-256)"), max_length=64)
    made_at = models.DateTimeField(_("made"))
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("made by"),
                                on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                help_text=_("Empty when the daily job made it."))
    notified_at = models.DateTimeField(_("officers told"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "organisation__name"]
        verbose_name = _("unpaid-rent report")
        verbose_name_plural = _("unpaid-rent reports")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"],
                                    name="one_unpaid_report_per_organisation_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="unpaid_report_month_first_day"),
            models.CheckConstraint(condition=Q(total__gte=0), name="unpaid_report_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.month:%Y-%m}"

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"
