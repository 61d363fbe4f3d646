"""Periodic hosting work (beat entries in settings): the MX loop with the safe-disable release,
and the certificate watch. Each policy is handled on its own so one failure does not stop the
others.

Both go round the policies least recently handled first, and stop starting new ones once
their time budget is spent: a run that cannot handle every policy (slow DNS, many policies)
leaves the rest first in line for the next run, instead of handling the same first rows every
time. The budget leaves one policy's worth of time (its lookups and our zone's timeout) before
the soft time limit, and the soft limit ends the task at once, never in the middle of the
next policy at the hard kill."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import F
from django.utils import timezone

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy

log = logging.getLogger(__name__)

# sync_all runs every 5 minutes: within its budget it is done before the next run starts.
SYNC_BUDGET_SECONDS = 240
# watch_certificates runs twice a day; one reading is a DNS lookup and one HTTPS fetch.
CERT_BUDGET_SECONDS = 480
SOFT_TIME_LIMIT = 600


@shared_task(
    name="mailsec.hosting.tasks.sync_all",
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=SOFT_TIME_LIMIT + 60,
)
def sync_all() -> int:
    """Compare every hosted policy with its live MX; release policies whose disable is done."""
    deadline = time.monotonic() + SYNC_BUDGET_SECONDS
    policies = HostedPolicy.objects.servable().order_by(
        F("last_sync_at").asc(nulls_first=True), "pk"
    )
    changed = 0
    for policy in policies.select_related("domain__team"):
        if time.monotonic() >= deadline:
            break
        try:
            changed += service.sync(policy)
        except Exception as exc:
            # sync() stamps the policy only when its turn completes: stamp it here too, or a
            # policy whose sync crashes would come first in every run. The page shows why.
            HostedPolicy.objects.filter(pk=policy.pk).update(
                last_sync_at=timezone.now(),
                last_sync_error=f"The MX sync could not be completed ({type(exc).__name__}); "
                "it is retried at the next sync.",
            )
            if isinstance(exc, SoftTimeLimitExceeded):
                raise  # past the budget after all: end now, not at the hard kill
            log.exception("hosting: sync of %s failed", policy.name)
    return changed


@shared_task(
    name="mailsec.hosting.tasks.watch_certificates",
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=SOFT_TIME_LIMIT + 60,
)
def watch_certificates() -> int:
    """Read the certificate of every hosted mta-sts name; alert at 21 and 7 days left."""
    deadline = time.monotonic() + CERT_BUDGET_SECONDS
    policies = HostedPolicy.objects.servable().order_by(
        F("cert_checked_at").asc(nulls_first=True), "pk"
    )
    seen = 0
    # Our own front end is probed at most once per run, however many readings time out
    # (service.held_without_certificate): when it is down, each would cost the budget again.
    with service.one_probe_per_run():
        for policy in policies.select_related("domain__team"):
            if time.monotonic() >= deadline:
                break
            try:
                seen += service.watch_certificate(policy) is not None
            except Exception as exc:
                # Stamped, so a policy whose reading crashes does not come first in every run.
                HostedPolicy.objects.filter(pk=policy.pk).update(cert_checked_at=timezone.now())
                if isinstance(exc, SoftTimeLimitExceeded):
                    raise
                log.exception("hosting: certificate watch of %s failed", policy.name)
    return seen
