"""Free-check tasks: the run itself (on the `probes` queue) and the sweep (on `default`)."""

from __future__ import annotations

from celery import shared_task

from mailsec.freecheck import ratelimit
from mailsec.freecheck.models import RUN_TIME_CAP, FreeCheck


# The soft limit leaves the engine's own cap (RUN_TIME_CAP) room to end the run cleanly.
@shared_task(
    name="mailsec.freecheck.tasks.run_free_check",
    soft_time_limit=RUN_TIME_CAP + 20,
    time_limit=RUN_TIME_CAP + 40,
    ignore_result=True,
)
def run_free_check(code: str) -> None:
    check = FreeCheck.objects.filter(code=code).first()
    if check is not None:
        check.run()


@shared_task(name="mailsec.freecheck.tasks.sweep_free_checks", ignore_result=True)
def sweep_free_checks() -> int:
    """Give up runs whose task was lost (the embedded broker drops a task whose worker was
    killed), delete expired permalinks and spent rate-limit counters."""
    given_up = FreeCheck.sweep()
    ratelimit.prune()
    return given_up
