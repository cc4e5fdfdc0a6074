"""The staff back office: the Django admin in Swedish, open to service-administration staff only,
whose index starts with "Mitt arbete" — the counts of every registered queue."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import permissions, queues


class HyresadminAdminSite(admin.AdminSite):
    site_header = _("Hyresadmin – service administration")
    site_title = _("Hyresadmin")
    index_title = _("My work")
    index_template = "admin/hyresadmin_index.html"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and permissions.is_service_staff(user)

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "my_work": queues.my_work(request.user)}
        return super().index(request, extra_context)
