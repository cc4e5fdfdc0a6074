"""The district portal's unpaid-rent reports, included under ``/forvaltning/`` by ``hyresadmin.urls``.

``/forvaltning/obetalda-hyror/<id>/`` is a report's page: the e-mail to the officers links there.
"""

from django.urls import path

from . import report_views

app_name = "debt_collection_reports"

urlpatterns = [
    path("obetalda-hyror/", report_views.report_list, name="report_list"),
    path("obetalda-hyror/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("obetalda-hyror/<int:pk>/<str:fmt>/", report_views.report_download, name="report_download"),
]
