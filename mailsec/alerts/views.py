"""Alert settings per domain and for all of a team's, the team's extra alert addresses (added
by its owner, confirmed by a link mailed to them), and the one-click unsubscribe page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode
from uuid import UUID

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checks.findings import series
from mailsec.accounts.models import Team
from mailsec.accounts.scope import (
    current_team,
    get_alert_address_or_404,
    get_domain_or_404,
    get_team_or_404,
)
from mailsec.alerts import weekly
from mailsec.alerts.emails import (
    ALL_DOMAINS,
    DIGEST,
    MAILBOX,
    NAMED_AT_MOST,
    WEEKLY,
    domain_names,
    read_address_unsubscribe_token,
    read_unsubscribe_token,
)
from mailsec.alerts.forms import FilterForm, ModeForm, TeamAddressForm, TeamAddressModeForm
from mailsec.alerts.models import (
    ADDRESS_CONFIRM_VALIDITY,
    MAX_TEAM_ADDRESSES,
    AlertDefault,
    AlertRecipient,
    AlertSetting,
    Change,
    Notification,
    TeamAlertAddress,
    member_addresses,
)
from mailsec.domains.models import Domain, name_sort_key
from mailsec.mail import send_templated

Mode = AlertSetting.Mode
# How the domain list counts each mode: "180 in the daily digest, 20 emailed at once".
COUNT_WORDS = {
    Mode.IMMEDIATE: "emailed at once",
    Mode.DIGEST: "in the daily digest",
    Mode.OFF: "with no emails",
}
# Domains per page of the list, as the domain list pages them (domains.listing.PAGE_SIZE).
PAGE_SIZE = 50
# Why a weekly summary switched on is not sent (weekly.summary_wanted).
WEEKLY_COVERS = "it covers only the verified domains you get alert emails for, and there are none"


@login_required
@require_GET
def alert_settings(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    recipient = AlertRecipient.objects.filter(user=request.user).first()
    unsubscribed_all = recipient is not None and recipient.unsubscribed_all
    later = (
        AlertDefault.objects.filter(user=request.user, team=team)
        .values_list("mode", flat=True)
        .first()
    ) or Mode.IMMEDIATE
    # AlertSetting.default_mode, from the rows the page reads anyway (the weekly flag too).
    default = Mode.OFF if unsubscribed_all else later
    user: User = request.user  # type: ignore[assignment]
    # Counted, filtered and paged in SQL: a page of an MSP's thousand domains was 1 MB of
    # HTML and half a second; now it costs what a team of fifty's does.
    counts = AlertSetting.mode_counts(user, team, default)
    total = sum(counts.values())
    form = FilterForm(request.GET)
    kept = form.keep(AlertSetting.team_domains(user, team, default), team)
    # In the domain list's order (name_sort_key: customer2 before customer10, bücher.de
    # among the b's), which no SQL collation gives: the ids and names the filter keeps are
    # sorted here, then the page's rows are read, two queries as the count and the page were.
    names = sorted(kept.order_by().values_list("pk", "name"), key=lambda r: name_sort_key(r[1]))
    pks = [pk for pk, _ in names]
    number = request.GET.get("page")
    elsewhere = None
    if not number and request.GET.get("domain"):
        # A domain page's "Alert settings for <domain>" (?domain=<code>): the page holding its
        # row, where its #alerts-<code> lands (s45g: always page 1 before, without the row
        # from the 51st domain on); for a domain of another of the person's teams, whose it
        # is, with the switch to that team (which comes back here, to its row).
        number = _page_of(team, pks, request.GET["domain"])
        if number is None:
            elsewhere = _other_teams_domain(user, team, request.GET["domain"])
    listing = Paginator(pks, PAGE_SIZE).get_page(number)
    # What the page shows of each domain, not its last check's summary; team_id too: the
    # related manager reads it on each row.
    wanted = list(listing.object_list)
    rows = kept.filter(pk__in=wanted).only("team_id", "code", "name", "verified_at")
    by_pk = {domain.pk: domain for domain in rows}
    listing.object_list = [by_pk[pk] for pk in wanted if pk in by_pk]
    query = form.query()
    # Where a row's Save comes back to: this page of this filter (the page as Paginator
    # settled it, not a number out of range or a stray parameter).
    here_query = query + (f"page={listing.number}" if listing.number > 1 else "")
    ctx = {
        "page": "alerts",
        "team": team,
        "elsewhere": elsewhere,
        "listing": listing,
        "total": total,
        "filtered": form.filtered,
        "filter_form": form,
        "query": query,
        # Empty for the first page unfiltered: the Save's own default (set_mode).
        "here": reverse("alerts:settings") + "?" + here_query.rstrip("&") if here_query else "",
        "mode_counts": [
            (m, COUNT_WORDS[Mode(m)], n, "?" + urlencode({"mode": m}))
            # Most first; a tie in the order the modes are offered, not as SQL grouped them.
            for m, n in sorted(counts.items(), key=lambda mn: (-mn[1], Mode.values.index(mn[0])))
        ],
        "later_mode": later,
        "unsubscribed_all": unsubscribed_all,
        "later_again": unsubscribed_all and _later_would_email(user),
        "weekly_summary": recipient is None or recipient.weekly_summary,
        # Switched on but with no domain to cover, none is sent (s47f: the ticked box read as
        # one coming).
        "weekly_idle": (recipient is None or recipient.weekly_summary)
        and not weekly.covers_any(user),
        "modes": Mode.choices,
        "recent": Change.objects.filter(domain__team=team)
        .exclude(state=Change.State.DISMISSED)
        .select_related("domain")
        .order_by("-created")[:20],
        "failed": Notification.objects.filter(
            user=request.user, status=Notification.Status.FAILED
        ).order_by("-created")[:5],
        # The team's extra addresses: every member sees them, the owner changes them.
        "is_owner": team.is_owner(user),
        # A viewer of the team is not told to add a domain (read with the team: no query).
        "can_edit": team.can_edit(user),
        "team_addresses": team.alert_addresses.prefetch_related("muted_domains").order_by(
            "created", "pk"
        ),
        "address_form": TeamAddressForm(),
        "address_modes": TeamAlertAddress.Mode.choices,
        "max_addresses": MAX_TEAM_ADDRESSES,
        "link_valid_days": ADDRESS_CONFIRM_VALIDITY.days,
    }
    return render(request, "alerts/settings.html", ctx)


def _later_would_email(user: User) -> bool:
    """Whether "Email me about domains added later again" would start any emails: a team of
    the person's whose "Domains added later" is not "No emails" (none chosen: at once). With
    "No emails" in every team, the button started none (s47m), and the page does not offer it.
    One query, asked only of someone unsubscribed from all."""
    silent = AlertDefault.objects.filter(user=user, mode=Mode.OFF).values("team_id")
    return Team.objects.filter(memberships__user=user).exclude(pk__in=silent).exists()


def _page_of(team: Team, pks: list[int], code: str) -> int | None:
    """The page of the listed `pks` that holds the team's domain `code`; None (the first page)
    for a code that is no domain of the team's, or one the filter left out."""
    try:
        uuid = UUID(code)
    except ValueError:
        return None
    pk = team.domains.filter(code=uuid).values_list("pk", flat=True).first()
    if pk is None or pk not in pks:
        return None
    return pks.index(pk) // PAGE_SIZE + 1


def _other_teams_domain(user: User, team: Team, code: str) -> Domain | None:
    """The domain `code` when it is one of another of the person's teams (with that team),
    else None: a domain page is open to every team of the person's, this page to the current
    one's domains."""
    try:
        uuid = UUID(code)
    except ValueError:
        return None
    mine = Domain.objects.filter(code=uuid, team__memberships__user=user).exclude(team=team)
    return mine.select_related("team").only("code", "name", "team__code", "team__name").first()


def _posted_mode(request: HttpRequest) -> str | None:
    """The alert mode the settings page posted (ModeForm), or None, the person told to choose
    one of the offered options, when it is none of them."""
    form = ModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the offered options.")
        return None
    return form.cleaned_data["mode"]


@login_required
@require_POST
def set_all(request: HttpRequest, code: UUID) -> HttpResponse:
    """One mode for every domain of the team, for the signed-in person only."""
    team = get_team_or_404(request, code)
    if (mode := _posted_mode(request)) is None:
        return redirect("alerts:settings")
    changed = AlertSetting.set_mode_for_team(request.user, team, mode)  # type: ignore[arg-type]
    label = Mode(mode).label.lower()
    if changed:
        done = f"{changed} domain{'s' if changed != 1 else ''} changed"
    else:
        done = "nothing to change, every one was so already"
    messages.success(request, f"Every domain of {team.name}: {label} ({done}).")
    return redirect("alerts:settings")


@login_required
@require_POST
def set_default(request: HttpRequest, code: UUID) -> HttpResponse:
    """The mode for domains added to the team later, for the signed-in person only."""
    team = get_team_or_404(request, code)
    if (mode := _posted_mode(request)) is None:
        return redirect("alerts:settings")
    AlertSetting.set_default(request.user, team, mode)  # type: ignore[arg-type]
    messages.success(
        request, f"Domains added to {team.name} from now on: {Mode(mode).label.lower()}."
    )
    return redirect("alerts:settings")


@login_required
@require_POST
def set_mode(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_or_404(request, code)
    mode = request.POST.get("mode", "")
    if mode not in AlertSetting.Mode.values:
        messages.error(request, "Choose one of the offered options.")
    else:
        AlertSetting.set_mode(request.user, domain, mode)  # type: ignore[arg-type]
        label = AlertSetting.Mode(mode).label
        messages.success(request, f"{domain.display_name}: {label.lower()}.")
    # Only back to a page of ours: a `next` naming another site would be an open redirect.
    # A path, never a bare word: redirect() would take "foo" for a view name (NoReverseMatch).
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts=None
    ):
        target = reverse("alerts:settings")
    # No fragment of what was posted. Back on the alerts page, to the row itself (a row of
    # page 2 sat 1,662 px down): its id made from the domain's public id.
    target = target.split("#", 1)[0]
    if target.split("?", 1)[0] == reverse("alerts:settings"):
        target += f"#{row_id(domain)}"
    return redirect(target)


def row_id(domain: Domain) -> str:
    """The id of the domain's row on the alerts page, which a link or a Save lands on."""
    return f"alerts-{domain.code}"


@login_required
@require_POST
def set_weekly(request: HttpRequest) -> HttpResponse:
    on = request.POST.get("weekly") == "on"
    AlertRecipient.objects.update_or_create(user=request.user, defaults={"weekly_summary": on})
    messages.success(request, "Weekly summary on." if on else "Weekly summary off.")
    return redirect("alerts:settings")


@login_required
@require_POST
def resubscribe(request: HttpRequest) -> HttpResponse:
    """Undo "unsubscribe from all" (the mail's one-click link): domains added later email
    again as this person's defaults say. Domains that unsubscribe turned off stay off, each a
    choice the person can see and change on the page (one form does all of a team's).
    The page offers the button only where it starts emails (s47m); a POST from an older page
    says what it did: with "No emails" for domains added later in every team, it starts none
    (s47o: it said "Alert emails are on again" there too)."""
    user = request.user
    changed = AlertRecipient.objects.filter(user=user, unsubscribed_all=True).update(
        unsubscribed_all=False
    )
    if not changed:
        messages.info(request, "You are not unsubscribed from all alert emails: nothing changed.")
    elif _later_would_email(user):  # type: ignore[arg-type]
        messages.success(
            request,
            "Alert emails are on again for domains added later. Domains you turned off stay "
            "off: choose a setting for them below, one by one or all at once.",
        )
    else:
        messages.success(
            request,
            "You are no longer unsubscribed from all alert emails, but domains added later "
            "still send you none: you chose “No emails” for them in every team of yours. A "
            "team you join later emails you about its domains at once, until you choose "
            "otherwise there. Domains you turned off stay off: choose a setting for them "
            "below, one by one or all at once.",
        )
    return redirect("alerts:settings")


# No login and no CSRF token: RFC 8058 one-click unsubscribe is a bare POST from the mail
# client with "List-Unsubscribe=One-Click"; the signed token is the authorisation. A GET only
# shows a button, because mail scanners fetch every link in a message; a HEAD (link checkers,
# scanners) answers as that GET does and changes nothing either (RFC 8058 §3; it was 405,
# task s46b). never_cache: the page names the domain and the address, for whoever holds the
# link (s40h).
@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    address = read_address_unsubscribe_token(token)
    if address is not None:
        return _unsubscribe_address(request, *address)
    decoded = read_unsubscribe_token(token)
    if decoded is None:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    user, scope = decoded
    if scope == WEEKLY:
        recipient = AlertRecipient.objects.filter(user=user).first()
        on = recipient is None or recipient.weekly_summary
        if not on:
            return _quiet(request, user.email, "weekly summary")
        done = request.method == "POST"
        if done:
            AlertRecipient.objects.update_or_create(user=user, defaults={"weekly_summary": False})
        # Switched on with no domain for it to cover, none is sent now (s47f), but it comes
        # again with the first domain the person gets emails for: the page says so and offers
        # the button, whose POST turns the switch off (review s47r1; s47m: the page said
        # "nothing needs doing", with no button).
        idle = not done and not weekly.covers_any(user)
        ctx = {"weekly": True, "done": done, "email": user.email, "idle": idle}
        if idle:
            ctx["why"] = WEEKLY_COVERS
        return render(request, "alerts/unsubscribe.html", ctx)
    if scope == DIGEST:
        return _unsubscribe_digest(request, user)
    domains = Domain.objects.filter(team__memberships__user=user)
    if isinstance(scope, tuple):
        # The domains an email about several named (the verified email, s45j): those alone,
        # those the person still may hear of, in the email's order.
        domains = domains.filter(code__in=scope)
    elif scope != ALL_DOMAINS:
        domains = domains.filter(code=scope)
    domains = sorted(
        domains.only("code", "name", "team", "verified_at"), key=lambda d: name_sort_key(d.name)
    )
    if scope != ALL_DOMAINS and not domains:
        # None of the link's domains is the person's any more (deleted since, or they left the
        # team): nothing to stop, a POST (a mail client's button on an old email) included.
        return _nothing_to_stop(
            request, user.email, several=isinstance(scope, tuple) and len(scope) > 1
        )
    # What the link would stop of what the person gets now (s47f): a domain already at no
    # emails (unsubscribe-all turned it off, or its row did) is not offered again, and with
    # nothing left to stop the page says so and a POST changes nothing.
    # The modes of the link's domains alone, but for the "all" link, which says what else
    # it stops (a domain's link is the one of every alert email: it reads no other domain).
    now = Receiving.of(user) if scope == ALL_DOMAINS else None
    modes = now.modes if now else AlertSetting.modes_for(user, domains)
    emailing = [d for d in domains if modes[d.pk] != Mode.OFF]
    if now and not emailing and not now.later_emails():
        recipient = AlertRecipient.objects.filter(user=user).first()
        recorded = request.method == "POST" and (
            recipient is None or not recipient.unsubscribed_all or recipient.weekly_summary
        )
        if recorded:
            # The mail client's one-click (review s47r1): unsubscribe-from-all holds more
            # than what is sent now, the domains of a team joined later and the weekly
            # switch, so it is recorded though nothing needs stopping today.
            _turn_off(user, domains)
            AlertRecipient.objects.update_or_create(
                user=user, defaults={"unsubscribed_all": True, "weekly_summary": False}
            )
        return _quiet(request, user.email, "alert emails and no weekly summary", all_off=recorded)
    if not now and not emailing:
        return _quiet(request, user.email, f"alert emails about {domain_names(domains)}")
    done = False
    if request.method == "POST":
        _turn_off(user, domains)
        if scope == ALL_DOMAINS:
            AlertRecipient.objects.update_or_create(
                user=user, defaults={"unsubscribed_all": True, "weekly_summary": False}
            )
        done = True
    ctx = {
        "domains": emailing,
        "done": done,
        "all": scope == ALL_DOMAINS,
        "email": user.email,
        "all_words": _all_words(now, emailing) if now else "",
    }
    return render(request, "alerts/unsubscribe.html", ctx)


@dataclass
class Receiving:
    """What a person gets now, as the emails read it: each domain's mode (modes_for), the mode
    a domain added later to each team of theirs would start with (AlertSetting.default_mode:
    off while unsubscribed from all), and the weekly summary (weekly.summary_wanted: its
    switch, and a verified domain the person gets emails for). The unsubscribe pages offer
    to stop only what is in it."""

    domains: list[Domain]
    modes: dict[int, str]
    later: dict[int, str]  # team id: the mode of a domain added to it later
    weekly_on: bool  # the switch, AlertRecipient.weekly_summary

    @classmethod
    def of(cls, user: User) -> Receiving:
        domains = sorted(
            Domain.objects.filter(team__memberships__user=user).only(
                "code", "name", "team", "verified_at"
            ),
            key=lambda d: name_sort_key(d.name),
        )
        recipient = AlertRecipient.objects.filter(user=user).first()
        teams = Team.objects.filter(memberships__user=user).values_list("pk", flat=True)
        if recipient is not None and recipient.unsubscribed_all:
            later = {pk: Mode.OFF for pk in teams}
        else:
            chosen = dict(AlertDefault.objects.filter(user=user).values_list("team_id", "mode"))
            later = {pk: chosen.get(pk, Mode.IMMEDIATE) for pk in teams}
        return cls(
            domains=domains,
            modes=AlertSetting.modes_for(user, domains),
            later=later,
            weekly_on=recipient is None or recipient.weekly_summary,
        )

    def later_emails(self) -> bool:
        """Whether a domain added later to a team of theirs would email them."""
        return any(mode != Mode.OFF for mode in self.later.values())

    def weekly(self, stopped: Iterable[Domain] = ()) -> bool:
        """Whether the weekly summary comes, once `stopped` are at no emails: it covers the
        verified domains the person gets emails for, and is not sent with none."""
        gone = {d.pk for d in stopped}
        return self.weekly_on and any(
            d.is_verified and self.modes[d.pk] != Mode.OFF and d.pk not in gone
            for d in self.domains
        )


def _all_words(now: Receiving, emailing: list[Domain]) -> str:
    """What the "all" link stops, as its page says it after "will no longer get": the alert
    emails of every domain still emailing (each named when some are at no emails already),
    those of domains added later unless they would send nothing, and the weekly summary
    when it comes."""
    if emailing and len(emailing) == len(now.domains):
        parts = ["alert emails for any of your domains"]
    elif emailing:
        parts = [f"alert emails for {domain_names(emailing, NAMED_AT_MOST)}"]
    else:
        parts = []
    if now.later_emails():
        parts.append("for domains added later" if parts else "alert emails for domains added later")
    if now.weekly():
        parts.append("the weekly summary")
    return ", nor ".join(parts)


def _quiet(
    request: HttpRequest, email: str, what: str, why: str = "", *, all_off: bool = False
) -> HttpResponse:
    """The page of a link whose emails the person no longer gets (s47f): "Nothing to stop",
    what they get none of, and no button; a POST changes nothing and says so, but for the
    "all" link's, which records the unsubscribe from all (`all_off`, review s47r1)."""
    ctx = {
        "quiet": what,
        "why": why,
        "done": request.method == "POST",
        "email": email,
        "all_off": all_off,
    }
    return render(request, "alerts/unsubscribe.html", ctx)


def _unsubscribe_digest(request: HttpRequest, user: User) -> HttpResponse:
    """A person's daily digest's link (s46b): it stops the digest as it stands when used.
    Every domain of theirs whose mode is then the digest (modes_for, as the digest reads it)
    goes to no emails, named in the digest or not (tomorrow's would name it), and each team's
    "Domains added later" set to the digest goes to no emails, so no later domain starts it
    again. Their emails sent at once and the weekly summary stay (the "all" link stopped
    those too, unasked, from a mail client's button), and the page says which of them the
    person gets (s47f). A GET changes nothing; with nothing left in the digest the page says
    there is nothing to stop."""
    now = Receiving.of(user)
    digest = AlertSetting.Mode.DIGEST
    domains = [d for d in now.domains if now.modes[d.pk] == digest]
    later = AlertDefault.objects.filter(user=user, mode=digest, team__memberships__user=user)
    # A "Domains added later" of the digest sends nothing while the person is unsubscribed
    # from all (s47f: the page offered to stop it): it is not the link's to change, and
    # "Email me about domains added later again" brings it back as chosen.
    held = [pk for pk, mode in now.later.items() if mode != digest]
    later = later.exclude(team_id__in=held)
    teams = sorted(set(later.values_list("team__name", flat=True)), key=str.lower)
    kept = AlertDefault.objects.filter(user=user, mode=digest, team_id__in=held)
    held_names = sorted(set(kept.values_list("team__name", flat=True)), key=str.lower)
    done = request.method == "POST"
    if done and (domains or teams):
        with transaction.atomic():
            _turn_off(user, domains)
            AlertDefault.objects.filter(pk__in=list(later.values_list("pk", flat=True))).update(
                mode=AlertSetting.Mode.OFF, updated=timezone.now()
            )
    ctx = {
        "digest": True,
        "done": done,
        "email": user.email,
        "domains": domains,
        "domain_list": domain_names(domains, NAMED_AT_MOST),
        "later_teams": series(teams),
        "later_held": series(held_names),
        # What comes after it (s47f: "not affected" was said of emails the person did not get).
        "at_once": any(now.modes[d.pk] == Mode.IMMEDIATE for d in now.domains),
        "weekly_now": now.weekly(),
        "weekly_after": now.weekly(stopped=domains),
    }
    return render(request, "alerts/unsubscribe.html", ctx)


def _nothing_to_stop(
    request: HttpRequest,
    email: str,
    several: bool = False,
    team_address: TeamAlertAddress | None = None,
) -> HttpResponse:
    """The page of a link whose domains are none of its holder's any more (s45m: it read
    "will no longer get alert emails for ." above a button): they are no longer theirs and
    nothing needs doing. GET or POST, nothing changes, and a POST says so; 200 either way (a
    mail client's one-click POST of an old email is answered), not a 404 that reads as a
    broken link."""
    ctx = {
        "gone": True,
        "done": request.method == "POST",
        "several": several,
        "email": email,
        "team_address": team_address,
    }
    return render(request, "alerts/unsubscribe.html", ctx)


def _turn_off(user: User, domains: list[Domain]) -> None:
    """No alert emails for `domains`: the same as AlertSetting.set_mode(user, domain, "off")
    for each, in two queries however many domains the person's teams have (an MSP's
    hundreds were three queries each)."""
    off = AlertSetting.Mode.OFF
    chosen = AlertSetting.objects.filter(user=user, domain__in=domains)
    chosen.update(mode=off, updated=timezone.now())  # update() leaves auto_now alone
    AlertSetting.objects.bulk_create(
        [AlertSetting(user=user, domain=d, mode=off) for d in domains], ignore_conflicts=True
    )


def _unsubscribe_address(
    request: HttpRequest, address: TeamAlertAddress, scope: str
) -> HttpResponse:
    """One-click unsubscribe for a team's extra address: a domain's link mutes that domain,
    a digest's ("*") the whole address. This address only: the team's members and its other
    addresses keep their emails."""
    if scope == MAILBOX:
        return _unsubscribe_mailbox(request, address)
    domains = list(address.team.domains.order_by("name").only("code", "name"))
    if scope != ALL_DOMAINS:
        domains = [d for d in domains if str(d.code) == scope]
        if not domains:  # deleted since, or no longer the team's
            return _nothing_to_stop(request, address.email, team_address=address)
    done = request.method == "POST"
    if done:
        if scope == ALL_DOMAINS:
            TeamAlertAddress.objects.filter(pk=address.pk, unsubscribed_at=None).update(
                unsubscribed_at=timezone.now()
            )
        else:
            address.muted_domains.add(*domains)
    ctx = {
        "domains": domains,
        "done": done,
        "all": scope == ALL_DOMAINS,
        "email": address.email,
        "team_address": address,
    }
    return render(request, "alerts/unsubscribe.html", ctx)


def _unsubscribe_mailbox(request: HttpRequest, address: TeamAlertAddress) -> HttpResponse:
    """The one-click unsubscribe of a digest that several teams' rows of one address made
    together (emails._digest_sections): the mailbox stops that digest, so every team's row
    that gets it is unsubscribed, as each team's own link would; the teams' members and
    other addresses keep theirs. Not a row whose address is one of its team's members' now
    (s26a): its digests were never in the email (that person's own settings decide what the
    mailbox gets), and should they leave the team, the row's digests are that team's to
    stop, not this link's."""
    rows = [
        r
        for r in [address, *(r for r in address.digest_rows() if r.pk != address.pk)]
        if not r.is_members()
    ]
    done = request.method == "POST"
    if done:
        TeamAlertAddress.objects.filter(pk__in=[r.pk for r in rows], unsubscribed_at=None).update(
            unsubscribed_at=timezone.now()
        )
    ctx = {
        "domains": [],
        "done": done,
        "all": True,
        "email": address.email,
        "team_address": address,
        "teams": sorted({r.team.name for r in rows}, key=str.lower),
    }
    return render(request, "alerts/unsubscribe.html", ctx)


# --- the team's extra addresses --------------------------------------------------------------


def _owned_team_or_404(request: HttpRequest, code: UUID) -> Team:
    """The team, when the signed-in person is its owner (who changes the team's settings, as
    on the team page); 404 for its other members as for outsiders."""
    team = get_team_or_404(request, code)
    if not team.is_owner(request.user):  # type: ignore[arg-type]
        raise Http404
    return team


def _consume_mail_limits(request: HttpRequest, email: str) -> bool:
    """Whether this confirmation mail is within the limits of the account page's "add an
    address" (ACCOUNT_RATE_LIMITS, allauth's counters, shared with it): "manage_email" per
    person, "confirm_email" per address. Shared on purpose: a stranger's mailbox gets at most
    that many of our codes and links, whichever form asks."""
    return ratelimit.consume(
        request, action="manage_email", user=request.user
    ) and ratelimit.consume(request, action="confirm_email", key=email.lower())


def send_address_confirmation(request: HttpRequest, address: TeamAlertAddress) -> None:
    ctx = {
        "address": address,
        "team": address.team,
        "adder": request.user,
        "confirm_url": settings.SITE_ROOT + reverse("alerts:confirm_address", args=[address.token]),
        "valid_days": ADDRESS_CONFIRM_VALIDITY.days,
    }
    # A reply ("what is this?") goes to the owner who added it, not to our no-reply From.
    email = getattr(request.user, "email", "")
    headers = {"Reply-To": email} if email else None
    send_templated("emails/alert-address-confirm", ctx, [address.email], headers=headers)


def send_address_resume(
    request: HttpRequest, address: TeamAlertAddress, stopped: list[Domain]
) -> None:
    """The owner's request to a confirmed address that stopped `stopped`: one link that
    resumes them (the confirmation link's page, confirm_address)."""
    ctx = {
        "address": address,
        "team": address.team,
        "adder": request.user,
        "stopped": stopped,
        "resume_url": settings.SITE_ROOT + reverse("alerts:confirm_address", args=[address.token]),
        "valid_days": ADDRESS_CONFIRM_VALIDITY.days,
    }
    email = getattr(request.user, "email", "")
    headers = {"Reply-To": email} if email else None
    send_templated("emails/alert-address-resume", ctx, [address.email], headers=headers)


@login_required
@require_POST
def add_address(request: HttpRequest, code: UUID) -> HttpResponse:
    """The owner adds an address for the team's alerts; it gets one confirmation link and
    nothing else until someone there follows it. Added again while pending, the same link is
    sent again (a lost mail); added again after it unsubscribed, it must confirm anew. Added
    again while confirmed but with domains it stopped (an alert's unsubscribe link), it is
    mailed a link that resumes them: the mailbox opted out, so the mailbox opts back in, and
    its other domains keep coming meanwhile."""
    team = _owned_team_or_404(request, code)
    form = TeamAddressForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("email", [])) or "Check the address.")
        return redirect(_addresses_anchor())
    email, mode = form.cleaned_data["email"], form.cleaned_data["mode"]
    if email in member_addresses(team.pk):
        messages.info(
            request,
            f"{email} is a member of {team.name}: its alerts follow that person's own "
            "settings on this page.",
        )
        return redirect(_addresses_anchor())
    with transaction.atomic():
        # One add at a time per team (PostgreSQL row lock; SQLite serialises writers), so
        # two at once cannot pass the cap together.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        address = team.alert_addresses.filter(email=email).first()
        stopped: list[Domain] = []
        if address is not None and address.state == "confirmed":
            stopped = list(address.muted_domains.order_by("name").only("name"))
            if not stopped:
                messages.info(request, f"{email} already gets the team's alerts.")
                return redirect(_addresses_anchor())
        if address is None and team.alert_addresses.count() >= MAX_TEAM_ADDRESSES:
            messages.error(
                request,
                f"{team.name} has {MAX_TEAM_ADDRESSES} alert addresses, the most a team may "
                f"have: remove one before adding another.{_never_confirmed(team)}",
            )
            return redirect(_addresses_anchor())
        if not _consume_mail_limits(request, email):
            messages.error(
                request,
                f"Too many confirmation emails have been sent (to {email}, or by you) "
                "lately: try again later.",
            )
            return redirect(_addresses_anchor())
        now = timezone.now()
        # The Alerts page's "Send a new link" of an expired one posts here too.
        renewed = address is not None and address.link_expired
        if address is None:
            address = TeamAlertAddress.objects.create(
                team=team, email=email, mode=mode, added_by=request.user
            )
        elif address.state == "unsubscribed":
            address.restart()
        elif renewed:
            address.renew_link()
        if not stopped:
            address.mode = mode
        # A confirmed address keeps its mode (the owner's Save changes it): only its resume
        # link's window starts (TeamAlertAddress.resume_link_usable).
        address.confirmation_sent_at = now
        address.save(update_fields=["mode", "confirmation_sent_at"])
    if stopped:
        send_address_resume(request, address, stopped)
        messages.success(
            request,
            f"We sent {email} a link to get the alerts about {domain_names(stopped)} again. Until "
            "someone there follows it, those stay stopped; the other domains' alerts go on.",
        )
        return redirect(_addresses_anchor())
    send_address_confirmation(request, address)
    link = "a new confirmation link" if renewed else "a confirmation link"
    old_link = " (the old one no longer works)" if renewed else ""
    messages.success(
        request,
        f"We sent {link} to {email}{old_link}. It gets no alerts until someone there follows it.",
    )
    return redirect(_addresses_anchor())


def _never_confirmed(team: Team) -> str:
    """For the cap's message: which of the team's addresses never confirmed and whose link
    expired (the owner may send a new link or remove one); "" when none."""
    expired = [a.email for a in team.alert_addresses.order_by("created", "pk") if a.link_expired]
    if not expired:
        return ""
    names = expired[0] if len(expired) == 1 else f"{', '.join(expired[:-1])} and {expired[-1]}"
    their = "its link" if len(expired) == 1 else "their links"
    return f" {names} never confirmed: {their} expired."


def _addresses_anchor() -> str:
    return reverse("alerts:settings") + "#team-addresses"


@login_required
@require_POST
def remove_address(request: HttpRequest, code: UUID) -> HttpResponse:
    if not TeamAlertAddress.objects.filter(code=code).exists():
        # Removed by the first click of a double click (or in another tab): say so rather
        # than "not found". One that is gone tells outsiders nothing.
        messages.info(request, "That address no longer gets the team's alerts.")
        return redirect(_addresses_anchor())
    address = get_alert_address_or_404(request, code)
    _owned_team_or_404(request, address.team.code)
    address.delete()  # its queued emails go with it
    messages.success(request, f"{address.email} no longer gets the team's alerts.")
    return redirect(_addresses_anchor())


@login_required
@require_POST
def set_address_mode(request: HttpRequest, code: UUID) -> HttpResponse:
    address = get_alert_address_or_404(request, code)
    _owned_team_or_404(request, address.team.code)
    form = TeamAddressModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the offered options.")
        return redirect(_addresses_anchor())
    address.mode = form.cleaned_data["mode"]
    address.save(update_fields=["mode"])
    label = TeamAlertAddress.Mode(address.mode).label.lower()
    messages.success(request, f"{address.email}: {label}.")
    return redirect(_addresses_anchor())


# No login: whoever reads the mailbox confirms, and has no account. The token in the link is
# the authorisation; a GET only shows a button (mail scanners fetch every link), and a HEAD
# answers as that GET does (s46b). never_cache: the page names the team, signed out (s40h).
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_address(request: HttpRequest, token: str) -> HttpResponse:
    address = TeamAlertAddress.objects.select_related("team").filter(token=token).first()
    if address is None or address.unsubscribed_at is not None:
        return render(request, "alerts/confirm_address.html", {"invalid": True}, status=404)
    ctx = {"address": address, "team": address.team}
    if address.resume_link_sent():
        # The owner's request to hear again about the domains this address stopped.
        return _resume_address(request, address, ctx)
    if address.confirmed_at is not None:
        return render(request, "alerts/confirm_address.html", {**ctx, "done": True})
    if not address.link_usable():
        return render(request, "alerts/confirm_address.html", {**ctx, "expired": True}, status=404)
    if request.method == "POST":
        address.confirm()
        return render(request, "alerts/confirm_address.html", {**ctx, "done": True})
    return render(request, "alerts/confirm_address.html", ctx)


def _resume_address(
    request: HttpRequest, address: TeamAlertAddress, ctx: dict[str, object]
) -> HttpResponse:
    """The link add_address mailed a confirmed address with stopped domains: a button that
    resumes them (a GET changes nothing, mail scanners fetch links), once, while it is fresh."""
    stopped = list(address.muted_domains.order_by("name").only("name"))
    ctx = {**ctx, "stopped": stopped, "stopped_names": domain_names(stopped) if stopped else ""}
    if not stopped:  # resumed since by a link of its own, or the domains are gone
        return render(request, "alerts/confirm_address.html", {**ctx, "done": True})
    if not address.resume_link_usable():
        ctx = {**ctx, "expired": True, "resume": True}
        return render(request, "alerts/confirm_address.html", ctx, status=404)
    if request.method == "POST":
        address.resume()
        return render(request, "alerts/confirm_address.html", {**ctx, "resumed": True})
    return render(request, "alerts/confirm_address.html", {**ctx, "resume": True})
