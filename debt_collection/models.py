"""Models of the debt_collection app (see the package docstring for what it owns).

The models live in one module per part, imported here: collection-code rules (``code_models``),
deferrals and payment plans (``plan_models``).
"""

from .code_models import *  # noqa: F401,F403
from .plan_models import *  # noqa: F401,F403
