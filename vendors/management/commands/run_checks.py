"""`manage.py run_checks [--all] [--source ID ...]`: run the checks once, in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from vendors import selectors, services


class Command(BaseCommand):
    help = (
        "Check the due status sources (or all enabled ones, or the named ones) once and print a line per "
        "source and a summary. Exits 0 even when sources failed (their errors are recorded on them)."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="Check every enabled source, due or not.")
        group.add_argument(
            "--source", type=int, nargs="+", action="extend", metavar="ID", dest="source_ids",
            help="Check these sources (by id), due or not, enabled or not.",
        )

    def handle(self, *args, all=False, source_ids=None, **options):
        if source_ids:
            unknown = selectors.unknown_source_ids(source_ids)
            if unknown:
                raise CommandError(f"No status source with id {', '.join(map(str, unknown))}.")
            result = services.sweep(source_ids=source_ids, force=True)
        else:
            result = services.sweep(force=all)
        for check in sorted(result.results, key=lambda r: r.source_id):
            line = check.line()
            self.stdout.write(self.style.ERROR(line) if not check.ok else line)
        self.stdout.write(result.summary())
