"""The email that tells a team its domain was deleted while senders may still hold a
testing/enforce copy of the policy we hosted for it.

The policy outlives the domain (signals.retire_with_domain): mode none is served, with a new
id, until every such copy has expired (RFC 8461 §8.3). For that the records pointing senders
at us must stay published until then: mta-sts.<domain> (where senders fetch the policy) and
_mta-sts.<domain> (whose new id makes them fetch it). Removed early, a sender holding an
enforce copy keeps applying it until its max_age ends (RFC 8461 §5.1) and refuses mail to MX
hosts it does not list. The person deleting sees the date on the page; everyone else in the
team, who may look after that DNS, would not hear of it. So each member who has not turned
emails about the domain off (the alert settings, "unsubscribe from all") gets one email,
the person deleting included (the date is weeks away: the email is what they keep).
Members only, as the verified email (mailsec.domains.notices): the team's extra alert
addresses are for alerts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone
from mailsec.mail import send_templated

log = logging.getLogger(__name__)


@dataclass
class DeletedNotice:
    """What the email says, read while the domain was still there (its name, team, members'
    settings) and once its policy was detached (until when mode none is served, the id)."""

    name: str
    display_name: str
    team_name: str
    by: str
    deleted_at: datetime
    until: datetime
    # The mode the team chose; and whether Stop hosting had started before the deletion, so
    # that mode none was served already, under the id it got then (no new id at deletion).
    was_mode: str
    winding_down: bool = False
    # When Stop hosting started, for "mode none has been served since ..." (None: not known,
    # a policy wound down before the field was kept).
    disabling_since: datetime | None = None
    new_id: bool = True
    # The records to keep published until `until`, as zone-file lines.
    records: list[str] = field(default_factory=list)
    # _mta-sts is a plain TXT (or we have no zone): it must name the new id to reach senders.
    plain_txt: bool = False
    readers: list[User] = field(default_factory=list)


def readers(domain: Domain) -> list[User]:
    """The team's members who hear about `domain` (AlertSetting.modes_of_people: the
    domain's own setting, unsubscribe-from-all, the team default; all members in three
    queries, inside the Remove request), read before the deletion takes their settings for it
    away."""
    from mailsec.alerts.models import AlertSetting

    members = (
        domain.team.memberships.filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    people = [m.user for m in members]
    modes = AlertSetting.modes_of_people(people, [domain])
    return [person for person in people if modes[person.pk][domain.pk] != AlertSetting.Mode.OFF]


def held_in(domains: QuerySet[Domain]) -> list[HostedPolicy]:
    """The hosted policies of `domains` as they are before a deletion (mode, state, id, and
    the domain with its team, which the deletion takes away): what notice() compares with."""
    return list(
        HostedPolicy.objects.filter(domain__in=domains)
        .select_related("domain__team")
        .order_by("name")
    )


def still_served(held: list[HostedPolicy], by: User, told: list[User]) -> list[DeletedNotice]:
    """After the deletion: a notice for each of `held` that outlives its domain (detached,
    serving mode none until release_at), in `held`'s order."""
    kept = HostedPolicy.objects.filter(
        pk__in=[h.pk for h in held], domain=None, state=HostedPolicy.State.DISABLING
    ).in_bulk()
    return [
        notice(kept[h.pk], h.domain, by, h, told)
        for h in held
        if h.pk in kept and h.domain is not None
    ]


def notice(
    policy: HostedPolicy, domain: Domain, by: User, before: HostedPolicy, told: list[User]
) -> DeletedNotice:
    """The notice for a policy just detached from `domain` (release_at set); `before` is the
    same policy as read before the deletion."""
    assert policy.release_at is not None
    name = policy.name
    zone = PolicyZone.from_settings()
    plain = zone is None or policy.record_state in ("txt", "stale")
    sts = (
        f'_mta-sts.{name}. TXT "{PolicyZone.record_value(policy.policy_id)}"'
        if plain
        else f"_mta-sts.{name}. CNAME {zone.record_name(name)}."  # type: ignore[union-attr]
    )
    return DeletedNotice(
        name=name,
        display_name=domain.display_name,
        team_name=domain.team.name,
        by=by.email or by.get_username(),
        deleted_at=timezone.now(),
        until=policy.release_at,
        was_mode=before.mode,
        winding_down=before.state == HostedPolicy.State.DISABLING,
        disabling_since=before.disabling_since
        if before.state == HostedPolicy.State.DISABLING
        else None,
        new_id=policy.policy_id != before.policy_id,
        records=[f"mta-sts.{name}. CNAME {settings.MAILSEC_POLICY_HOST}.", sts],
        plain_txt=plain,
        readers=told,
    )


def tell(notice: DeletedNotice) -> int:
    """One email to each reader, in their own time zone. After the deletion commits; a mail
    that cannot be sent is logged, not retried (the deletion is done, and the date is on the
    page of the person who deleted). Returns how many were sent."""
    from mailsec.accounts.models import zone_of
    from mailsec.alerts.emails import unsubscribe_url
    from mailsec.alerts.models import AlertRecipient

    # Everyone's public id for the unsubscribe links at once (this runs in the Remove request).
    public_ids = AlertRecipient.public_ids_for(notice.readers)
    sent = 0
    for person in notice.readers:
        # The domain is gone, so its own link would stop nothing: the body's link stops every
        # alert email and the weekly summary, as a digest's does, its page saying so and
        # asking first, and the settings page is offered beside it. No one-click header
        # (s45m): a mail client's Unsubscribe button POSTs it with no page shown, and a
        # press on an email about one deleted domain would silently stop all that.
        unsubscribe = unsubscribe_url(person, None, public_id=public_ids[person.pk])
        ctx = {
            "n": notice,
            "alerts_url": settings.SITE_ROOT + reverse("alerts:settings"),
            "unsubscribe_url": unsubscribe,
        }
        try:
            with timezone.override(zone_of(person)):
                send_templated("emails/domain-deleted", ctx, [person.email])
            sent += 1
        except Exception:  # after the commit: a mail outage must not undo or fail the deletion
            log.exception("could not tell %s that %s was deleted", person.email, notice.name)
    return sent
