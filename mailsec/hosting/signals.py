"""A hosted policy deleted with its domain takes its TXT out of our zone: otherwise the
customer's _mta-sts CNAME would keep announcing a policy nobody serves any more (senders would
then fail to fetch it). Best effort: the zone may be unreachable; the release path retries,
deletion cannot."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone, ZoneError

log = logging.getLogger(__name__)


@receiver(pre_delete, sender=HostedPolicy)
def withdraw_on_delete(sender: type[HostedPolicy], instance: HostedPolicy, **kwargs: Any) -> None:
    zone = PolicyZone.from_settings()
    if zone is None or zone.server is None or not instance.published_id:
        return
    try:
        zone.withdraw(instance.name)
    except ZoneError:
        log.warning("hosting: could not withdraw %s from %s", instance.name, zone.zone)
