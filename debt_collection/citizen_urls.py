"""The citizen's reminder pages, included under ``/mina-sidor/`` by ``hyresadmin.urls``."""

from django.urls import path

from . import citizen_views

app_name = "debt_collection_citizen"

urlpatterns = [
    path("paminnelser/<int:pk>/paminnelse.pdf", citizen_views.reminder_pdf, name="reminder_pdf"),
]
