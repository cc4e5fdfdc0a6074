"""Access decorators for the doors: the role is checked on every request."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from . import permissions


def _role_required(check, login_url_name):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse(login_url_name))
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


officer_required = _role_required(permissions.is_district_officer, "portal:login")
citizen_required = _role_required(permissions.is_citizen, "citizen:login")
