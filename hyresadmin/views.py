"""The start pages of the two web doors and their logins.

``/forvaltning/`` is the district portal (district case officers, username and password);
``/mina-sidor/`` is the citizen view (OpenID Connect; with ``DEV_LOGIN_ENABLED`` a development
login lets one pick a demo person). Views are thin: they check the role, ask ``permissions`` and
``selectors`` what to show, and render.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import audit, navigation
from .decorators import citizen_required, officer_required
from .forms import OfficerLoginForm
from .models import AuditEvent, Person
from .oidc import citizen_user_for


def landing(request):
    return render(request, "landing.html")


class OfficerLoginView(LoginView):
    template_name = "portal/login.html"
    authentication_form = OfficerLoginForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self):
        return "/forvaltning/"


@require_POST
def logout_view(request):
    door = request.POST.get("door")
    logout(request)
    messages.success(request, _("You are now logged out."))
    return redirect("citizen:login" if door == "citizen" else "portal:login")


@officer_required
def portal_home(request):
    return render(request, "portal/home.html", {
        "organisation": request.user.organisation,
        "links": navigation.links(navigation.PORTAL),
    })


def citizen_login(request):
    return render(request, "citizen/login.html", {
        "oidc_enabled": settings.OIDC_ENABLED,
        "dev_login_enabled": settings.DEV_LOGIN_ENABLED,
    })


def dev_login(request):
    """Development only: log in as a demo person. 404 unless ``DEV_LOGIN_ENABLED``."""
    if not settings.DEV_LOGIN_ENABLED:
        raise Http404
    if request.method == "POST":
        person_id = request.POST.get("person", "")
        if not (person_id.isascii() and person_id.isdigit()):
            raise Http404
        person = get_object_or_404(Person.objects.alive(), pk=person_id)
        user = citizen_user_for(person)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        audit.record(AuditEvent.Type.LOGIN, actor=user, subject=person, reason="dev-login")
        return redirect("citizen:home")
    persons = Person.objects.alive().order_by("last_name", "first_name")[:200]
    return render(request, "citizen/dev_login.html", {"persons": persons})


@citizen_required
def citizen_home(request):
    me = request.user.person
    represented = (
        me.represents.valid_on(timezone.localdate())
        .select_related("person")
        .order_by("person__last_name")
    )
    return render(request, "citizen/home.html", {
        "person": me,
        "represented": represented,
        "links": navigation.links(navigation.CITIZEN),
    })
