from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from checks.findings import MECHANISM_TITLES, SEVERITY_ORDER, Mechanism
from mailsec.accounts.scope import current_team, get_domain_or_404, get_run_or_404
from mailsec.domains.forms import AddDomainForm, SelectorsForm
from mailsec.domains.models import CheckRun, Domain
from mailsec.freecheck import ratelimit
from mailsec.scoring.chart import Chart, build_chart
from mailsec.scoring.explain import explain

HISTORY_DAYS = 90
LIST_SKIPS = ("findings", "score_detail", "mechanisms", "error")
LIST_PAGE_SIZE = 50
# Part of the cache key of a run's rendered panels: bump it when their markup, the
# explanations or the verdict labels change, so no stale panel outlives a deploy.
PANELS_VERSION = 1
PAGE_CACHE_SECONDS = 86400  # as in templates/domains/details.html's {% cache %} blocks
# "Check now": a new run per domain at most once a minute, and 30 an hour per person.
CHECK_NOW_LIMITS = ((60, 1, "domain"), (3600, 30, "user"))


def _over_limit(key: str, limit: int, period: int) -> bool:
    """A fixed-window counter shared by every process: the free check's (atomic in Redis, and
    in the database without it, where the file cache's add/incr are not)."""
    return ratelimit.hit(f"domains:{key}", limit, period) is not None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    week_ago = CheckRun.objects.filter(
        domain=OuterRef("pk"),
        status=CheckRun.Status.DONE,
        created__lte=timezone.now() - timedelta(days=7),
    ).order_by("-created")
    domains = (
        team.domains.select_related("last_run")
        # A run's findings are tens of kB: the list reads only the run's small fields
        # (its worst finding is stored apart, CheckRun.worst).
        .defer(*(f"last_run__{f}" for f in LIST_SKIPS))
        .annotate(week_ago_score=Subquery(week_ago.values("score")[:1]))
        .order_by("name")
    )
    # Pages of LIST_PAGE_SIZE: a team with a thousand domains gets a page it can read, and one
    # that costs the same to make as a team with fifty.
    listing = Paginator(domains, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "page": "domains",
        "team": team,
        "domains": listing.object_list,
        "listing": listing,
        "form": AddDomainForm(),
    }
    return render(request, "domains/index.html", ctx)


@login_required
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    form = AddDomainForm(request.POST)
    if form.is_valid():
        name = form.cleaned_data["name"]
        domain = team.domains.filter(name=name).first()
        if domain is None:
            domain = Domain.objects.create(team=team, name=name)
            messages.success(request, f"Added {domain.display_name}. Now prove you control it.")
        return redirect("domains:details", domain.code)
    domains = (
        team.domains.select_related("last_run")
        .defer(*(f"last_run__{f}" for f in LIST_SKIPS))
        .order_by("name")
    )
    ctx = {"page": "domains", "team": team, "domains": domains, "form": form}
    return render(request, "domains/index.html", ctx, status=400)


@dataclass
class Panel:
    mechanism: str
    title: str
    status: str
    explanation: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    category: dict[str, Any] = field(default_factory=dict)


def _panels(run: CheckRun) -> list[Panel]:
    order = {str(s): i for i, s in enumerate(SEVERITY_ORDER)}
    categories = run.score_detail.get("categories", {})
    panels = []
    for mech in Mechanism:
        found = [f for f in run.findings if f.get("mechanism") == str(mech)]
        if not found and str(mech) not in run.mechanisms:
            continue
        found.sort(key=lambda f: order.get(f.get("status", ""), len(order)))
        category = categories.get(str(mech), {})
        status = run.mechanisms.get(str(mech), "na")
        # The engine rolls a mechanism up to its worst finding, so one informational note
        # among passes reads "info"; when the score counts the mechanism as fully good, say so.
        if status == "info" and category.get("reason") == "good":
            status = "pass"
        panels.append(
            Panel(
                mechanism=str(mech),
                title=MECHANISM_TITLES[mech],
                status=status,
                explanation=explain(str(mech)),
                findings=found,
                category=category,
            )
        )
    return panels


def _parse_uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        raise Http404 from None


# Random codes in the keys, not row ids: ids come back after a rollback or a restore.
def chart_key(domain: Domain) -> str:
    return f"{domain.code}:{domain.last_run.code if domain.last_run else ''}:{PANELS_VERSION}"


def panels_key(run: CheckRun | None) -> str:
    return f"{run.code if run else ''}:{PANELS_VERSION}"


def warm_page_cache(domain: Domain) -> None:
    """Render the domain page's chart and its last run's panels into the cache, as the page's
    {% cache %} blocks would: called when a run finishes, so the first visit after a check
    does not pay for rendering a hundred findings and the history."""
    run = domain.last_run
    if run is None or run.status != CheckRun.Status.DONE:
        return
    blocks = (
        (
            "domain-chart",
            chart_key(domain),
            "domains/_chart.html",
            {"chart": History(domain).chart},
        ),
        ("domain-panels", panels_key(run), "domains/_panels.html", {"panels": _panels(run)}),
    )
    for name, key, template, ctx in blocks:
        html = render_to_string(template, ctx)
        cache.set(make_template_fragment_key(name, [key]), html, PAGE_CACHE_SECONDS)


class History:
    """The chart's runs, read only if the template needs them (not when the chart's markup
    comes from the cache)."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    @cached_property
    def chart(self) -> Chart:
        since = timezone.now() - timedelta(days=HISTORY_DAYS)
        runs = list(
            self.domain.runs.filter(status=CheckRun.Status.DONE, created__gte=since)
            # domain_id too, in every only() through domain.runs: the related manager reads
            # it on each row it returns, which was one query per run when it was left out.
            .only("domain_id", "created", "score", "score_version", "mechanisms")
            .order_by("created")
        )
        return build_chart(runs)


@login_required
@require_GET
def details(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_or_404(request, code)
    run = domain.last_run
    run_code = _parse_uuid(request.GET.get("run"))
    if run_code:
        run = get_run_or_404(request, code, run_code)
    ctx = {
        "page": "domains",
        "domain": domain,
        "run": run,
        "active_run": domain.active_run(),
        "history": History(domain),
        # The chart changes only when a run finishes (it then becomes last_run).
        "chart_key": chart_key(domain),
        "recent_runs": list(
            domain.done_runs().only("domain_id", "code", "created", "score", "score_version")[:30]
        ),
        "panels": _panels(run) if run and run.status == CheckRun.Status.DONE else [],
        "panels_key": panels_key(run),
        "changes": run.changes_since(run.previous()) if run else [],
        "selectors_form": SelectorsForm(initial={"selectors": domain.dkim_selectors}),
    }
    return render(request, "domains/details.html", ctx)


@login_required
@require_POST
def verify(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_or_404(request, code)
    if _over_limit(f"verify:{domain.pk}", 10, 60):
        messages.error(request, "Too many attempts; wait a minute and try again.")
    elif domain.is_verified or domain.verify():
        messages.success(request, f"{domain.display_name} is verified. The first check is queued.")
        domain.request_check(kind="scheduled")
    else:
        messages.error(request, domain.verify_error)
    return redirect("domains:details", domain.code)


@login_required
@require_POST
def remove(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_or_404(request, code)
    domain.delete()
    messages.success(request, f"Removed {domain.display_name} and its history.")
    return redirect("domains:index")


@login_required
@require_POST
def selectors(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_or_404(request, code)
    form = SelectorsForm(request.POST)
    if form.is_valid():
        domain.dkim_selectors = form.cleaned_data["selectors"]
        domain.save(update_fields=["dkim_selectors"])
        messages.success(request, "DKIM selectors saved; the next check uses them.")
    else:
        messages.error(request, " ".join(form.errors.get("selectors", ["Invalid selectors."])))
    return redirect("domains:details", domain.code)


@login_required
@require_POST
def check_now(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_or_404(request, code)
    if not domain.is_verified:
        messages.error(request, "Verify the domain first; only verified domains are checked.")
        return redirect("domains:details", domain.code)
    run = domain.active_run()
    if run is None:
        keys = {"domain": domain.pk, "user": request.user.pk}
        if any(_over_limit(f"check:{w}:{keys[w]}", n, p) for p, n, w in CHECK_NOW_LIMITS):
            messages.error(request, "This domain was checked a moment ago; try again in a minute.")
            return redirect("domains:details", domain.code)
        # Concurrent requests meet in request_check(), which locks the domain's row.
        run, _ = domain.request_check(kind="manual")
    if request.htmx:
        return render(request, "domains/_progress.html", {"domain": domain, "run": run})
    return redirect("domains:details", domain.code)


@login_required
@require_GET
def progress(request: HttpRequest, code: UUID, run_code: UUID) -> HttpResponse:
    run = get_run_or_404(request, code, run_code)
    response = render(request, "domains/_progress.html", {"domain": run.domain, "run": run})
    if not run.is_active and request.htmx:
        # The run ended while the page watched: reload it to show the new results.
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def compare(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_or_404(request, code)
    new_code = _parse_uuid(request.GET.get("to"))
    old_code = _parse_uuid(request.GET.get("from"))
    new = get_run_or_404(request, code, new_code) if new_code else domain.last_run
    if new is None:
        raise Http404
    old = get_run_or_404(request, code, old_code) if old_code else new.previous()
    if old is not None and old.created > new.created:
        old, new = new, old
    ctx = {
        "page": "domains",
        "domain": domain,
        "old": old,
        "new": new,
        "changes": new.changes_since(old),
        "recent_runs": list(
            domain.done_runs().only("domain_id", "code", "created", "score", "score_version")[:60]
        ),
        "titles": {str(m): t for m, t in MECHANISM_TITLES.items()},
    }
    return render(request, "domains/compare.html", ctx)
