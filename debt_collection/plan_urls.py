"""The district portal's deferral and payment-plan pages, included under ``/forvaltning/`` by
``hyresadmin.urls``. ``/forvaltning/anstand-och-avbetalning/beslut/`` is the "Beslut" page the e-mails
to the district link to."""

from django.urls import path

from . import plan_views

app_name = "plans"

urlpatterns = [
    path("anstand-och-avbetalning/", plan_views.request_list, name="request_list"),
    path("anstand-och-avbetalning/ny/", plan_views.request_new, name="request_new"),
    path("anstand-och-avbetalning/beslut/", plan_views.decision_list, name="decision_list"),
    path("anstand-och-avbetalning/rapport/", plan_views.report, name="report"),
    path("anstand-och-avbetalning/anstand/<int:pk>/", plan_views.deferral_detail, name="deferral_detail"),
    path("anstand-och-avbetalning/anstand/<int:pk>/beslut/", plan_views.deferral_decide,
         name="deferral_decide"),
    path("anstand-och-avbetalning/avbetalningsplan/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("anstand-och-avbetalning/avbetalningsplan/<int:pk>/beslut/", plan_views.plan_decide,
         name="plan_decide"),
    path("anstand-och-avbetalning/<str:kind>/<int:pk>/bilaga/", plan_views.attachment, name="attachment"),
]
