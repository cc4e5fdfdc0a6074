"""Models of the debt_collection app (see the package docstring for what it owns).

The models live in one module per part, imported here: collection-code rules (``code_models``);
reminders (``reminder_models``); deferrals and payment plans (``plan_models``); the unpaid-rent
reports (``report_models``); interest, collection cases, the agency file, Kronofogden and write-downs
(``collection_models``).
"""

from .code_models import *  # noqa: F401,F403
from .collection_models import *  # noqa: F401,F403
from .plan_models import *  # noqa: F401,F403
from .reminder_models import *  # noqa: F401,F403
from .report_models import *  # noqa: F401,F403
