"""Telling the owner: every step is a HostingEvent (shown on the hosting page) and an email to
the team's members who have not turned emails off for the domain on the alerts page (steps
the team was told will keep repeating are only recorded: tell_all's `quiet`)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from mailsec.alerts.emails import address_unsubscribe_url, team_address_context, unsubscribe_url
from mailsec.alerts.models import AlertSetting, TeamAlertAddress
from mailsec.hosting.models import HostedPolicy, HostingEvent
from mailsec.mail import first_sentence, send_templated

log = logging.getLogger(__name__)
OFF = AlertSetting.Mode.OFF

# Who an email about a policy went to: {"users": [member pks], "addresses": [team alert
# addresses]} (HostedPolicy.cert_warned_to, HostedPolicy.told_to's entries).
Told = dict[str, list]
# One step a sync or a button told: (kind, message).
Step = tuple[str, str]

# Kinds worth an email; the rest (settings saved by the owner themselves) are only logged.
EMAILED = {
    "mx-added",
    "mx-leaving",
    "mx-removed",
    "mx-back",
    "mx-unusable",
    "mx-alias",  # an MX target is a CNAME (or no longer is): senders may refuse it
    "mx-recovered",  # MX records back after a null MX or NXDOMAIN: followed again
    # A null MX published beside the real MX records (RFC 7505 §3), and its end.
    "mx-null-mixed",
    # No MX lookup has answered for MX_FAILING_TELL_AFTER (SERVFAIL, timeouts): the policy is
    # kept as it was and no MX change is followed; said once, and once when one answers again.
    "mx-failing",
    "mx-answering",
    # The MX answers differ between lookups (name servers out of sync): said once, and the
    # hosts leaving and coming back are only recorded until an answer holds (mx-stable).
    "mx-flapping",
    "mx-stable",
    # Stop hosting: every member should know mode none is served, and until when, before the
    # name is released (and, with a plain TXT, the record to publish meanwhile).
    "disabling",
    "resumed",  # Keep hosting: the release the team was told of no longer comes
    "released",
    "cert",
    "record",
    "zone",
    # mta-sts.<name> leads to another host (senders fetch its policy, not ours), and back.
    "policy-host",
}


def tell(
    policy: HostedPolicy,
    kind: str,
    message: str,
    email: bool | None = None,
    now: datetime | None = None,
    only: Told | None = None,
) -> HostingEvent:
    """One event on the domain's hosting page (emailed if its kind is). `now` is the time of
    the step that caused it (the sync's, the button's, the certificate reading's): the event
    is stamped with the time the step saved in the policy's state, whatever the clock says.
    `only`: emailed to those of them who would be emailed now (a certificate's renewal or
    "valid again", to whom its notices went: recipients()), None for all of those."""
    event = HostingEvent.objects.create(
        policy=policy,
        kind=kind,
        message=message,
        served_id=policy.policy_id,
        created=now or timezone.now(),
    )
    # A detached policy (its domain was deleted) has no team left to email.
    if policy.domain is not None and (email if email is not None else kind in EMAILED):
        _email(policy, event, only)
    return event


def recipients(policy: HostedPolicy) -> Told:
    """Who an email about `policy` goes to now (_email's readers): the members who hear about
    its domain, and the team's confirmed alert addresses told at once. Nobody for a detached
    policy."""
    domain = policy.domain
    if domain is None:
        return {"users": [], "addresses": []}
    return {
        "users": [u.pk for u in _members(policy) if AlertSetting.mode_for(u, domain) != OFF],
        "addresses": [a.email for a in TeamAlertAddress.told_at_once(domain)],
    }


def with_told(policy: HostedPolicy, told: Told | None, standing: bool) -> Told | None:
    """`told` (whom earlier notices of a problem went to) with whom a notice of it about to be
    emailed goes to (recipients), so that its end goes to them who still hear (tell's and
    tell_all's `only`), not to one who joined since. `standing`: the problem was already
    told (a later notice of it: 7 days left after 21, another answer joining a flap): added
    to `told`; when that earlier notice was not recorded (None: sent before its readers were
    kept), it stays None and the end goes to whoever hears then. Otherwise: a new record."""
    if standing and told is None:
        return None
    now_told = recipients(policy)
    earlier = (told or {}) if standing else {}
    return {
        key: list(dict.fromkeys([*earlier.get(key, []), *now_told[key]]))
        for key in ("users", "addresses")
    }


def note_told(policy: HostedPolicy, problem: str, standing: bool = False) -> None:
    """Record in policy.told_to whom a notice of `problem` (an MX sync's: "mx-failing",
    "mx-flapping", "mx-unusable", "mx-null-mixed", "policy-host") about to be emailed goes
    to (with_told). Call before saving, under the row lock (service.SYNC_FIELDS)."""
    told = with_told(policy, policy.told_to.get(problem), standing)
    if told is None:
        policy.told_to.pop(problem, None)
    else:
        policy.told_to[problem] = told


def told_end(policy: HostedPolicy, problem: str) -> Told | None:
    """Whom the end of `problem` goes to (tell_all's `only` for its step): those its notices
    went to, forgotten now so that its next notice starts afresh; None (not recorded):
    whoever hears."""
    return policy.told_to.pop(problem, None)


def _members(policy: HostedPolicy) -> list:
    domain = policy.domain
    assert domain is not None
    return sorted(
        (
            m.user
            for m in domain.team.memberships.select_related("user")
            if m.user.email and m.user.is_active
        ),
        key=lambda u: u.pk,
    )


def tell_all(
    policy: HostedPolicy,
    said: list[tuple[str, str]],
    suffix: str = "",
    quiet: Collection[str] = (),
    now: datetime | None = None,
    only: Mapping[Step, Told | None] | None = None,
) -> None:
    """What one step did, as `(kind, message)`s: an event each on the page, but one email for
    them all. A move to another provider is one MX added and every old one leaving; an email
    per host (Google Workspace has five), each with the whole policy, is what makes people
    stop reading. `suffix` (the new id) ends each event, and the email once.

    Steps that are not emailed on their own (the owner's mode or settings) go into an email
    that one of the same step's messages causes: the record to publish after a change of mode
    must say which change, for the teammates who did not make it. So do `quiet` kinds: those
    the team already heard will keep coming (service.QUIET_WHILE_UNSTABLE).

    `only`: steps of `said` told only to some of those who hear (the end of a problem, to
    those told of it: told_end; s44b, s44g), by step; None for a step: to all. The others
    get the email without those steps, or none when nothing emailed is left for them. By
    step, not by kind: a null MX beside the MX records and its end are both mx-null-mixed,
    mta-sts.<name> leading elsewhere and back both policy-host."""
    events = [tell(policy, kind, message + suffix, email=False, now=now) for kind, message in said]
    emailing = EMAILED - set(quiet)
    if policy.domain is None or not any(kind in emailing for kind, _ in said):
        return
    # Only steps said here narrow anything: the other steps (the _mta-sts record gone, say)
    # are for everyone who hears (review s44z: they reached no one).
    narrowed = {step: who for step, who in (only or {}).items() if who is not None and step in said}
    # Readers grouped by the steps they are not told: one email per group, each reader once
    # (None: everyone who hears, when no step is narrowed).
    groups: dict[frozenset[Step], Told | None] = {frozenset(): None}
    if narrowed:
        told: dict[frozenset[Step], Told] = {}
        for key, names in recipients(policy).items():
            for reader in names:
                left_out = frozenset(
                    step for step, who in narrowed.items() if reader not in who.get(key, [])
                )
                told.setdefault(left_out, {"users": [], "addresses": []})[key].append(reader)
        groups = {left_out: group for left_out, group in told.items()}
    for left_out, readers in groups.items():
        theirs = [step for step in said if step not in left_out]
        emailed = [kind for kind, _ in theirs if kind in emailing]
        if not emailed:
            continue
        # Not saved: the page already has each step. The first step gives the subject.
        combined = HostingEvent(
            policy=policy,
            kind=emailed[0],
            message="\n\n".join(message for _, message in theirs) + suffix,
            served_id=policy.policy_id,
            created=events[0].created,
        )
        _email(policy, combined, readers)


def _email(policy: HostedPolicy, event: HostingEvent, only: Told | None = None) -> None:
    """One email per team member, as alert emails are: a member who chose "No emails" for the
    domain (or unsubscribed from all) gets none, and each gets their own one-click
    unsubscribe link (RFC 8058); and one per confirmed team alert address, likewise. `only`:
    of those, the ones it names (tell)."""
    domain = policy.domain
    assert domain is not None
    members = _members(policy)
    addresses = TeamAlertAddress.told_at_once(domain)
    if only is not None:
        members = [u for u in members if u.pk in only.get("users", [])]
        addresses = [a for a in addresses if a.email in only.get("addresses", [])]
    ctx = {
        "policy": policy,
        "event": event,
        # MX hosts named as the subject names the domain (HostingEvent.shown, for_people).
        "message": event.shown,
        "headline": first_sentence(event.shown),
        "url": settings.SITE_ROOT + reverse("hosting:page", args=[domain.code]),
        "settings_url": settings.SITE_ROOT + reverse("alerts:settings"),
    }
    for user in members:
        if AlertSetting.mode_for(user, domain) == OFF:
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
    # The team's confirmed extra alert addresses (an MSP's ticketing system, a shared mailbox)
    # hear what the members hear, at once whatever their alert mode, as members do; verified
    # or not, as the release after another team proved control comes when it no longer is.
    for address in addresses:
        unsubscribe = address_unsubscribe_url(address, domain)
        try:
            send_templated(
                "hosting/emails/event",
                ctx | team_address_context(address) | {"unsubscribe_url": unsubscribe},
                [address.email],
                unsubscribe=unsubscribe,
            )
        except Exception:
            log.exception("hosting: could not email %s about %s", address.email, policy.name)
