"""The district portal's support-case pages, included under ``/forvaltning/`` by ``hyresadmin.urls``.

``/forvaltning/arenden/<id>/`` is the case's page: the e-mails to the district link there.
"""

from django.urls import path

from . import views

app_name = "support_portal"

urlpatterns = [
    path("arenden/", views.portal_case_list, name="case_list"),
    path("arenden/ny/", views.portal_case_new, name="case_new"),
    path("arenden/<int:pk>/", views.portal_case_detail, name="case_detail"),
    path("arenden/<int:pk>/bilaga/<int:attachment_pk>/", views.portal_case_attachment,
         name="case_attachment"),
]
