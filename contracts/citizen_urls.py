"""The citizen's contract pages, included under ``/mina-sidor/`` by ``hyresadmin.urls``."""

from django.urls import path

from . import citizen_views

app_name = "contracts_citizen"

urlpatterns = [
    path("avtal/", citizen_views.contract_list, name="contract_list"),
    path("avtal/<int:pk>/", citizen_views.contract_detail, name="contract_detail"),
    path("avtal/<int:pk>/hyresavtal.pdf", citizen_views.contract_pdf, name="contract_pdf"),
]
