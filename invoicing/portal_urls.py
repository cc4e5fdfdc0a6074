"""The district portal's refund pages, included under ``/forvaltning/`` by ``hyresadmin.urls``.

``/forvaltning/aterbetalningar/<id>/`` is the refund's page: the e-mail to the district links there.
"""

from django.urls import path

from . import portal_views

app_name = "invoicing_portal"

urlpatterns = [
    path("aterbetalningar/", portal_views.refund_list, name="refund_list"),
    path("aterbetalningar/<int:pk>/", portal_views.refund_detail, name="refund_detail"),
]
