"""Deleting a domain or a hosted policy, as far as our zone and senders are concerned.

A domain deleted while senders may hold a testing/enforce copy of its policy (usually: mail is
moving elsewhere, and the new MX would not match that copy) keeps its policy served as mode
none until release_at, detached from the domain (RFC 8461 §8.3); the release path then ends it.
Any other policy goes with its domain.

A hosted policy deleted takes its TXT out of our zone: otherwise the customer's _mta-sts CNAME
would keep announcing a policy nobody serves any more (senders would then fail to fetch it).
Best effort: the zone may be unreachable; the release path retries, deletion cannot.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone, ZoneError

log = logging.getLogger(__name__)


@receiver(pre_delete, sender=Domain)
def retire_with_domain(sender: type[Domain], instance: Domain, **kwargs: Any) -> None:
    # Runs inside the deletion's transaction, before the domain row goes (the field's SET_NULL
    # then finds nothing left to update). Locked, as the sync locks it: detach saves the whole
    # row, and a sync committing between this read and that save would be undone (s45e).
    policy = HostedPolicy.objects.select_for_update().filter(domain=instance).first()
    if policy is None:
        return
    policy.domain = instance
    if policy.outlives_domain():
        service.detach(policy, timezone.now())
    else:
        policy.delete()


@receiver(pre_delete, sender=HostedPolicy)
def withdraw_on_delete(sender: type[HostedPolicy], instance: HostedPolicy, **kwargs: Any) -> None:
    zone = PolicyZone.from_settings()
    if zone is None or zone.server is None or not instance.published_id:
        return
    try:
        zone.withdraw(instance.name)
    except ZoneError:
        log.warning("hosting: could not withdraw %s from %s", instance.name, zone.zone)
