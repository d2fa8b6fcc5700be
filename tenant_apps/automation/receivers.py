"""Automation listens to team work: a chained task done makes the next task of its chain."""

from __future__ import annotations


def _task_done(sender, *, task_id: int, **kwargs) -> None:
    from tenant_apps.automation import services

    services.on_task_done(task_id=task_id)


def connect() -> None:
    from tenant_apps.teamwork.signals import task_done

    task_done.connect(_task_done, dispatch_uid="automation.task_done")
