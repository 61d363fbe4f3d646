"""Alert settings per domain, and the one-click unsubscribe page."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mailsec.accounts.scope import current_team, get_domain_or_404
from mailsec.alerts.emails import ALL_DOMAINS, WEEKLY, read_unsubscribe_token
from mailsec.alerts.models import AlertRecipient, AlertSetting, Change, Notification
from mailsec.domains.models import Domain


@login_required
@require_GET
def alert_settings(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    chosen = dict(
        AlertSetting.objects.filter(user=request.user, domain__team=team).values_list(
            "domain_id", "mode"
        )
    )
    # What the page shows of each domain, not its last check's summary (an MSP has hundreds);
    # team_id too: the related manager reads it on each row.
    domains = list(team.domains.order_by("name").only("team_id", "code", "name", "verified_at"))
    default = AlertSetting.default_mode(request.user)  # type: ignore[arg-type]
    for d in domains:
        d.alert_mode = chosen.get(d.pk, default)  # type: ignore[attr-defined]
    ctx = {
        "page": "alerts",
        "team": team,
        "domains": domains,
        "unsubscribed_all": default == AlertSetting.Mode.OFF,
        "weekly_summary": not AlertRecipient.objects.filter(
            user=request.user, weekly_summary=False
        ).exists(),
        "modes": AlertSetting.Mode.choices,
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
    return redirect(target)


@login_required
@require_POST
def set_weekly(request: HttpRequest) -> HttpResponse:
    on = request.POST.get("weekly") == "on"
    AlertRecipient.objects.update_or_create(user=request.user, defaults={"weekly_summary": on})
    messages.success(request, "Weekly summary on." if on else "Weekly summary off.")
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
