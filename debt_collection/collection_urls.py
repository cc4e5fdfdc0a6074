"""The district portal's collection pages, included under ``/forvaltning/`` by ``hyresadmin.urls``.
``/forvaltning/avskrivningar/`` is the page the write-down e-mails to the district link to."""

from django.urls import path

from . import collection_views

app_name = "collection_portal"

urlpatterns = [
    path("inkasso/", collection_views.case_list, name="case_list"),
    path("avskrivningar/", collection_views.write_down_list, name="write_down_list"),
    path("avskrivningar/<int:pk>/", collection_views.write_down_detail, name="write_down_detail"),
    path("avskrivningar/<int:pk>/beslut/", collection_views.write_down_decide, name="write_down_decide"),
]
