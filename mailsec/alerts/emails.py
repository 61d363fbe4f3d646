"""Building alert emails: a subject/text/HTML template triple, List-Unsubscribe (RFC 2369) with
one-click unsubscribe (RFC 8058), sent through Django's configured email backend. Each one is
rendered in its reader's time zone (Profile.time_zone; a team's extra address: UTC), with the
zone said after each time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from checks.findings import series
from mailsec.accounts.models import Membership, zone, zone_of
from mailsec.accounts.templatetags.zones import reader_time, zone_label
from mailsec.alerts.models import (
    REPORTS_KIND_PREFIX,
    AlertRecipient,
    Change,
    Notification,
    TeamAlertAddress,
    changes_context,
    sent_to,
)
from mailsec.domains.models import Domain, name_sort_key
from mailsec.mail import notice_headers

UNSUBSCRIBE_SALT = "mailsec.alerts.unsubscribe"
ALL_DOMAINS = "*"
WEEKLY = "weekly"  # the scope of the weekly summary's link: that email only
# The scope of a person's daily digest's link: the digest, as it stands when the link is used
# (the domains whose mode is then the digest, and the teams whose domains added later go to
# it), not the domains one digest happened to name, nor every email (s46b).
DIGEST = "digest"
# The scope of the one-click link of a digest to an address several teams added: every
# team's digest to that mailbox (it is one email).
MAILBOX = "digests"
# The most domains a person's one-click link names one by one (the email telling that one run
# verified several: those domains, s45j). Each costs about 25 characters of token (its code,
# compressed); 25 make a token of 770 to 790, so the List-Unsubscribe line stays within the
# 998 characters a line may have (RFC 5322 §2.1.1) with a SITE_ROOT of up to 160.
NAMED_AT_MOST = 25


def unsubscribe_token(
    user: User,
    domain: Domain | None,
    scope: str = "",
    public_id: str = "",
    domains: Sequence[Domain] = (),
) -> str:
    """A signed token naming a person (by their random AlertRecipient.public_id, never the
    sequential user id: the payload is signed, not encrypted) and a scope: a domain, "*"
    (every domain of theirs), "weekly" (the weekly summary) or, given `domains`, those
    domains (a list of their codes; at most NAMED_AT_MOST keep the link short enough for a
    header line). It never expires: an unsubscribe link in an old email must still work.
    `public_id` when the caller read it already (AlertRecipient.public_ids_for, for many
    people at once)."""
    public_id = public_id or AlertRecipient.public_id_for(user)
    if domains:
        codes = [d.code.hex for d in domains]
        return signing.dumps({"r": public_id, "d": codes}, salt=UNSUBSCRIBE_SALT, compress=True)
    scope = scope or (str(domain.code) if domain else ALL_DOMAINS)
    return signing.dumps({"r": public_id, "d": scope}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[User, str | tuple[UUID, ...]] | None:
    """The person and the scope a token names (a string, or the codes of the domains it
    names); None when it is not ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    scope: str | tuple[UUID, ...] = str(data.get("d", ""))
    if isinstance(data.get("d"), list):
        try:
            scope = tuple(UUID(hex=c) for c in data["d"])
        except (TypeError, ValueError, AttributeError):
            return None
    if isinstance(data.get("r"), str):
        user = User.objects.filter(alert_recipient__public_id=data["r"]).first()
    elif isinstance(data.get("u"), int):
        # Links in emails sent before public ids named the user id; they still work.
        user = User.objects.filter(pk=data["u"]).first()
    else:
        return None
    if user is None:
        return None
    return user, scope


def unsubscribe_url(
    user: User,
    domain: Domain | None,
    scope: str = "",
    public_id: str = "",
    domains: Sequence[Domain] = (),
) -> str:
    token = unsubscribe_token(user, domain, scope, public_id, domains)
    return settings.SITE_ROOT + reverse("alerts:unsubscribe", args=[token])


def address_unsubscribe_token(
    address: TeamAlertAddress, domain: Domain | None, scope: str = ""
) -> str:
    """unsubscribe_token for a team's extra address: it names the address (by its random
    code) and a domain, or "*" for all of them, or MAILBOX (the digest every team that added
    it sends, in one email). Signed with the same salt, never expiring."""
    scope = scope or (str(domain.code) if domain else ALL_DOMAINS)
    return signing.dumps({"a": str(address.code), "d": scope}, salt=UNSUBSCRIBE_SALT)


def read_address_unsubscribe_token(token: str) -> tuple[TeamAlertAddress, str] | None:
    """The team's extra address and the scope an address_unsubscribe_token names; None when
    it is not such a token, or the address was removed since."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), str):
        return None
    try:
        address = TeamAlertAddress.objects.select_related("team").filter(code=data["a"]).first()
    except ValidationError:
        return None
    return (address, str(data.get("d", ""))) if address is not None else None


def address_unsubscribe_url(
    address: TeamAlertAddress, domain: Domain | None, scope: str = ""
) -> str:
    token = address_unsubscribe_token(address, domain, scope)
    return settings.SITE_ROOT + reverse("alerts:unsubscribe", args=[token])


def recipient_unsubscribe_url(n: Notification) -> str:
    """The one-click unsubscribe of an alert or digest: its domain, for its person or its
    team address only. A person's digest: the daily digest (DIGEST), which a mail client's
    Unsubscribe button is pressed to stop; its domains alone would let tomorrow's digest
    about others come, and "all" stopped the emails sent at once and the weekly summary too
    (s46b). A team address's digest: the address ("*")."""
    if n.team_address is not None:
        return address_unsubscribe_url(n.team_address, n.domain)
    assert n.user is not None
    if n.kind == Notification.Kind.DIGEST:
        return unsubscribe_url(n.user, None, DIGEST)
    return unsubscribe_url(n.user, n.domain)


def team_address_context(address: TeamAlertAddress) -> dict[str, Any]:
    """What an email to a team's extra address says of itself, in place of a person's "you
    monitor" and "Alert settings" link (its reader may have no account, and a ticketing
    system's agents would not know why it came): the team that added it, and who can remove
    it, the team's owners (the only ones who may; views.remove_address)."""
    owners = sorted(
        User.objects.filter(
            memberships__team_id=address.team_id, memberships__role=Membership.Role.OWNER
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not owners:
        removers = "the team's owner"
    elif len(owners) == 1:
        removers = f"its owner {owners[0]}"
    else:
        removers = f"its owners {', '.join(owners[:-1])} and {owners[-1]}"
    return {"team_address": address, "address_team": address.team, "address_removers": removers}


def domain_names(domains: Sequence[Domain], named: int | None = None) -> str:
    """Domains as a sentence names them: "a.test", "a.test and b.test", "a.test, b.test and
    c.test"; beyond `named` of them, the rest are counted ("a, b, c, d, e and 2 more")."""
    shown = [d.display_name for d in domains]
    if named is not None and len(shown) > named:
        return f"{', '.join(shown[:named])} and {len(shown) - named} more"
    return series(shown)


def domain_url(domain: Domain) -> str:
    return settings.SITE_ROOT + reverse("domains:details", args=[domain.code])


def from_reports(change: Change) -> bool:
    """A change seen in senders' TLS reports (reports/alerts.py): raised when a report says
    so, with no re-check of ours, and told as "no longer reported" when reports stop showing
    it (Change.note says what they showed since)."""
    return change.kind.startswith(REPORTS_KIND_PREFIX)


def failures_go_on(change: Change) -> bool:
    """A failure-rate change from TLS reports that closed with failures still above the
    threshold: the rule counts only failures beyond each sender's usual rate, so its change
    closes while a sender that always fails 10 % of its sessions goes on failing them. Its
    note says so (reports.alerts._calm_days_note); the email must not open with "Good news"."""
    from reports.alerts import FAILURES_GO_ON, KIND_FAILURE_RATE

    return change.kind == KIND_FAILURE_RATE and FAILURES_GO_ON in change.note


def reports_url(domain: Domain) -> str:
    """The domain's TLS reports dashboard; "" when it has no report address."""
    return reports_urls([domain]).get(domain.pk, "")


def reports_urls(domains: Sequence[Domain]) -> dict[int, str]:
    """reports_url of each of `domains` that has a report address (by domain id), in one
    query however many (the weekly summary's)."""
    from reports.models import ReportAddress

    urls: dict[int, str] = {}
    addresses = ReportAddress.objects.filter(domain__in=domains).order_by("created", "pk")
    for domain_id, token in addresses.values_list("domain_id", "token"):
        # The oldest address of each domain, as reports_url has always named it.
        urls.setdefault(domain_id, settings.SITE_ROOT + reverse("reports:dashboard", args=[token]))
    return urls


def _group_by_domain(changes: list[Any], report_urls: dict[int, str]) -> list[dict[str, Any]]:
    """`changes` by domain; a domain with a change from TLS reports links its reports
    dashboard, from `report_urls` (reports_urls of every domain of the digest, read at once)."""
    groups: dict[int, dict[str, Any]] = {}
    for c in changes:
        g = groups.setdefault(
            c.domain_id,
            {"domain": c.domain, "url": domain_url(c.domain), "changes": [], "reports_url": ""},
        )
        g["changes"].append(c)
        if from_reports(c) and not g["reports_url"]:
            g["reports_url"] = report_urls.get(c.domain_id, "")
    # In the domain list's order (name_sort_key: client2 before client10, bücher.de among
    # the b's; s41f), and each group's changes by when they were raised: the same email (and
    # subject) on every database, whatever order the rows come in. One name in two teams
    # (an MSP's and the client's own) ties on it: the domain added first leads (s41r2).
    for g in groups.values():
        g["changes"].sort(key=lambda c: (c.created, c.pk))
    return sorted(groups.values(), key=lambda g: (name_sort_key(g["domain"].name), g["domain"].pk))


def _still_open(n: Notification, changes: list[Change]) -> list[Change]:
    """With a recovery email, the domain's problems that are not fixed: "fixed" is about the
    problems named, not the domain. Only those its reader was told of (Notification.told):
    "still open" names a problem as known, and one they never heard of (alerts off then,
    joined the team since) would be news without its evidence or fix."""
    if n.kind != Notification.Kind.RECOVERY or n.domain is None:
        return []
    confirmed = list(
        n.domain.changes.filter(state=Change.State.CONFIRMED)
        .exclude(pk__in=[c.pk for c in changes])
        .order_by("created", "pk")
    )
    told = Notification.told(n.recipient, confirmed)
    return [c for c in confirmed if c.pk in told][:10]


def _digest_still_open(n: Notification, changes: list[Change]) -> list[Change]:
    """With a digest, the problems its reader was told of before (Notification.told) that are
    still open, on the domains the digest is about: what is not fixed yet, next to what was.
    Only domains the person still may see and that are still monitored, as the digest's own
    changes; at most 10, oldest first."""
    confirmed = list(
        _readable(
            Change.objects.filter(
                domain__in={c.domain_id for c in changes},
                domain__verified_at__isnull=False,
                state=Change.State.CONFIRMED,
            ),
            n,
        )
        .exclude(pk__in=[c.pk for c in changes])
        .select_related("domain")
        .distinct()
        .order_by("created", "pk")
    )
    told = Notification.told(n.recipient, confirmed)
    return [c for c in confirmed if c.pk in told][:10]


def _digest_start(n: Notification, until: datetime) -> datetime:
    """Where digest `n`'s period began: the end of the last digest before it that was told
    (sent) or not to be (skipped), else a day before its end; at most a week back, as
    Notification._digest_since had it when `n` was made (later digests do not move it)."""
    before = (
        Notification.objects.filter(
            sent_to(n.recipient),
            kind=Notification.Kind.DIGEST,
            covers_until__lt=until,
            status__in=[Notification.Status.SENT, Notification.Status.SKIPPED],
        )
        .order_by("-covers_until")
        .values_list("covers_until", flat=True)
        .first()
    )
    return max(before or until - timedelta(days=1), until - timedelta(days=7))


def _came_back(n: Notification, listed: list[Change], until: datetime) -> None:
    """Gives each open problem of `listed` a `came_back` line when it was fixed and came back
    within the digest's period ("It was fixed at 1 Dec 09:22 and back at 1 Dec 12:22 (UTC)."),
    each fix confirmed in
    the period that did not hold (an earlier change of the same domain and key) with the
    confirmation of the change after it; empty otherwise. A user reading it as it is now
    would not know it flapped (s36n, after s36b Z19 left the fix out of "Fixed"). One query,
    only when there is something open to tell."""
    for c in listed:
        c.came_back = ""  # type: ignore[attr-defined]
    still = [
        c for c in listed if c.confirmed_at and (c.recovered_at is None or c.recovered_at > until)
    ]
    if not still:
        return
    since = _digest_start(n, until)
    rows: dict[tuple[int, str], list[tuple[datetime, datetime | None]]] = {}
    for domain_id, key, confirmed_at, recovered_at in (
        Change.objects.filter(
            domain_id__in={c.domain_id for c in still},
            key__in={c.key for c in still},
            confirmed_at__isnull=False,
            confirmed_at__lte=until,
        )
        .filter(
            models.Q(recovered_at__gt=since, recovered_at__lte=until)
            | models.Q(pk__in=[c.pk for c in still])
        )
        .values_list("domain_id", "key", "confirmed_at", "recovered_at")
    ):
        rows.setdefault((domain_id, key), []).append((confirmed_at, recovered_at))
    day = timezone.localtime(until).date()

    def at(moment: datetime) -> str:
        local = timezone.localtime(moment)
        return f"{local:%H:%M}" if local.date() == day else f"{local.day} {local:%b %H:%M}"

    for c in still:
        assert c.confirmed_at is not None
        history = sorted(r for r in rows.get((c.domain_id, c.key), []) if r[0] <= c.confirmed_at)
        flaps = [
            f"fixed at {at(fixed)} and back at {at(back)}"
            for (_, fixed), (back, _) in zip(history, history[1:], strict=False)
            if fixed is not None and since < fixed <= back
        ]
        if flaps:
            when = ", then ".join(flaps)
            c.came_back = f"It was {when} ({zone_label().strip('()')})."  # type: ignore[attr-defined]


def _readable(changes: QuerySet[Change], n: Notification) -> QuerySet[Change]:
    """Of `changes`, those about domains the digest's reader may still hear of: a person's
    teams' (they may have left one since), or, for a team's extra address, the domains its
    mailbox gets the digest of (TeamAlertAddress.digest_domains: each team that added it for
    the digest, its domains not muted)."""
    if n.team_address is not None:
        return changes.filter(domain__in=[d.pk for d in n.team_address.digest_domains()])
    return changes.filter(domain__team__memberships__user=n.user)


def _later(delta: timedelta) -> str:
    """A wait in words: "seconds later", "10 minutes later", "6 hours later", "2 days later"."""
    if delta.total_seconds() < 60:
        return "seconds later"  # "1 minute later" would overstate a re-check made at once
    minutes = round(delta.total_seconds() / 60)
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''} later"
    hours = round(minutes / 60)
    if hours < 48:
        return f"{hours} hours later"
    return f"{round(hours / 24)} days later"


def confirmation(changes: list[Change]) -> str:
    """Which run confirmed the changes our checks found, and when, in words ("a re-check 10
    minutes later", "another check 6 hours later"): from the confirming run itself, since the
    re-check task can be lost and a scheduled run hours later decide instead."""
    checked = [c for c in changes if not from_reports(c) and c.confirmed_at is not None]
    if not checked:
        return "a re-check"
    run = checked[0].confirmed_run
    if run is None:  # thinned away since: only the time it was decided is known
        who, at = "a later check", checked[0].confirmed_at
    else:
        who, at = ("a re-check" if run.kind == "confirm" else "another check"), run.created
    assert at is not None
    waits = {_later(at - c.created) for c in checked}
    if len(waits) == 1:
        return f"{who} {waits.pop()}"
    # First seen at different times: the confirming check's own time says it for all.
    # In the zone the email is rendered in, as pages say a moment (s44h; before, without the
    # comma: "2 Dec 2026 08:00 (Europe/Berlin)").
    return f"{who} at {reader_time(at)}"


def reader_zone(n: Notification) -> tzinfo:
    """The time zone `n` is read in: its person's (Profile.time_zone); UTC for a team's
    extra address, which may be read by anyone anywhere (a ticketing system, a list)."""
    return zone_of(n.user) if n.team_address is None else zone(None)


def mailbox_of(n: Notification) -> str:
    """Where `n` goes now: a person's main address as it is at this send, not the one they
    had when it was queued (to_address), which a retry after they made another address their
    main one and removed the old would otherwise still mail (s42u); a team's extra address,
    or what a removed one was handed, its row's address."""
    if n.user is not None and n.user.email:
        return n.user.email
    return n.to_address


def build_message(n: Notification) -> EmailMultiAlternatives:
    """The email `n` is, rendered in its reader's time zone (reader_zone): each person of a
    team gets their own email, each with their own times."""
    with timezone.override(reader_zone(n)):
        return _build_message(n)


def _build_message(n: Notification) -> EmailMultiAlternatives:
    if n.kind == Notification.Kind.WEEKLY:
        return _weekly_message(n)
    changes = n.changes.select_related("domain", "confirmed_run")
    if n.kind == Notification.Kind.DIGEST:
        # Only the domains the person still may see (they may have left a team since) and
        # still monitored (control of a name may have been lost since the digest was made).
        changes = _readable(changes.filter(domain__verified_at__isnull=False), n).distinct()
    changes = list(changes)
    ctx: dict[str, Any] = {
        "notification": n,
        "user": n.user,
        "site_root": settings.SITE_ROOT,
        "settings_url": settings.SITE_ROOT + reverse("alerts:settings"),
        "unsubscribe_url": recipient_unsubscribe_url(n),
        # Empty for a person's email; for a team's extra address, the footer's "who added
        # this address and who removes it" (the templates test `team_address`).
        **(team_address_context(n.team_address) if n.team_address is not None else {}),
        # Recovered changes whose failures go on: "back to the senders' usual failure rate",
        # not "no longer reported" (the templates test `c.pk in going_on`).
        "going_on": {c.pk for c in changes if c.recovered_at and failures_go_on(c)},
    }
    if n.kind == Notification.Kind.DIGEST:
        # As of the digest's end: a change told as new that recovered before this email went
        # out is still news, not a "fixed" its reader never heard of (make_digest).
        until = n.covers_until or n.created

        def fixed(c: Change) -> bool:
            return c.recovered_at is not None and c.recovered_at <= until

        confirmed = [c for c in changes if c.confirmed_at and not fixed(c)]
        recovered = [c for c in changes if fixed(c)]
        # Read top-down, the digest goes from what needs doing to what is left: new problems,
        # then what was fixed, then what is not fixed yet. A failure-rate alert that closed
        # while failures go on at the senders' usual rate is no fix, so it is listed with the
        # problems told before that are still open, not under "Fixed".
        going = [c for c in recovered if c.pk in ctx["going_on"]]
        parts = (
            confirmed,
            [c for c in recovered if c not in going],
            going + _digest_still_open(n, changes),
        )
        # A problem listed open that was fixed and came back within the digest's period says
        # so (s36n), once, on its own entry: the fix that did not hold is not under "Fixed".
        _came_back(n, [*parts[0], *parts[2]], until)
        # Every reports address the digest links, in one query however many domains.
        reported = {c.domain_id: c.domain for part in parts for c in part if from_reports(c)}
        report_urls = reports_urls(list(reported.values()))
        whole = _digest_section(*parts, report_urls)
        # A change told under the one it follows from (changes_context), new or fixed, is
        # no change more: the count is the entries the digest lists.
        told_under = sum(
            len(c.consequences)
            for g in (*whole["new_groups"], *whole["fixed_groups"])
            for c in g["items"]
        )
        ctx |= whole | {"count": len(changes) - told_under}
        ctx |= _digest_sections(n, *parts, report_urls)
        names = ("emails/alert_digest_subject.txt", "emails/alert_digest_body.txt")
        html_name = "emails/alert_digest_body.html"
    else:
        assert n.domain is not None
        recovery = n.kind == Notification.Kind.RECOVERY
        ctx |= changes_context(changes)
        # Each change that follows from another is told under that one (its consequences),
        # in the problem alert and in its "fixed" email alike: the items, and the subject's
        # "+N more", are the leads.
        items = ctx["leads"]
        ctx |= {
            "domain": n.domain,
            "domain_url": domain_url(n.domain),
            "recovery": recovery,
            "items": items,
            # The intro counts the entries as the subject's "+N more" does (s26a: "found 5
            # changes" above 2 entries, the other 3 told under the first).
            "more": len(items) - 1,
            "others": len(items) - 1,
            "still_open": _still_open(n, changes),
            "confirmed_by": confirmation(changes),
            # Only TLS-report changes: "senders' reports show", not "a re-check confirmed".
            "from_reports": bool(changes) and all(from_reports(c) for c in changes),
            "reports_url": reports_url(n.domain) if any(map(from_reports, changes)) else "",
        }
        ctx["subject_line"] = _reports_subject_line(ctx["headline"], ctx)
        names = ("emails/alert_subject.txt", "emails/alert_body.txt")
        html_name = "emails/alert_body.html"
    subject = " ".join(render_to_string(names[0], ctx).split())
    text = render_to_string(names[1], ctx)
    html = render_to_string(html_name, ctx)
    headers = notice_headers(ctx["unsubscribe_url"], f"alert-{n.code}")
    message = EmailMultiAlternatives(subject, text, to=[mailbox_of(n)], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _digest_section(
    confirmed: list[Change],
    fixed: list[Change],
    not_fixed: list[Change],
    report_urls: dict[int, str],
) -> dict[str, Any]:
    """A digest's three lists (or one team's part of them), grouped by domain. A domain's
    new problems and its fixes are told as an alert and its "fixed" email tell them: its
    `items`, each change that follows from another under that one (changes_context)."""
    new_groups = _group_by_domain(confirmed, report_urls)
    fixed_groups = _group_by_domain(fixed, report_urls)
    # Fixed ones so too, as the "fixed" email tells them ("Fixed with it:"): a renewed
    # certificate is one fix, not its consequences each a fix of its own (s26a).
    for g in (*new_groups, *fixed_groups):
        g["items"] = changes_context(g["changes"])["leads"]
    return {
        "new_groups": new_groups,
        "new_from_checks": any(not from_reports(c) for c in confirmed),
        "new_from_reports": any(from_reports(c) for c in confirmed),
        "fixed_groups": fixed_groups,
        "not_fixed_groups": _group_by_domain(not_fixed, report_urls),
    }


def _digest_sections(
    n: Notification,
    confirmed: list[Change],
    fixed: list[Change],
    not_fixed: list[Change],
    report_urls: dict[int, str],
) -> dict[str, Any]:
    """The digest's sections: one, untitled, for a person (their teams' domains, as
    always) or an address one team added; for an address several teams added for their
    digest (one mailbox, one digest a day: s25n), one per team with something in it, by the
    team's name, each saying who added the address, who removes it, and with a link that
    stops that team's emails to it; the one-click unsubscribe then stops the mailbox's
    digests of every team."""
    whole = _digest_section(confirmed, fixed, not_fixed, report_urls)
    if n.team_address is None:
        return {"sections": [whole], "by_team": False, "block_tag": "h2"}
    rows = {row.team_id: row for row in n.team_address.digest_rows()}
    told = {c.domain.team_id for c in (*confirmed, *fixed, *not_fixed)}
    mine = sorted((r for t, r in rows.items() if t in told), key=lambda r: r.team.name.lower())
    if len(mine) < 2:
        # One team's news: the email of that team's address, as before two teams shared it.
        row = mine[0] if mine else n.team_address
        return {
            "sections": [whole],
            "by_team": False,
            "block_tag": "h2",
            "footer_rows": [_footer_row(row)],
            **team_address_context(row),
            "unsubscribe_url": address_unsubscribe_url(row, None),
        }
    sections = []
    for row in mine:
        parts = [
            [c for c in part if c.domain.team_id == row.team_id]
            for part in (confirmed, fixed, not_fixed)
        ]
        sections.append({"team": row.team, **_digest_section(*parts, report_urls)})
    return {
        "sections": sections,
        "by_team": True,
        "block_tag": "h3",  # under each team's h2
        "footer_rows": [_footer_row(row) for row in mine],
        "teams": [row.team for row in mine],
        "unsubscribe_url": address_unsubscribe_url(n.team_address, None, MAILBOX),
    }


def _footer_row(row: TeamAlertAddress) -> dict[str, Any]:
    """What a digest to a team's extra address says of one team that added it."""
    return {
        **team_address_context(row),
        "stop_url": address_unsubscribe_url(row, None),
    }


def _reports_subject_line(headline: Change | None, ctx: dict[str, Any]) -> str:
    """A TLS-report change's words for the subject (reports.alerts.subject_line: the fact and
    its day, short); "" for a change of our checks, whose subject says its headline."""
    if headline is None or not from_reports(headline):
        return ""
    from reports.alerts import subject_line

    return subject_line(headline, recovery=ctx["recovery"], going_on=headline.pk in ctx["going_on"])


def _weekly_message(n: Notification) -> EmailMultiAlternatives:
    from mailsec.alerts.weekly import attention, period, subject, summarise_days

    # In the reader's zone (build_message): their week, as `due` and `make` read it.
    now = timezone.localtime(n.covers_until or n.created)
    weeks, first, last = summarise_days(n.user, now)
    days = period(first, last)
    report_urls = reports_urls([week.domain for week in weeks])
    for week in weeks:
        week.url = domain_url(week.domain)
        week.reports_url = report_urls.get(week.domain.pk, "")
    ctx: dict[str, Any] = {
        "weeks": weeks,
        "news": subject(weeks),
        "attention": attention(weeks, days if days == "last week" else "in those days"),
        "first_day": first,
        "last_day": last,
        # The report days in words before their dates, and after them ("no sessions
        # reported ..."): "last week" for seven days, else how many (weekly.report_days).
        "period": days,
        "in_period": days if days == "last week" else "in those days",
        "settings_url": settings.SITE_ROOT + reverse("alerts:settings"),
        "unsubscribe_url": unsubscribe_url(n.user, None, WEEKLY),
    }
    subject = " ".join(render_to_string("emails/weekly_subject.txt", ctx).split())
    text = render_to_string("emails/weekly_body.txt", ctx)
    html = render_to_string("emails/weekly_body.html", ctx)
    headers = notice_headers(ctx["unsubscribe_url"], f"weekly-{n.code}")
    message = EmailMultiAlternatives(subject, text, to=[mailbox_of(n)], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


class NotOurs(Exception):
    """The notification was released or claimed again since this attempt claimed it."""


def send(n: Notification) -> str:
    """Send through the configured backend; the subject. Raises on failure (the task records
    it). Does not record the success: that is the task's, outside its failure handling, so a
    database hiccup after the mail server accepted the message never sends it again."""
    message = build_message(n)
    (to,) = message.to
    if to != n.to_address:
        # The row says where it went (the alert settings list undelivered emails by it).
        n.to_address = to
        Notification.objects.filter(pk=n.pk).update(to_address=to)
    if not n.hand_over():
        raise NotOurs(f"notification {n.code} is no longer this attempt's")
    message.send(fail_silently=False)
    return str(message.subject)
