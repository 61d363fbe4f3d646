"""Periodic hosting work (beat entries in settings): the MX loop with the safe-disable release,
and the certificate watch. Each policy is handled on its own so one failure does not stop the
others."""

from __future__ import annotations

import logging

from celery import shared_task

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy

log = logging.getLogger(__name__)


@shared_task(name="mailsec.hosting.tasks.sync_all", soft_time_limit=600, time_limit=660)
def sync_all() -> int:
    """Compare every hosted policy with its live MX; release policies whose disable is done."""
    changed = 0
    for policy in HostedPolicy.objects.servable().select_related("domain__team"):
        try:
            changed += service.sync(policy)
        except Exception:
            log.exception("hosting: sync of %s failed", policy.name)
    return changed


@shared_task(name="mailsec.hosting.tasks.watch_certificates", soft_time_limit=600, time_limit=660)
def watch_certificates() -> int:
    """Read the certificate of every hosted mta-sts name; alert at 21 and 7 days left."""
    seen = 0
    for policy in HostedPolicy.objects.servable().select_related("domain__team"):
        try:
            seen += service.watch_certificate(policy) is not None
        except Exception:
            log.exception("hosting: certificate watch of %s failed", policy.name)
    return seen
