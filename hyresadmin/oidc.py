"""Citizen login through OpenID Connect (the city's e-identification broker).

The broker's ID token or userinfo carries the personal identity number in the claim named by
``OIDC_PERSONAL_NUMBER_CLAIM``. A citizen may log in only if that number is a ``Person`` in the
registry; the first login creates their ``User`` (role ``citizen``) and links it to the person.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import audit
from .identity import parse_personal_number
from .models import AuditEvent, Person, User
from .permissions import CITIZEN

logger = logging.getLogger(__name__)


def personal_number_from_claims(claims: dict, claim_name: str) -> str | None:
    raw = claims.get(claim_name)
    if not raw:
        return None
    try:
        return parse_personal_number(str(raw)).digits12
    except ValidationError:
        return None


@transaction.atomic
def citizen_user_for(person: Person) -> User:
    """The login of a citizen, made on first use, with the ``citizen`` role."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.user_id:
        user = person.user
    else:
        user = User.objects.create(username=f"person-{person.pk}", first_name=person.first_name,
                                   last_name=person.last_name)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        person.user = user
        person.save(update_fields=["user"])
    user.groups.add(Group.objects.get(name=CITIZEN))
    return user


class PersonOIDCBackend(OIDCAuthenticationBackend):
    def _personal_number(self, claims):
        return personal_number_from_claims(claims, self.get_settings("OIDC_PERSONAL_NUMBER_CLAIM"))

    def verify_claims(self, claims):
        return self._personal_number(claims) is not None

    def filter_users_by_claims(self, claims):
        pn = self._personal_number(claims)
        if pn is None:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(person__personal_number=pn, is_active=True)

    def create_user(self, claims):
        pn = self._personal_number(claims)
        person = Person.objects.filter(personal_number=pn).first()
        if person is None:
            logger.info("OIDC login refused: no person in the registry for the claimed number")
            return None
        if person.user_id and not person.user.is_active:
            # filter_users_by_claims skips inactive users; do not revive or audit a refused login.
            logger.info("OIDC login refused: the person's login is deactivated")
            return None
        user = citizen_user_for(person)
        audit.record(AuditEvent.Type.LOGIN, actor=user, subject=person, reason="oidc")
        return user

    def update_user(self, user, claims):
        audit.record(AuditEvent.Type.LOGIN, actor=user, subject=getattr(user, "person", None),
                     reason="oidc")
        return user
