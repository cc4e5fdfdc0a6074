"""hyresadmin: the project package and the shared kernel.

The kernel owns what every app shares: organisations, users and roles, the person registry with
representatives (``models``), personal identity numbers (``identity``), Swedish working days and
service levels (``calendar``), the audit trail (``audit``), who may see what (``permissions``),
state-machine plumbing (``fields``, ``transitions``), once-per-period jobs (``jobs``) and the
"my work" queue registry of the admin index (``queues``).
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
