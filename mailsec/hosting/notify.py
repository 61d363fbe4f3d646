"""Telling the owner: every step is a HostingEvent (shown on the hosting page) and an email to
the team's members. Self-contained on purpose: the alerts app is built separately, and the
hosting loop must keep owners informed whether or not it exists."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse

from mailsec.hosting.models import HostedPolicy, HostingEvent
from mailsec.mail import send_templated

log = logging.getLogger(__name__)

# Kinds worth an email; the rest (settings saved by the owner themselves) are only logged.
EMAILED = {
    "mx-added",
    "mx-leaving",
    "mx-removed",
    "mx-back",
    "mx-unusable",
    "released",
    "cert",
    "record",
    "zone",
}


def tell(policy: HostedPolicy, kind: str, message: str, email: bool | None = None) -> HostingEvent:
    event = HostingEvent.objects.create(
        policy=policy, kind=kind, message=message, served_id=policy.policy_id
    )
    # A detached policy (its domain was deleted) has no team left to email.
    if policy.domain is not None and (email if email is not None else kind in EMAILED):
        _email(policy, event)
    return event


def _email(policy: HostedPolicy, event: HostingEvent) -> None:
    assert policy.domain is not None
    recipients = sorted(
        {
            m.user.email
            for m in policy.domain.team.memberships.select_related("user")
            if m.user.email
        }
    )
    if not recipients:
        return
    ctx = {
        "policy": policy,
        "event": event,
        "url": settings.SITE_ROOT + reverse("hosting:page", args=[policy.domain.code]),
    }
    try:
        send_templated("hosting/emails/event", ctx, recipients)
    except Exception:  # a mail outage must not stop the MX loop; the event is on the page
        log.exception("hosting: could not email %s about %s", recipients, policy.name)
