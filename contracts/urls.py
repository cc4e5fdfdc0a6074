"""The district portal's contract pages, included under ``/forvaltning/`` by ``hyresadmin.urls``.

``/forvaltning/underlag/<id>/`` is the submission's page: the e-mails to officers link there.
"""

from django.urls import path

from . import reduction_views, termination_views, views

app_name = "contracts"

urlpatterns = [
    path("underlag/", views.submission_list, name="submission_list"),
    path("underlag/ny/", views.submission_new, name="submission_new"),
    path("underlag/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("underlag/<int:pk>/komplettera/", views.submission_complete, name="submission_complete"),
    path("underlag/<int:pk>/aterkalla/", views.submission_withdraw, name="submission_withdraw"),
    path("underlag/<int:pk>/bilaga/<int:attachment_pk>/", views.submission_attachment,
         name="submission_attachment"),
    path("avtal/", views.contract_list, name="contract_list"),
    path("avtal/uppsagning/", termination_views.termination_new, name="termination_new"),
    path("avtal/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("avtal/<int:pk>/andra/", views.contract_change, name="contract_change"),
    path("avtal/<int:pk>/dokument/ladda-upp/", views.contract_document_upload,
         name="contract_document_upload"),
    path("avtal/<int:pk>/nedsattning/ny/", reduction_views.reduction_new, name="reduction_new"),
    path("avtal/<int:pk>/dokument/<int:document_pk>/", views.contract_document, name="contract_document"),
]
