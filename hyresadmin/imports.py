"""What every import shares: all-or-nothing, the raw file kept, the same file refused twice, and
errors that name the line.

An app's importer parses the whole file first and collects ``ImportError_``s; only when there are
none does it write, inside ``import_file`` 's transaction, together with the ``ImportedFile`` row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import audit
from .models import AuditEvent, ImportedFile


@dataclass(frozen=True)
class LineError:
    line: int
    message: str
    field: str = ""

    def __str__(self) -> str:
        where = _("Line %(line)s") % {"line": self.line}
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


@dataclass
class ImportRefused(Exception):
    """The file was refused; nothing was written. ``errors`` name their lines."""

    message: str
    errors: list[LineError] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join([self.message, *map(str, self.errors[:50])])


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_file(*, kind: str, name: str, data: bytes, actor,
                write: Callable[[], dict]) -> ImportedFile:
    """Run ``write`` (which does the app's writes and returns a result dict) and keep the file.

    Refuses a file already imported (same kind and checksum). All in one transaction: if ``write``
    raises, nothing is kept.
    """
    digest = checksum(data)
    if ImportedFile.objects.filter(kind=kind, sha256=digest).exists():
        raise ImportRefused(_("This file has already been imported. Nothing was changed."))
    try:
        with transaction.atomic():
            result = write()
            record = ImportedFile(kind=kind, sha256=digest, original_name=name[:200],
                                  rows=result.get("rows", 0), result=result,
                                  imported_by=actor if getattr(actor, "is_authenticated", False) else None)
            record.file.save(name, ContentFile(data), save=False)
            record.save()
            audit.record(AuditEvent.Type.CREATE, actor=actor, subject=record, reason=kind,
                         changes=result)
    except IntegrityError as exc:
        if ImportedFile.objects.filter(kind=kind, sha256=digest).exists():
            raise ImportRefused(_("This file has already been imported. Nothing was changed.")) from exc
        raise
    return record
