"""Compile every ``locale/*/LC_MESSAGES/*.po`` to ``.mo`` with the pure-Python ``polib``.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which a fresh machine or a slim container
may not have; set-up (``make demo``, ``make test``, the compose ``migrate`` step) uses this instead.
Like ``msgfmt``, fuzzy and untranslated entries are left out. A translation that uses a
``%(name)s`` or ``{name}`` placeholder its message id does not have would fail at run time, so it
stops the command with the file and line.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

_PERCENT = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_BRACE = re.compile(r"(?<!\{)\{(\w*)(?:[.\[!:][^{}]*)?\}(?!\})")


def _placeholders(text: str, flags: list[str]) -> set[str]:
    found: set[str] = set()
    if "python-format" in flags:
        found |= set(_PERCENT.findall(text))
    if "python-brace-format" in flags:
        found |= set(_BRACE.findall(text))
    return found


def placeholder_errors(po: polib.POFile) -> list[str]:
    """One line per translated entry whose translation names a placeholder the message id lacks."""
    errors = []
    for entry in po.translated_entries():
        allowed = _placeholders(entry.msgid, entry.flags) | _placeholders(entry.msgid_plural or "", entry.flags)
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            extra = _placeholders(text, entry.flags) - allowed
            if extra:
                errors.append(
                    f"line {entry.linenum}: {entry.msgid!r} translates with unknown "
                    f"placeholder(s) {', '.join(sorted(extra))}"
                )
    return errors


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po to .mo (pure Python, no gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "-l", "--locale", action="append", default=[],
            help="Only this locale (may be given more than once). Default: every locale.",
        )

    def handle(self, *args, **options):
        locales = set(options["locale"])
        dirs = [Path(p) for p in settings.LOCALE_PATHS]
        po_files = sorted(
            po
            for base in dirs
            for po in base.glob("*/LC_MESSAGES/*.po")
            if not locales or po.parent.parent.name in locales
        )
        if not po_files:
            where = ", ".join(str(d) for d in dirs) or "(no LOCALE_PATHS)"
            self.stdout.write(f"No .po files found under {where}; nothing to compile.")
            return

        for po_path in po_files:
            try:
                po = polib.pofile(str(po_path), encoding="utf-8")
            except (OSError, ValueError) as exc:
                raise CommandError(f"{po_path}: cannot be read: {exc}") from exc
            errors = placeholder_errors(po)
            if errors:
                raise CommandError(f"{po_path}:\n  " + "\n  ".join(errors))
            mo_path = po_path.with_suffix(".mo")
            # Write beside the target and rename, so that a running server never reads half a file.
            fd, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
            os.close(fd)
            try:
                po.save_as_mofile(tmp)
                os.chmod(tmp, 0o644)
                os.replace(tmp, mo_path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            translated = len(po.translated_entries())
            self.stdout.write(
                f"Compiled {po_path} -> {mo_path.name}: {translated} translated, "
                f"{len(po.fuzzy_entries())} fuzzy, {len(po.untranslated_entries())} untranslated."
            )
