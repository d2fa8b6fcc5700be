"""``manage.py run_job <name> [--store <subdomain>] [--at <ISO 8601>]`` and ``run_job --list``.

Runs a periodic job synchronously in this process (no broker, no worker): for every active store
or one, or once globally. ``--at`` is the job's "now", to replay a missed window.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shared_apps.platform import jobs
from tenants.models import Store


class Command(BaseCommand):
    help = "Run a periodic job now, for every active store or one (--store), as if at --at."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the job's name (see --list)")
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")
        parser.add_argument("--store", metavar="SUBDOMAIN", help="run for this store only (per-store jobs)")
        parser.add_argument(
            "--at",
            metavar="ISO8601",
            help="the job's 'now', e.g. 2025-03-01T09:00:00+08:00 (naive times are in TIME_ZONE); default: now",
        )

    def handle(self, *args, **options):
        if options["list"]:
            self._list()
            return
        name = options["name"]
        if not name:
            raise CommandError("Name a job to run, or use --list to see them.")
        try:
            job = jobs.get_job(name)
        except jobs.UnknownJob:
            known = ", ".join(j.name for j in jobs.all_jobs()) or "none"
            raise CommandError(f"Unknown job {name!r}. Known jobs: {known}.") from None
        try:
            at = jobs.parse_at(options["at"])
        except ValueError as exc:
            raise CommandError(f"--at: {exc}") from None

        stores = None
        if options["store"] is not None:
            if not job.per_store:
                raise CommandError(f"Job {job.name!r} is global; --store does not apply to it.")
            stores = [self._store(options["store"])]

        self.stdout.write(f"{job.name} at {timezone.localtime(at).isoformat()}")
        failed = total = 0
        for run in jobs.run_now(job, at=at, stores=stores):
            total += 1
            where = run.store if run.store is not None else "(global)"
            line = f"{where}: {run.summary}"
            if run.ok:
                self.stdout.write(line)
            else:
                failed += 1
                self.stderr.write(line)
        if job.per_store and total == 0:
            self.stdout.write("no active stores")
        if failed:
            raise CommandError(f"{job.name}: {failed} of {total} runs failed.")

    def _store(self, subdomain: str) -> Store:
        store = Store.objects.stores().filter(subdomain=subdomain.strip().lower()).first()
        if store is None:
            raise CommandError(f"Unknown store {subdomain!r} (give the store's subdomain).")
        if store.status == Store.Status.SUSPENDED:
            raise CommandError(f"Store {subdomain!r} is suspended; jobs do not run for suspended stores.")
        return store

    def _list(self) -> None:
        rows = [(j.name, j.scope, j.schedule_text, str(j.description)) for j in jobs.all_jobs()]
        if not rows:
            self.stdout.write("No jobs registered.")
            return
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for name, scope, schedule, description in rows:
            self.stdout.write(
                f"{name:<{widths[0]}}  {scope:<{widths[1]}}  {schedule:<{widths[2]}}  {description}".rstrip()
            )
