"""Every Celery queue a task can be sent to has a worker consuming it: in ``make run``, in
deploy/compose.yaml and in deploy/k8s. A queue nobody consumes is work that silently never runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from shared_apps.platform import jobs

BASE_DIR = Path(settings.BASE_DIR)


def queues_sent_to() -> set[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return routed | {job.queue for job in jobs.all_jobs()} | {settings.CELERY_TASK_DEFAULT_QUEUE}


def consumed(commands: list[list[str]]) -> set[str]:
    queues: set[str] = set()
    for command in commands:
        if "worker" not in command:
            continue
        if "-Q" in command:
            queues.update(command[command.index("-Q") + 1].split(","))
        else:  # a worker without -Q consumes the default queue
            queues.add(settings.CELERY_TASK_DEFAULT_QUEUE)
    return queues


def compose_commands() -> list[list[str]]:
    services = yaml.safe_load((BASE_DIR / "deploy" / "compose.yaml").read_text())["services"]
    return [service["command"] for service in services.values() if isinstance(service.get("command"), list)]


def k8s_commands() -> list[list[str]]:
    folder = BASE_DIR / "deploy" / "k8s"
    listed = yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
    commands = []
    for name in listed:
        for document in yaml.safe_load_all((folder / name).read_text()):
            spec = (document or {}).get("spec", {}).get("template", {}).get("spec", {})
            commands.extend(container["command"] for container in spec.get("containers", []) if "command" in container)
    return commands


def make_run_commands() -> list[list[str]]:
    from config.devrun import WORKERS

    return [["celery", "worker", "-Q", queues] for _name, queues, _threads in WORKERS]


def test_the_batch_jobs_go_to_the_batch_queue_and_the_drain_to_the_default_one():
    assert jobs.get_job("hq.reconcile").queue == settings.CELERY_BATCH_QUEUE
    assert jobs.get_job("backups.daily").queue == settings.CELERY_BATCH_QUEUE
    assert jobs.get_job("hq.rollup").queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.CELERY_BATCH_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.mark.parametrize("where", ["make run", "compose", "k8s"])
def test_every_queue_has_a_worker(where):
    commands = {"make run": make_run_commands, "compose": compose_commands, "k8s": k8s_commands}[where]()
    assert len([c for c in commands if "worker" in c]) >= 2
    assert queues_sent_to() - consumed(commands) == set()


def test_the_drain_never_shares_a_worker_with_the_batch_jobs():
    for commands in (make_run_commands(), compose_commands(), k8s_commands()):
        for command in commands:
            queues = consumed([command])
            assert not {settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_BATCH_QUEUE} <= queues, command
