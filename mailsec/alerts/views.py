"""Alert settings per domain and for all of a team's, and the one-click unsubscribe page."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mailsec.accounts.scope import current_team, get_domain_or_404, get_team_or_404
from mailsec.alerts.emails import ALL_DOMAINS, WEEKLY, read_unsubscribe_token
from mailsec.alerts.forms import FilterForm, ModeForm
from mailsec.alerts.models import (
    AlertDefault,
    AlertRecipient,
    AlertSetting,
    Change,
    Notification,
)
from mailsec.domains.models import Domain

Mode = AlertSetting.Mode
# How the domain list counts each mode: "180 in the daily digest, 20 emailed at once".
COUNT_WORDS = {
    Mode.IMMEDIATE: "emailed at once",
    Mode.DIGEST: "in the daily digest",
    Mode.OFF: "with no emails",
}
# Domains per page of the list, as the domain list pages them (domains.listing.PAGE_SIZE).
PAGE_SIZE = 50


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
    # What the page shows of each domain, not its last check's summary; team_id too: the
    # related manager reads it on each row.
    kept = kept.order_by("name").only("team_id", "code", "name", "verified_at")
    listing = Paginator(kept, PAGE_SIZE).get_page(request.GET.get("page"))
    query = form.query()
    # Where a row's Save comes back to: this page of this filter (the page as Paginator
    # settled it, not a number out of range or a stray parameter).
    here_query = query + (f"page={listing.number}" if listing.number > 1 else "")
    ctx = {
        "page": "alerts",
        "team": team,
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
        "weekly_summary": recipient is None or recipient.weekly_summary,
        "modes": Mode.choices,
        "recent": Change.objects.filter(domain__team=team)
        .exclude(state=Change.State.DISMISSED)
        .select_related("domain")
        .order_by("-created")[:20],
        "failed": Notification.objects.filter(
            user=request.user, status=Notification.Status.FAILED
        ).order_by("-created")[:5],
    }
    return render(request, "alerts/settings.html", ctx)


@login_required
@require_POST
def set_all(request: HttpRequest, code: UUID) -> HttpResponse:
    """One mode for every domain of the team, for the signed-in person only."""
    team = get_team_or_404(request, code)
    form = ModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the offered options.")
        return redirect("alerts:settings")
    mode = form.cleaned_data["mode"]
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
    form = ModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the offered options.")
        return redirect("alerts:settings")
    mode = form.cleaned_data["mode"]
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
    choice the person can see and change on the page (one form does all of a team's)."""
    AlertRecipient.objects.filter(user=request.user).update(unsubscribed_all=False)
    messages.success(
        request,
        "Alert emails are on again for domains added later. Domains you turned off stay off: "
        "choose a setting for them below, one by one or all at once.",
    )
    return redirect("alerts:settings")


# No login and no CSRF token: RFC 8058 one-click unsubscribe is a bare POST from the mail
# client with "List-Unsubscribe=One-Click"; the signed token is the authorisation. A GET only
# shows a button, because mail scanners fetch every link in a message.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    decoded = read_unsubscribe_token(token)
    if decoded is None:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    user, scope = decoded
    if scope == WEEKLY:
        done = request.method == "POST"
        if done:
            AlertRecipient.objects.update_or_create(user=user, defaults={"weekly_summary": False})
        ctx = {"weekly": True, "done": done, "email": user.email}
        return render(request, "alerts/unsubscribe.html", ctx)
    domains = Domain.objects.filter(team__memberships__user=user)
    if scope != ALL_DOMAINS:
        domains = domains.filter(code=scope)
    domains = list(domains.order_by("name").only("code", "name"))
    done = False
    if request.method == "POST":
        _turn_off(user, domains)
        if scope == ALL_DOMAINS:
            AlertRecipient.objects.update_or_create(
                user=user, defaults={"unsubscribed_all": True, "weekly_summary": False}
            )
        done = True
    ctx = {"domains": domains, "done": done, "all": scope == ALL_DOMAINS, "email": user.email}
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
