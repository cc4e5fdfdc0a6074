"""The citizen's support-case pages, included under ``/mina-sidor/`` by ``hyresadmin.urls``.

``/mina-sidor/arenden/<id>/`` is the case's page: the e-mail saying an answer is waiting links there.
"""

from django.urls import path

from . import views

app_name = "support_citizen"

urlpatterns = [
    path("arenden/", views.citizen_case_list, name="case_list"),
    path("arenden/ny/", views.citizen_case_new, name="case_new"),
    path("arenden/<int:pk>/", views.citizen_case_detail, name="case_detail"),
    path("arenden/<int:pk>/skickad/", views.citizen_case_sent, name="case_sent"),
    path("arenden/<int:pk>/bilaga/<int:attachment_pk>/", views.citizen_case_attachment,
         name="case_attachment"),
]
