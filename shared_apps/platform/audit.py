from __future__ import annotations

from shared_apps.platform.models import HqAccessLog


def record_hq_access(*, user, store, method: str, path: str, allowed: bool) -> HqAccessLog:
    return HqAccessLog.objects.create(user=user, store=store, method=method[:10], path=path[:500], allowed=allowed)
