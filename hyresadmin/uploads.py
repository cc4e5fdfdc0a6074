"""Checking uploaded files by their content, not their name.

Every door that takes a file calls ``validate_upload``: it reads the first bytes to learn what the
file really is, refuses anything but the allowed kinds, and refuses files over ``MAX_UPLOAD_SIZE``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def sniff(head: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def validate_upload(file, *, allowed: tuple[str, ...] = DOCUMENT_TYPES,
                    max_size: int | None = None) -> CheckedUpload:
    """Return what the file is, or raise ``ValidationError`` with a Swedish message."""
    max_size = max_size or settings.MAX_UPLOAD_SIZE
    size = file.size
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_size:
        raise ValidationError(
            _("The file is too large (%(size)s). The largest allowed size is %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(max_size)},
            code="too_large",
        )
    file.seek(0)
    content_type = sniff(file.read(16))
    if content_type not in allowed:
        names = ", ".join(EXTENSIONS[t].upper() for t in allowed)
        raise ValidationError(
            _("The file is not an allowed kind of file. Allowed: %(kinds)s.") % {"kinds": names},
            code="content_type",
        )
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return CheckedUpload(content_type=content_type, size=size, sha256=digest.hexdigest())
