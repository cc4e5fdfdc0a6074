"""The citizen's invoice pages, included under ``/mina-sidor/`` by ``hyresadmin.urls``."""

from django.urls import path

from . import citizen_views

app_name = "invoicing_citizen"

urlpatterns = [
    path("fakturor/", citizen_views.invoice_list, name="invoice_list"),
    path("fakturor/<int:pk>/", citizen_views.invoice_detail, name="invoice_detail"),
    path("fakturor/<int:pk>/faktura.pdf", citizen_views.invoice_pdf, name="invoice_pdf"),
    path("kontoutdrag/", citizen_views.ledger, name="ledger"),
]
