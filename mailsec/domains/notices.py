"""The email that tells a team the background lookup verified its domains.

Someone adds a domain, publishes its TXT record later and leaves: verify_pending finds it
minutes or days after, and the first check starts with nobody looking. Each person of the
team hears once, in one email for all of their domains verified by one run of the task,
unless they turned emails about the domain off (the alert settings, "unsubscribe from all").
A domain verified on its page (Verify, Verify all) is told to nobody: the person pressing saw
it. Its one-click unsubscribe stops emails about the domains it tells of (up to NAMED_AT_MOST
of them), not all of the person's."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Membership
from mailsec.domains.models import Domain, check_interval, name_sort_key
from mailsec.mail import send_templated

log = logging.getLogger(__name__)


def tell_verified(domains: list[Domain]) -> int:
    """Email each member of the domains' teams who has not turned its emails off, once per
    person for all of `domains` they may hear of. Each domain is claimed first (verified and
    not told since it was verified: verified_told_at), so a run repeated, or two at once, tell
    nobody twice; a mail that cannot be sent is logged and not tried again. Returns how many
    emails were sent."""
    from mailsec.alerts.emails import NAMED_AT_MOST, unsubscribe_url
    from mailsec.alerts.models import AlertRecipient, AlertSetting

    now = timezone.now()
    claimed = []
    for domain in domains:
        told_before = Q(verified_told_at__isnull=True) | Q(verified_told_at__lt=F("verified_at"))
        mine = Domain.objects.filter(pk=domain.pk, verified_at__isnull=False).filter(told_before)
        if mine.update(verified_told_at=now):
            claimed.append(domain)
    if not claimed:
        return 0
    by_team: dict[int, list[Domain]] = defaultdict(list)
    for domain in claimed:
        by_team[domain.team_id].append(domain)
    # Every member of those teams with an address, in one query; then their settings.
    teams_of: dict[User, set[int]] = defaultdict(set)
    members = Membership.objects.filter(team_id__in=by_team, user__is_active=True).exclude(
        user__email=""
    )
    for m in members.select_related("user").order_by("user_id"):
        teams_of[m.user].add(m.team_id)
    modes = AlertSetting.modes_of_people(teams_of, claimed)  # everyone's, in three queries
    told: dict[User, list[Domain]] = {}
    for person, teams in teams_of.items():
        theirs = [d for d in claimed if d.team_id in teams]
        told[person] = [d for d in theirs if modes[person.pk][d.pk] != AlertSetting.Mode.OFF]
    # Everyone's public id for the unsubscribe links at once, not a query per email.
    public_ids = AlertRecipient.public_ids_for(person for person, theirs in told.items() if theirs)
    sent = 0
    for person, theirs in told.items():
        if not theirs:
            continue
        theirs.sort(key=lambda d: name_sort_key(d.name))
        ctx = {
            "domains": [
                {
                    "domain": d,
                    "url": settings.SITE_ROOT + reverse("domains:details", args=[d.code]),
                }
                for d in theirs
            ],
            "hours": int(check_interval().total_seconds() // 3600),
            "alerts_url": settings.SITE_ROOT + reverse("alerts:settings"),
            # Its link turns emails about these domains off, no others (s45j: several were
            # "all", the weekly summary and domains added later too, which a mail client's
            # Unsubscribe button did with no page shown). Beyond what a link can name, the
            # body's link is the "all" one, whose page says so before it acts, and no one-click
            # header: a button would stop all that with no page shown.
            "named": len(theirs) <= NAMED_AT_MOST,
            "unsubscribe_url": unsubscribe_url(
                person,
                theirs[0] if len(theirs) == 1 else None,
                public_id=public_ids[person.pk],
                domains=theirs if 1 < len(theirs) <= NAMED_AT_MOST else (),
            ),
        }
        try:
            one_click = ctx["unsubscribe_url"] if ctx["named"] else ""
            send_templated("emails/verified", ctx, [person.email], unsubscribe=one_click)
            sent += 1
        except Exception:  # the domain stays verified and its checks run; the page shows it
            log.exception("could not tell %s that %d domains were verified", person, len(theirs))
    return sent
