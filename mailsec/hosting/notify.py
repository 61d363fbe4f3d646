"""Telling the owner: every step is a HostingEvent (shown on the hosting page) and an email to
the team's members who have not turned emails off for the domain on the alerts page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse

from mailsec.alerts.emails import unsubscribe_url
from mailsec.alerts.models import AlertSetting
from mailsec.hosting.models import HostedPolicy, HostingEvent
from mailsec.mail import first_sentence, send_templated

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
    """One email per team member, as alert emails are: a member who chose "No emails" for the
    domain (or unsubscribed from all) gets none, and each gets their own one-click
    unsubscribe link (RFC 8058)."""
    domain = policy.domain
    assert domain is not None
    members = sorted(
        (
            m.user
            for m in domain.team.memberships.select_related("user")
            if m.user.email and m.user.is_active
        ),
        key=lambda u: u.pk,
    )
    ctx = {
        "policy": policy,
        "event": event,
        "headline": first_sentence(event.message),
        "url": settings.SITE_ROOT + reverse("hosting:page", args=[domain.code]),
        "settings_url": settings.SITE_ROOT + reverse("alerts:settings"),
    }
    for user in members:
        if AlertSetting.mode_for(user, domain) == AlertSetting.Mode.OFF:
            continue
        unsubscribe = unsubscribe_url(user, domain)
        try:
            send_templated(
                "hosting/emails/event",
                ctx | {"unsubscribe_url": unsubscribe},
                [user.email],
                unsubscribe=unsubscribe,
            )
        except Exception:  # a mail outage must not stop the MX loop; the event is on the page
            log.exception("hosting: could not email %s about %s", user.email, policy.name)
