"""Signals of team work: ``task_done(task_id, assignee_id, by)`` is sent inside the transaction that
marks a work assignment done (receivers may create follow-on work in it)."""

from django.dispatch import Signal

task_done = Signal()
