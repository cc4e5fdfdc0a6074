"""The project's own model fields, so that migrations never point into a library.

``StateField`` is django-fsm-2's ``FSMField`` with ``protected=True``: a state changes only through
a transition method, never by assignment. ``MoneyField`` is kronor with öre, ``Decimal`` only.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django_fsm import FSMField


class StateField(FSMField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("protected", True)
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)


class MoneyField(models.DecimalField):
    """An amount in kronor: ``Decimal`` with two decimals, up to 9 999 999 999,99."""

    def __init__(self, *args, non_negative: bool = False, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        self.non_negative = non_negative
        if non_negative:
            kwargs.setdefault("validators", [MinValueValidator(Decimal("0.00"))])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_digits") == 12:
            kwargs.pop("max_digits")
        if kwargs.get("decimal_places") == 2:
            kwargs.pop("decimal_places")
        if self.non_negative:
            kwargs["non_negative"] = True
            kwargs.pop("validators", None)
        return name, path, args, kwargs
