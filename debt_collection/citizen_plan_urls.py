"""The citizen's deferrals and payment plans, included under ``/mina-sidor/`` by ``hyresadmin.urls``."""

from django.urls import path

from . import citizen_plan_views

app_name = "plans_citizen"

urlpatterns = [
    path("avbetalningsplaner/", citizen_plan_views.plan_list, name="plan_list"),
]
