"""The one place that imports every app: it only wires the doors.

``/admin/`` staff queues · ``/forvaltning/`` district portal · ``/mina-sidor/`` citizen view ·
``/api/v1/`` API with its OpenAPI schema and docs (staff only).
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from contracts import api as contracts_api
from debt_collection import api as debt_collection_api
from debt_collection import api_collection as collection_api
from debt_collection import api_plans as debt_collection_plans_api
from hyresadmin import api as kernel_api
from hyresadmin import views
from invoicing import api as invoicing_api
from support import api as support_api

router = DefaultRouter()
for module in (kernel_api, contracts_api, invoicing_api, debt_collection_api, collection_api,
               debt_collection_plans_api, support_api):
    module.register(router)

portal_patterns = (
    [
        path("", views.portal_home, name="home"),
        path("login/", views.OfficerLoginView.as_view(), name="login"),
    ],
    "portal",
)

citizen_patterns = (
    [
        path("", views.citizen_home, name="home"),
        path("login/", views.citizen_login, name="login"),
        path("dev-login/", views.dev_login, name="dev_login"),
    ],
    "citizen",
)

api_patterns = [
    path("me/", kernel_api.MeView.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[kernel_api.IsServiceStaff]),
         name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema",
                                                 permission_classes=[kernel_api.IsServiceStaff]),
         name="api-docs"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.landing, name="landing"),
    path("admin/", admin.site.urls),
    path("forvaltning/", include(portal_patterns)),
    path("forvaltning/", include("contracts.urls")),
    path("forvaltning/", include("support.portal_urls")),
    path("forvaltning/", include("debt_collection.report_urls")),
    path("forvaltning/", include("invoicing.portal_urls")),
    path("forvaltning/", include("debt_collection.plan_urls")),
    path("forvaltning/", include("debt_collection.collection_urls")),
    path("mina-sidor/", include(citizen_patterns)),
    path("mina-sidor/", include("contracts.citizen_urls")),
    path("mina-sidor/", include("invoicing.citizen_urls")),
    path("mina-sidor/", include("debt_collection.citizen_urls")),
    path("mina-sidor/", include("support.citizen_urls")),
    path("mina-sidor/", include("debt_collection.citizen_plan_urls")),
    path("mina-sidor/oidc/", include("mozilla_django_oidc.urls")),
    path("logout/", views.logout_view, name="logout"),
    path("api/v1/", include(api_patterns)),
]
