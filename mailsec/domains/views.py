from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, TextField, Window
from django.db.models.functions import Cast, Lag, Lead, Rank, RowNumber
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from checks.dns import txt_fix
from checks.domainname import host_name_parent
from checks.findings import MECHANISM_TITLES, SEVERITY_ORDER, Mechanism
from mailsec.accounts.models import Membership, Team
from mailsec.accounts.scope import (
    READ_ONLY,
    current_team,
    get_domain_or_404,
    get_domain_pk_and_role_or_404,
    get_domain_to_change_or_404,
    get_run_or_404,
    require_editor,
)
from mailsec.domains import bulk, existence, export, listing, pagecache
from mailsec.domains.fixparts import (
    ZoneRecords,
    example_mailbox_note,
    published_records,
    records_to_publish,
)
from mailsec.domains.forms import (
    AddDomainForm,
    DomainListForm,
    SelectorsForm,
    host_name_words,
    taken_from,
)
from mailsec.domains.models import (
    VERIFY_MIN_LOOKUP,
    CheckRun,
    Domain,
    display_name,
    name_sort_key,
)
from mailsec.domains.tasks import VERIFY_IN_BACKGROUND_FOR_DAYS
from mailsec.freecheck import concurrency, ratelimit
from mailsec.hosting.models import HostedPolicy
from mailsec.middleware import back_after_sign_in
from mailsec.scoring.chart import MAX_POINTS, Chart, build_chart, sparse_chart
from mailsec.scoring.explain import (
    NOT_DEPLOYED,
    cost_text,
    explain,
    is_not_deployed,
    repeats_of_errors,
    verdict_label,
    with_missing_badges,
)

if TYPE_CHECKING:
    from checks.dns import DnsAnswer

log = logging.getLogger(__name__)

HISTORY_DAYS = 90
# Part of the cache keys of the domain page's cached parts (page_fragments) and of its whole
# content: bump it when their markup (_details.html, _progress.html, _history.html, _run.html,
# _tlsrpt.html and what they include), the explanations or the verdict labels change, so no
# stale part outlives a deploy.
PANELS_VERSION = 44
PAGE_CACHE_SECONDS = 86400
# A domain page's whole content is cached for this long at most (pagecache): it shows only
# absolute times, and what changes it starts a new version of it at once.
PAGE_PERIOD = 3600
PAGE_SHOWN_FOR = timedelta(seconds=PAGE_PERIOD)
# "Check now": a new run per domain at most once a minute, and 30 an hour per person.
CHECK_NOW_LIMITS = ((60, 1, "domain"), (3600, 30, "user"))
CHECK_REFUSED = {
    "unverified": "Verify the domain first; only verified domains are checked.",
    "domain": "This domain was checked a moment ago; try again in a minute.",
    "user": "You have started many checks in the last hour; try again later.",
}
# Verify looks the challenge TXT up inside the web request: up to the DNS timeout (8 s), then
# the hint lookups, then the rivals' records for a domain newly verified. A person gets one such
# lookup at a time (a slot shared by every process, as the free check API's) and a number of
# them across all their domains, on top of the 10 a minute per domain: otherwise a few accounts
# with 50 unverified domains each could hold every web thread.
VERIFY_DOMAIN_LIMIT = (10, 60)
VERIFY_USER_LIMIT = (20, 600)
# A slot expires on its own after this long, so a request killed mid-lookup (gunicorn's 30 s
# timeout) does not keep its person from verifying.
VERIFY_HOLD_SECONDS = 40
# The most of a ?add= name put in the add field: a domain name is at most 253 characters.
ADD_PREFILL_LENGTH = 300
# Across everyone, Verify's lookups take their turn in slots of their own
# (freecheck/concurrency.VERIFY, MAILSEC_VERIFY_CONCURRENCY): a cap on the web threads they
# hold, whoever started them, kept below the web server's threads with the free check API's
# so pages still load when a thousand people press Verify at once; and apart from the API's,
# so anonymous API callers cannot make customers' Verify busy. A refused press is no loss:
# until the domain is verified the background task looks for the record every few minutes.
VERIFY_REFUSED = {
    "running": "A verification you started is still looking for its record; "
    "wait a few seconds for it and try again.",
    "busy": "We are busy with many lookups right now; try again in a moment (until the "
    "domain is verified we also look for the record ourselves every few minutes).",
    "domain": "Too many attempts; wait a minute and try again.",
    "user": "You have pressed Verify many times in the last 10 minutes; try again later "
    "(until the domain is verified we also look for the record ourselves every few minutes).",
}


def max_unverified() -> int:
    """Domains a team may have added and not verified (MAILSEC_MAX_UNVERIFIED, 50 unless
    set). Each is looked up in the background for VERIFY_IN_BACKGROUND_FOR_DAYS
    (verify_pending, a batch at a time, for every team); without a cap one account could add
    names by the thousand, making us query other people's DNS and leaving everyone else's new
    domains waiting for their turn. Verified domains are not capped. An operator whose MSPs
    import hundreds of clients' names at once raises it (s35w: it stopped such a first
    import at 50)."""
    return int(settings.MAILSEC_MAX_UNVERIFIED)


def adds_per_day() -> int:
    """New domains a team may add a day (MAILSEC_ADDS_PER_DAY, twice max_unverified unless
    set): removing names and adding others would otherwise get round max_unverified (each new
    one is looked up at once by the background task)."""
    return int(settings.MAILSEC_ADDS_PER_DAY)


PROGRESS_GONE = "This check is no longer available: its domain may have been removed."
# Mechanisms by their id in stored runs ("tls-rpt"), as people read them ("TLS reporting").
TITLES = {str(m): t for m, t in MECHANISM_TITLES.items()}


def htmx_login_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """login_required for the views htmx calls. htmx follows a redirect itself and swaps what
    it finds, so a login redirect would put the login page inside the slot: an htmx request
    from someone signed out (an expired session) gets HX-Redirect instead, and the browser
    goes to the login page, coming back to the page it was on."""
    guarded = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Not for htmx restoring a page on Back (a cache miss): it swaps whatever it gets
        # into the page and ignores HX-Redirect, so the login page it follows to is better
        # than an empty one.
        if (
            request.htmx
            and not request.htmx.history_restore_request
            and not request.user.is_authenticated
        ):
            # Same-origin only (None otherwise): never a way to send people elsewhere.
            back = request.htmx.current_url_abs_path or "/"
            return HttpResponseClientRedirect(redirect_to_login(back).url)
        return guarded(request, *args, **kwargs)

    return wrapper


def _counter(key: str) -> str:
    """The shared counter (or slot) this module's `key` names in freecheck.ratelimit."""
    return f"domains:{key}"


def _verify_allowance(domain_pk: int) -> str:
    """A domain's own Verify allowance (VERIFY_DOMAIN_LIMIT), the key _over_limit takes: spent
    by its Verify and by Verify all's lookup of it, so pressing both never looks a name up
    more often."""
    return f"verify:{domain_pk}"


def _over_limit(key: str, limit: int, period: int) -> bool:
    """A fixed-window counter shared by every process: the free check's (atomic in Redis, and
    in the database without it, where the file cache's add/incr are not)."""
    return ratelimit.hit(_counter(key), limit, period) is not None


def _used_up(key: str, limit: int, period: int) -> bool:
    """Whether `_over_limit(key, ...)` would refuse now, counting nothing."""
    return ratelimit.used(_counter(key), period) >= limit


@contextmanager
def _one_at_a_time(key: str, hold: int) -> Iterator[bool]:
    """Whether this request got the slot `key` (shared by every process, ratelimit.take_slot);
    given back when the block ends."""
    slot = ratelimit.take_slot(_counter(key), hold)
    try:
        yield slot is not None
    finally:
        ratelimit.give_back(slot)


@contextmanager
def _lookup_turn(wanted: bool) -> Iterator[bool]:
    """Whether this request got one of Verify's slots for lookups made inside a web request
    (freecheck/concurrency.VERIFY); none is taken when not `wanted`."""
    slot = concurrency.VERIFY.acquire() if wanted else None
    try:
        yield slot is not None
    finally:
        concurrency.VERIFY.release(slot)


# The mark of _list.html's empty state for a team without any domain.
NO_DOMAINS_YET = 'id="no-domains-yet"'


def _list_page(request: HttpRequest, form: AddDomainForm, status: int = 200) -> HttpResponse:
    team = current_team(request)
    shown = _list_form(request)
    # Pages of listing.PAGE_SIZE: a team with a thousand domains gets a page it can read, and
    # one that costs the same to make as a team with fifty.
    list_html, _ = _list_html(team, shown, request.GET.get("page"), request=request)
    no_domains_yet = NO_DOMAINS_YET in list_html
    ctx = {
        "page": "domains",
        "team": team,
        "list_form": shown,
        "list_html": list_html,
        # No filter bar on the empty list of a team without domains: there is nothing to
        # filter (index.html). A filter the URL asks for stays shown, to be changed. The list
        # says when the team has no domain at all (_list.html, from the count it is made with
        # and cached with), so this costs no query of its own.
        "show_filter": not (no_domains_yet and shown.is_default),
        # What to do next, under the empty list: the list is cached for the whole team, the
        # words depend on the person's role (index.html).
        "no_domains_yet": no_domains_yet,
        "form": form,
        # A viewer gets no add form (the list's rows link to pages they may read).
        "can_edit": team.can_edit(request.user),  # type: ignore[arg-type]
    }
    return render(request, "domains/index.html", ctx, status=status)


class _ListOrder:
    """The ids of the domains a filtered or sorted list keeps, in its order, as the Paginator
    asks for them: their number (counted in SQL), then one page of them.

    Sorted by name, every kept domain's id and name are read and sorted here, as
    listing.page_of_rows does (no database collation orders digit runs as numbers or U-labels
    by their letters). Sorted by score or by the last check, SQL pages by that key and only
    the domains sharing a key with the page are read and sorted by name here: the first and
    last keys of the page (SQL's ORDER BY and OFFSET) and how many domains come before the
    first (RANK), then the domains with a key between them. A page of a team of thousands
    then reads tens of names, not thousands (as many as share one score, at worst)."""

    def __init__(self, kept: QuerySet[Domain], shown: DomainListForm, count: int) -> None:
        self.kept = kept
        self.key = shown.order_key()
        self.number = count

    def count(self) -> int:
        return self.number

    def __len__(self) -> int:
        return self.number

    def __getitem__(self, wanted: slice) -> list[int]:
        start, stop = wanted.start or 0, min(wanted.stop, self.number)
        if start >= stop:
            return []
        if self.key is None:
            names = self.kept.values_list("pk", "name")
            return [pk for pk, _ in sorted(names, key=lambda row: name_sort_key(row[1]))][
                start:stop
            ]
        keyed = self.kept.annotate(order_key=self.key)
        order = F("order_key").asc(nulls_last=True)
        edges = list(
            keyed.annotate(before=Window(Rank(), order_by=order))
            .order_by(order)
            .values_list("order_key", "before")[start:stop]
        )
        if not edges:
            # Fewer domains than counted: a teammate removed some since (each query sees what
            # others committed): an empty page, as the name order gives, not a 500.
            return []
        (first, rank), (last, _) = edges[0], edges[-1]
        if first is None:
            between = Q(order_key__isnull=True)
        elif last is None:
            between = Q(order_key__gte=first) | Q(order_key__isnull=True)
        else:
            between = Q(order_key__gte=first, order_key__lte=last)
        group = sorted(
            keyed.filter(between).values_list("pk", "name", "order_key"),
            key=lambda row: (row[2] is None, row[2] or 0, name_sort_key(row[1])),
        )
        skipped = rank - 1  # domains before the first key, on earlier pages
        return [pk for pk, _, _ in group[start - skipped : stop - skipped]]


def _list_html(
    team: Team,
    shown: DomainListForm,
    page: str | None,
    fresh: bool = False,
    request: HttpRequest | None = None,
) -> tuple[SafeString, str]:
    """One page of the team's list as `shown` asks (table, count and pager, or why it is
    empty), and in words what it holds, for the live region an htmx swap updates (only when
    `fresh`, "" otherwise).

    All domains by name is listing's page, cached until the team's domains change (its words
    from a count of them: clearing the filter costs a cache read and a count, not the whole
    team's rows). Filtered or sorted otherwise, the database keeps, counts and pages the
    team's domains (DomainListForm.where, _ListOrder); then the page's rows are read, all
    that listing._row shows of them. The number of queries does not depend on the team's
    size.

    The list of the domains not verified (and nothing else kept out) offers Verify all
    (verify_all) to whoever may press it, the signed-in person of `request`: its count is
    the list's own, so the button costs no query, and it comes and goes with the filter
    when htmx swaps the list alone."""
    if shown.is_default:
        html = listing.page_html(team, page)
        if not fresh:
            return html, ""
        total = team.domains.count()
        return html, _list_words(shown, total, total, "")
    domains = team.domains.all()
    where = shown.where(domains)
    found: list[listing.StatusCount] = []
    others: list[listing.StatusCount] = []
    if where is None:
        # Sorted, nothing left out: the total, and what to look at (listing.statuses) as
        # the list of every domain says it, in the same query.
        counts = domains.aggregate(total=Count("pk"), **listing.status_counts())
        total = kept_count = counts["total"]
        kept = domains
        found = listing.statuses(counts)
    else:
        # With a status kept, what the team's domains have too (the same query): an empty list
        # says it, so "Needs attention" finding none does not read as all well while some
        # are failing (s38f).
        by_status = listing.status_counts() if shown.choice["status"] else {}
        counts = domains.aggregate(total=Count("pk"), kept=Count("pk", filter=where), **by_status)
        total, kept_count = counts["total"], counts["kept"]
        kept = domains.filter(where)
        if not kept_count and not shown.choice["q"]:
            others = listing.statuses(counts)
    pages = Paginator(_ListOrder(kept, shown, kept_count), listing.PAGE_SIZE).get_page(page)
    wanted = list(pages.object_list)
    by_pk = {v["pk"]: v for v in domains.filter(pk__in=wanted).values(*listing.ROW_FIELDS)}
    now = timezone.now()
    rows = [listing._row(by_pk[pk], now) for pk in wanted if pk in by_pk]
    summary = shown.summary()
    clear = shown.query(q="", status="").rstrip("&")
    ctx = {
        "rows": listing.rendered(rows),
        "listing": pages,
        "total": total,
        "filtered": shown.filtered,
        "summary": summary,
        "query": shown.query(),
        "statuses": found,
        # A status kept none: what the team's domains have instead, as links (_list.html).
        "other_statuses": others,
        # Its links keep the order chosen.
        "status_sort": "" if shown.choice["sort"] == "name" else f"&sort={shown.choice['sort']}",
        # Clearing the filter keeps the order chosen.
        "clear_url": reverse("domains:index") + (f"?{clear}" if clear else ""),
    }
    if (
        request is not None
        and kept_count
        and shown.choice["status"] == "unverified"
        and not shown.choice["q"]
        and team.can_edit(request.user)  # type: ignore[arg-type]
    ):
        ctx.update(
            verify_all=kept_count,
            verify_all_max=VERIFY_ALL_MAX,  # one press looks at so many
            team_code=team.code,
            csrf_token=get_token(request),
        )
    if kept_count and shown.choice["status"] == "unverified":
        # Every record those domains need, in one file (records_csv), for whoever may read
        # the list: the viewer who hands them on to the DNS people too.
        ctx["records_csv"] = True
    words = _list_words(shown, kept_count, total, summary)
    return mark_safe(render_to_string("domains/_list.html", ctx)), words  # our template


def _list_words(shown: DomainListForm, kept: int, total: int, summary: str) -> str:
    """What the list shows, in words for the live region: `kept` of the team's `total`
    domains, kept by what `summary` says."""
    if not shown.filtered:
        words = f"{total} domain{pluralize(total)}."
    elif kept:
        words = f"{kept} of {total} domain{pluralize(total)}: {summary}."
    else:
        words = f"No domain matches the filter: {summary}."
    if kept:
        words += f" Sorted by {dict(DomainListForm.SORTS)[shown.choice['sort']].lower()}."
    return words


def _team_changed(request: HttpRequest, team: Team, form: Any, field: str) -> bool:
    """Whether the add form was loaded for another team than the current one: the person
    switched teams in another tab since, and the names would land in a team they did not see
    on the page. Then the form's only error says so, and nothing is added. A post without the
    form's team code (a script) adds to the current team, as before.

    Asked before require_editor (it reads only the POST): a viewer of the new current team
    who pressed Add on a page of a team they may change is told what happened, not refused
    as read-only. They get no add form to show the error in: it is a message."""
    posted = request.POST.get("team", "")
    if not posted:
        return False
    try:
        if UUID(posted) == team.code:
            return False
    except ValueError:
        pass  # not a code of ours: not the current team's either
    if not team.can_edit(request.user):  # type: ignore[arg-type]
        messages.error(
            request,
            f"Your current team changed since this page was loaded: it is now {team.name}, "
            "where you have read-only access. Nothing was added. Switch back to the team you "
            "meant (on your account page) to add there.",
        )
        return True
    form.is_valid()
    form.errors[field] = form.error_class(
        [
            f"Your current team changed since this page was loaded: it is now {team.name}. "
            f"Nothing was added. Add again to add to {team.name}."
        ]
    )
    return True


# Outermost, so every answer carries it, the signed-out one too: the same URL answers a page
# or the list alone. What browsers and proxies may keep is PrivateAnswersMiddleware's rule,
# as for every signed-in answer (private, no-store: s40h; its own copy went in s41f).
@vary_on_headers("HX-Request")
@htmx_login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The team's domains, filtered and sorted as the URL says (DomainListForm). The filter
    form's htmx requests get the list alone, and the live region's words out of band; a
    request without JavaScript, or htmx restoring the page of a back button, gets the page."""
    if request.htmx.target == "domain-list" and not request.htmx.history_restore_request:
        team = current_team(request)
        if _list_team_changed(request, team):
            # The list of the new team under the heading of the old one would mislead: the
            # whole page again, as the filter asked, under its own heading.
            messages.info(request, f"Your current team changed: this is {team.name}'s list.")
            return HttpResponseClientRedirect(_list_url(request))
        shown = _list_form(request)
        html, words = _list_html(team, shown, request.GET.get("page"), True, request=request)
        live = format_html('<p id="list-live" hx-swap-oob="innerHTML">{}</p>', words)
        response = HttpResponse(html + live)
        # The address bar gets the filter without its empty parameters (s35x: htmx pushed
        # the request's own URL, ?q=&status=failing&sort=score): the form's requests push
        # it, the text box's (LIST_FIND) replace the current entry, as their hx-push-url /
        # hx-replace-url ask; the header takes their place.
        how = "HX-Replace-Url" if request.htmx.trigger == LIST_FIND else "HX-Push-Url"
        response[how] = _list_url(request)
        return response
    # ?add= comes from the free check's "Monitor … — sign up free" (freecheck.signup_url):
    # the name is put in the add field for the person to press Add, never added on a GET.
    to_add = request.GET.get("add", "").strip()[:ADD_PREFILL_LENGTH]
    return _list_page(request, AddDomainForm(initial={"name": to_add} if to_add else None))


# The id of the list filter's text box field (index.html), whose requests replace the
# address rather than push it.
LIST_FIND = "list-find"


def _list_url(request: HttpRequest) -> str:
    """The list's address for the filter's request, its empty parameters left out (the others
    as asked, in their order)."""
    kept = [(key, value) for key, values in request.GET.lists() for value in values if value]
    return reverse("domains:index") + (f"?{urlencode(kept)}" if kept else "")


def _list_form(request: HttpRequest) -> DomainListForm:
    """The list's filter as the URL asks, a text to find that compares as nothing (dots
    only: DomainListForm.needle strips them) left out, so the words of the count ("with
    “...” in the name") never describe a filter that keeps every domain."""
    data = request.GET.copy()
    if data.get("q") and not DomainListForm(data).needle:
        data["q"] = ""
    return DomainListForm(data)


# The header the filter form's htmx requests carry (index.html's hx-headers): the team the
# page was loaded for.
LIST_TEAM_HEADER = "Mailsec-Team"


def _list_team_changed(request: HttpRequest, team: Team) -> bool:
    """Whether the filter's request was made on a page of another team than the current one
    (the person switched teams in another tab since), as _team_changed for the add form. A
    request without the header (a script) gets the current team's list, as before."""
    sent = request.headers.get(LIST_TEAM_HEADER, "")
    if not sent:
        return False
    try:
        return UUID(sent) != team.code
    except ValueError:
        return True  # not a code of ours: not the current team's either


def _add_form_again(request: HttpRequest) -> str | None:
    """After signing in again (the session ended while the page was open): the domain list
    with the name typed in its add field, for the person to press Add (never added then)."""
    name = request.POST.get("name", "").strip()[:ADD_PREFILL_LENGTH]
    return f"{reverse('domains:index')}?{urlencode({'add': name})}" if name else None


@back_after_sign_in(_add_form_again)
@login_required
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    form = AddDomainForm(request.POST)
    if _team_changed(request, team, form, "name"):
        return _list_page(request, form, status=400)
    require_editor(request, team)
    if form.is_valid():
        name = form.cleaned_data["name"]
        full, wait, added = False, None, False
        # Counted and added under the team's lock (bulk.adding): two adds at once would both
        # count 49 waiting and both add, leaving 51.
        with bulk.adding(team):
            domain = team.domains.filter(name=name).first()
            cap, per_day = max_unverified(), adds_per_day()
            full = domain is None and team.domains.filter(verified_at=None).count() >= cap
            if domain is None and not full:
                wait = ratelimit.hit(bulk.adds_bucket(team), per_day, 86400)
            if domain is None and not full and not wait:
                try:
                    with transaction.atomic():
                        domain = Domain.objects.create(team=team, name=name)
                except IntegrityError:
                    # A second post of the form (a double click) lost the race to the first:
                    # the same domain, added once.
                    domain = team.domains.get(name=name)
                else:
                    added = True
        if full:
            form.add_error(
                "name",
                f"Your team has {cap} domains waiting to be verified: verify or "
                "remove some of them before adding more.",
            )
            return _list_page(request, form, status=400)
        if wait:
            form.add_error(
                "name",
                f"Your team has added {per_day} domains today: try again tomorrow.",
            )
            response = _list_page(request, form, status=429)
            response["Retry-After"] = str(wait)
            return response
        assert domain is not None
        # A pasted URL or address gives its domain: say which text it came from, so nobody
        # wonders where their path, port or mailbox went.
        source = taken_from(request.POST.get("name", ""), domain.name, domain.display_name)
        came = f" (from {source})" if source else ""
        if added:
            messages.success(
                request, f"Added {domain.display_name}{came}. Now prove you control it."
            )
            _warn_if_host_name(request, domain)
            # Looked up once added, the team's lock released: a typo is added all the same
            # (a domain being set up may not exist yet), with a word (existence.py); so is a
            # name the lookup could not tell of, saying so (s37f).
            found = existence.look_up([domain.name])
            if domain.name in found.missing:
                messages.warning(request, existence.missing_words(domain.display_name))
                Domain.note_not_in_dns([domain])  # the list and its page keep saying it
            elif domain.name in found.unknown:
                messages.info(request, existence.unknown_words(domain.display_name))
        else:
            # Typed again (in another case, as a URL, or by a teammate earlier): the same row.
            messages.info(
                request, f"{domain.display_name}{came} is already in your team's domains."
            )
        return redirect("domains:details", domain.code)
    return _list_page(request, form, status=400)


def _warn_if_host_name(request: HttpRequest, domain: Domain) -> None:
    """Say so when the name added looks like a host of a mail domain rather than the mail
    domain itself (checks.domainname.host_name_parent). Kept as typed: www.example.com may
    really receive mail, and only the owner knows."""
    from checks.tasks import engine_config

    parent = host_name_parent(domain.name, engine_config().extra_public_suffixes)
    if parent is None:
        return
    messages.warning(request, host_name_words(domain.display_name, display_name(parent)))


@dataclass
class Panel:
    mechanism: str
    title: str
    status: str
    explanation: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    category: dict[str, Any] = field(default_factory=dict)

    @property
    def not_deployed(self) -> bool:
        return is_not_deployed(self.status, self.category)

    @property
    def verdict(self) -> str:
        return NOT_DEPLOYED if self.not_deployed else verdict_label(self.status)

    @property
    def verdict_status(self) -> str:
        """The style of the header's label: "Not deployed" in warning colours, as its findings'
        "Missing" badges (s37m); otherwise the panel's status. The score is unchanged."""
        return "warn" if self.not_deployed else self.status

    @property
    def opened(self) -> bool:
        """Open what needs the owner: a problem, or a mechanism that is not deployed."""
        return self.status in ("fail", "warn") or self.not_deployed

    @property
    def cost(self) -> str:
        return cost_text(self.category, self.findings)


def _our_tlsrpt_fix(run: CheckRun) -> tuple[str, str] | None:
    """(record name, the text of the `_smtp._tls` record to publish) naming this domain's
    report address and the owner's addresses the latest check found (at the alias target,
    when the name is an alias): the engine, which knows no mailsec, suggests a mailbox at the
    domain itself, and the page must not offer two different records for one name."""
    if run.domain_id is None:
        return None
    from reports.models import ReportAddress
    from reports.templatetags.reports_tags import record_to_keep

    address = (
        ReportAddress.objects.filter(domain_id=run.domain_id).order_by("created", "pk").first()
    )
    if address is None:
        return None
    name = f"_smtp._tls.{address.domain_name}"
    return name, address.rua_record(record_to_keep(run))


def _with_our_tlsrpt(fix: str, name: str, record: str, target: str) -> str:
    """`fix` with the engine's `_smtp._tls` record replaced by ours (`record`). Without an
    alias, a fix that starts with the record at `name`, its other lines kept. With `name` an
    alias of `target`, a fix whose record the engine put at the target (the record at the
    target, or the alias note offering the target or, with the alias deleted, `name`): each
    record line becomes ours at the same name, the engine's words around them kept. Any other
    fix is left as it is."""
    if fix.startswith(name + "."):
        # The engine's record (its first line) becomes ours; its other steps stay (TLSRPT-01's
        # "Delete the record at <domain>, where senders never look" for a record it moves).
        return "\n".join([txt_fix(name, record), *fix.splitlines()[1:]])
    at_target = f"{target}. TXT "
    if not target or not fix.startswith((at_target, f"{name} is an alias")):
        return fix
    lines = []
    for line in fix.splitlines():
        if line.startswith(at_target):
            line = txt_fix(target, record)
        elif line.startswith(f"{name}. TXT "):
            line = txt_fix(name, record)
        lines.append(line)
    return "\n".join(lines)


def _shown_status(run: CheckRun, mechanism: str) -> str:
    status = run.mechanisms.get(mechanism, "na")
    # The engine rolls a mechanism up to its worst finding, so one informational note
    # among passes reads "info"; when the score counts the mechanism as fully good, say so.
    category = run.score_detail.get("categories", {}).get(mechanism, {})
    if status == "info" and category.get("reason") == "good":
        return "pass"
    return status


def shown_verdict(run: CheckRun, mechanism: str) -> tuple[str, str]:
    """(status, words) of a mechanism in a run as its panel shows them: a record that is gone
    reads "Not deployed", not "Note", wherever the page names the mechanism's verdict."""
    status = _shown_status(run, mechanism)
    category = run.score_detail.get("categories", {}).get(mechanism, {})
    return status, NOT_DEPLOYED if is_not_deployed(status, category) else verdict_label(status)


@dataclass
class FindingLine:
    """One line of a change list: findings with the same words are one line, counted, so
    five DNSSEC checks saying "not signed; nothing to check" do not fill the card."""

    summary: str
    count: int = 1
    # For a finding whose status changed: "MTASTS-01: Good → Note".
    detail: str = ""
    # For a new or gone finding: its verdict in the panel's words and its check ids
    # ("Failing", "MTASTS-11"), so a new failure and a new pass do not read alike.
    verdict: str = ""
    ids: str = ""
    # Many "could not check" lines of one check and one reason (repeats_of_errors): the
    # others, folded after this first one (s40b), as the panels fold their findings.
    repeats: list[FindingLine] = field(default_factory=list)

    @property
    def repeats_count(self) -> int:
        return sum(line.count for line in self.repeats)


@dataclass
class ChangeLine:
    mechanism: str
    before_status: str
    before: str
    after_status: str
    after: str
    added: list[FindingLine]
    removed: list[FindingLine]
    changed: list[FindingLine]


def _lines(findings: list[dict[str, Any]], fold: bool = True) -> list[FindingLine]:
    """Findings with the same words and verdict as one line, counted, naming their ids; past
    OPEN_ERRORS_OF_ONE_CHECK "could not check" findings of one check and one reason, the
    first's line with the others' as its repeats (`fold`)."""
    repeats = repeats_of_errors(findings) if fold else {}
    folded = {id(f) for same in repeats.values() for f in same}
    lines: dict[tuple[str, str], FindingLine] = {}
    for f in findings:
        if id(f) in folded:
            continue
        key = (f.get("summary", ""), f.get("status", ""))
        check_id = f.get("id", "")
        if key in lines:
            line = lines[key]
            line.count += 1
            if check_id and check_id not in line.ids.split(", "):
                line.ids = f"{line.ids}, {check_id}" if line.ids else check_id
        else:
            line = lines[key] = FindingLine(key[0], verdict=verdict_label(key[1]), ids=check_id)
        if id(f) in repeats:
            line.repeats += _lines(repeats[id(f)], fold=False)
    return list(lines.values())


def _changed_lines(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]], fold: bool = True
) -> list[FindingLine]:
    """Findings whose status changed, one line a summary and change (their ids named); folded
    as _lines folds them, by the new finding (many that became "could not check")."""
    repeats = repeats_of_errors([new for _, new in pairs]) if fold else {}
    folded = {id(f) for same in repeats.values() for f in same}
    olds = {id(new): old for old, new in pairs}
    grouped: dict[tuple[str, str], FindingLine] = {}
    for old, new in pairs:
        if id(new) in folded:
            continue
        moved = f"{verdict_label(old.get('status', ''))} → {verdict_label(new.get('status', ''))}"
        key = (new.get("summary", ""), moved)
        line = grouped.get(key)
        if line is None:
            line = grouped[key] = FindingLine(key[0], 0, moved)
        line.count += 1
        check_id = new.get("id", "")
        if check_id not in line.ids.split(", "):
            line.ids = f"{line.ids}, {check_id}" if line.ids else check_id
        if id(new) in repeats:
            line.repeats += _changed_lines([(olds[id(f)], f) for f in repeats[id(new)]], fold=False)
    for line in grouped.values():
        line.detail = f"{line.ids}: {line.detail}"
    return list(grouped.values())


def change_lines(run: CheckRun, prev: CheckRun | None) -> list[ChangeLine]:
    """run.changes_since(prev) as the page says it: each side's verdict in its panel's words,
    identical finding lines once."""
    if prev is None:
        return []
    lines = []
    for c in run.changes_since(prev):
        before_status, before = shown_verdict(prev, c.mechanism)
        after_status, after = shown_verdict(run, c.mechanism)
        lines.append(
            ChangeLine(
                mechanism=c.mechanism,
                before_status=before_status,
                before=before,
                after_status=after_status,
                after=after,
                added=_lines(c.added),
                removed=_lines(c.removed),
                changed=_changed_lines(c.changed),
            )
        )
    return lines


def score_lines(run: CheckRun, prev: CheckRun | None) -> list[str]:
    """Why the score moved from `prev` to `run`, category by category as each run's score
    counted it (score_detail): the categories whose weight, reason or lost points differ.
    Compare shows them when the scores differ: no finding may have changed its verdict
    (MTA-STS withdrawn keeps MTASTS-33 an info finding, its mode now none; a new score
    version weighs the same findings otherwise), and "nothing changed" would be untrue."""
    if prev is None or prev.score == run.score:
        return []
    before = (prev.score_detail or {}).get("categories") or {}
    after = (run.score_detail or {}).get("categories") or {}
    lines = []
    for mech in dict.fromkeys([*before, *after]):
        old, new = before.get(mech) or {}, after.get(mech) or {}
        parts = ("weight", "counted", "reason", "lost")
        if all(old.get(k) == new.get(k) for k in parts):
            continue
        if not (old.get("weight") or new.get("weight")):
            continue  # weighs nothing either time (BIMI): no part of the score
        title = TITLES.get(mech, mech)
        lines.append(f"{title}: {_counted_words(old)} → {_counted_words(new)}")
    return lines


def _counted_words(category: dict[str, Any]) -> str:
    """One category as a run's score counted it, e.g. "good, weight 25, no points lost"."""
    if not category:
        return "not scored"
    words = [str(category.get("reason") or "not scored"), f"weight {category.get('weight', 0)}"]
    if not category.get("counted"):
        words.append("not counted")
    elif category.get("lost"):
        words.append(f"{category['lost']:g} points lost")
    else:
        words.append("no points lost")
    return ", ".join(words)


# An unsigned zone's DNSSEC checks all say "<apex> is not signed; nothing to check."
UNSIGNED_SUFFIX = " is not signed; nothing to check."
UNSIGNED_WORDS = (
    "{apex} is not DNSSEC-signed, so the DNSSEC checks of its zone, and DANE, which depends "
    "on them, don't apply."
)


def _collapse_na(found: list[dict[str, Any]], mechanism: str) -> list[dict[str, Any]]:
    """Findings that do not apply and say the same words are one line, their checks listed
    under it (an unsigned zone's five DNSSEC rows read as one plain sentence, task s37b)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in found:
        if f.get("status") == "na":
            groups.setdefault(f.get("summary", ""), []).append(f)
    out: list[dict[str, Any]] = []
    for f in found:
        same = groups.get(f.get("summary", ""), []) if f.get("status") == "na" else []
        if len(same) < 2:
            out.append(f)
            continue
        if f is not same[0]:
            continue
        summary = f.get("summary", "")
        if mechanism == "dnssec" and summary.endswith(UNSIGNED_SUFFIX):
            summary = UNSIGNED_WORDS.format(apex=summary.removesuffix(UNSIGNED_SUFFIX))
        out.append(
            {
                "id": ", ".join(g.get("id", "") for g in same),
                "status": "na",
                "summary": summary,
                "subject": f.get("subject", ""),
                "collapsed": same,
            }
        )
    return out


def _fold_repeated_errors(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`found` with the repeats of many "could not check" findings of one check and one
    reason (as the free check folds them, repeats_of_errors) taken out and put under the
    first as its "repeats", which the panel folds right after it: each is still on the page,
    with its subject."""
    repeats = repeats_of_errors(found)
    if not repeats:
        return found
    folded = {id(f) for same in repeats.values() for f in same}
    return [
        {**f, "repeats": repeats[id(f)]} if id(f) in repeats else f
        for f in found
        if id(f) not in folded
    ]


def _panels(run: CheckRun) -> list[Panel]:
    order = {str(s): i for i, s in enumerate(SEVERITY_ORDER)}
    categories = run.score_detail.get("categories", {})
    ours = _our_tlsrpt_fix(run)
    from reports.templatetags.reports_tags import tlsrpt_alias_target

    # Where the engine puts the record when _smtp._tls is an alias, as the TLS reports card says.
    alias_target = tlsrpt_alias_target(run) if ours is not None else ""
    name = run.domain.display_name if run.domain_id else ""
    mail_name = run.domain.name if run.domain_id else ""  # as the engine writes it in fixes
    panels = []
    for mech in Mechanism:
        found = [f for f in run.findings if f.get("mechanism") == str(mech)]
        if ours is not None:
            found = [
                {**f, "fix": _with_our_tlsrpt(f.get("fix") or "", *ours, alias_target)}
                if f.get("fix")
                else f
                for f in found
            ]
        if not found and str(mech) not in run.mechanisms:
            continue
        # A record with the engine's example report mailbox says so under it, as the free
        # check does (the TLS-RPT one has our address by now; DMARC's has none of ours).
        found = [
            {**f, "fix_note": note}
            if (note := example_mailbox_note(f.get("fix") or "", mail_name))
            else f
            for f in found
        ]
        found.sort(key=lambda f: order.get(f.get("status", ""), len(order)))
        found = _collapse_na(found, str(mech))
        category = categories.get(str(mech), {})
        status = _shown_status(run, str(mech))
        found = _fold_repeated_errors(with_missing_badges(found, status, category))
        panels.append(
            Panel(
                mechanism=str(mech),
                title=MECHANISM_TITLES[mech],
                status=status,
                explanation=explain(str(mech), name),
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


# Cache keys of the page's parts. Random codes, not row ids: ids come back after a rollback or
# a restore. The history and the TLS-RPT card change when a run finishes (it becomes last_run).
def chart_key(domain: Domain) -> str:
    return f"{domain.code}:{domain.last_run.code if domain.last_run else ''}:{PANELS_VERSION}"


def panels_key(run: CheckRun | None) -> str:
    return f"{run.code if run else ''}:{PANELS_VERSION}"


def page_fragments(domain: Domain, run: CheckRun | None) -> dict[str, SafeString]:
    """The domain page's parts that change only when a run finishes: the history (chart and
    compare menu) and the TLS-RPT card with the last run, a finished run's changes and
    panels with that run. From the cache in one round trip; the missing ones are rendered
    and stored."""
    page = {"domain": domain, "history": History(domain)}
    zone = timezone.get_current_timezone_name()  # times shown in the reader's zone
    parts = {
        "history": (
            f"domain-page:history:{zone}:{chart_key(domain)}",
            "domains/_history.html",
            page,
        ),
        "tlsrpt": (f"domain-page:tlsrpt:{zone}:{chart_key(domain)}", "domains/_tlsrpt.html", page),
    }
    if run is not None and run.status == CheckRun.Status.DONE:
        # The latest run's part also lists the records still to publish; a past run's does
        # not (they were what that run asked for).
        latest = run.pk == domain.last_run_id
        details = {"details": RunDetails(run, latest), "titles": TITLES}
        key = f"domain-page:run:{zone}:{panels_key(run)}:{'latest' if latest else 'past'}"
        parts["run"] = (key, "domains/_run.html", details)
    found = cache.get_many([key for key, _, _ in parts.values()])
    missing = {}
    fragments = {}
    for name, (key, template, ctx) in parts.items():
        if key not in found:
            found[key] = missing[key] = render_to_string(template, ctx)
        fragments[name] = mark_safe(found[key])  # our own templates' output
    if missing:
        cache.set_many(missing, PAGE_CACHE_SECONDS)
    return fragments


def warm_page_cache(domain: Domain) -> None:
    """Called when a run finishes: render the page now, its parts and its whole content, so
    the first visit after a check does not pay for rendering a hundred findings and the
    history."""
    run = domain.last_run
    if run is not None and run.status == CheckRun.Status.DONE:
        page_fragments(domain, run)
    # Read again inside: what is cached must be read after its version is taken.
    fresh = Domain.objects.select_related("last_run", "hosted_policy").defer(
        "last_run__findings", "last_run__mechanisms"
    )
    pagecache.cached(
        "domain",
        domain.pk,
        _content_name(None),
        PAGE_PERIOD,
        lambda: page_content(fresh.get(pk=domain.pk)),
    )


class History:
    """The chart's runs, read only if the template needs them (not when the chart's markup
    comes from the cache)."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    @cached_property
    def chart(self) -> Chart:
        """The chart of the last HISTORY_DAYS, reading of a long history only the runs where
        something changes and the points it draws (mailsec.scoring.chart.sparse_chart):
        hourly checks are two thousand runs in 90 days, for 150 points."""
        since = timezone.now() - timedelta(days=HISTORY_DAYS)
        in_order = {"order_by": [F("created").asc(), F("pk").asc()]}
        scored = (
            self.domain.runs.filter(
                status=CheckRun.Status.DONE, created__gte=since, score__isnull=False
            )
            # domain_id too, in every only() through domain.runs: the related manager reads
            # it on each row it returns, which was one query per run when it was left out.
            .only("domain_id", "created", "score", "score_version", "mechanisms")
            # Only this key of score_detail (the whole of it is several times the rest of the
            # row): the chart tells a partial run's score apart by it, in the same query.
            .annotate(
                not_checked=F("score_detail__not_checked"),
                position=Window(RowNumber(), **in_order),
            )
            .order_by("created", "pk")
        )
        # Each run beside its neighbours, in SQL: of a history longer than the chart's points
        # only the first, the last and the runs that differ from the one before or after them
        # come back (a shorter one comes whole, in this one query). not_checked as text: a
        # JSON key compares with no lookups of its own.
        compared = ("mechanisms", "score", "score_version", "not_checked_text")
        neighbours = {}
        steps = Q(total__lte=MAX_POINTS) | Q(position=1) | Q(position=F("total"))
        for i, name in enumerate(compared):
            for side, function in (("before", Lag), ("after", Lead)):
                alias = f"{side}_{i}"
                neighbours[alias] = Window(function(name), **in_order)
                steps |= _differs(name, alias)
        runs = list(
            scored.annotate(total=Window(Count("pk")))
            .alias(not_checked_text=Cast("score_detail__not_checked", TextField()))
            .alias(**neighbours)
            .filter(steps)
        )
        if not runs:
            return build_chart([])

        def read(positions: list[int]) -> dict[int, CheckRun]:
            found = scored.filter(position__in=[p + 1 for p in positions])
            return {run.position - 1: run for run in found}  # type: ignore[attr-defined]

        positions = [run.position - 1 for run in runs]  # type: ignore[attr-defined]
        return sparse_chart(runs, positions, runs[0].total, read)  # type: ignore[attr-defined]

    @cached_property
    def recent_runs(self) -> list[CheckRun]:
        """The runs the compare menu offers, newest first."""
        return list(
            self.domain.done_runs().only(
                "domain_id", "code", "created", "score", "score_version", "kind"
            )[:30]
        )

    days = HISTORY_DAYS

    @property
    def none_scored(self) -> bool:
        """Checks were made, none of them able to make a score (every scored lookup timed out
        or failed): why an empty chart is empty, said in place of "after the first check"."""
        runs = self.recent_runs
        return bool(runs) and all(run.score is None for run in runs)


def _differs(field: str, neighbour: str) -> Q:
    """`field` is not what the window annotation `neighbour` holds, NULL being a value of its
    own (a run before not_checked was stored against one after it)."""
    one_null = Q(**{f"{field}__isnull": True}) ^ Q(**{f"{neighbour}__isnull": True})
    return one_null | ~Q(**{field: F(neighbour)})


class RunDetails:
    """What the page shows of one run, computed only if the template needs it: a finished
    run's panels and changes come from the cache (views.warm_page_cache) on most visits."""

    def __init__(self, run: CheckRun | None, latest: bool = False) -> None:
        self.run = run
        self.latest = latest

    @cached_property
    def panels(self) -> list[Panel]:
        run = self.run
        return _panels(run) if run and run.status == CheckRun.Status.DONE else []

    @cached_property
    def records(self) -> ZoneRecords | None:
        """The records the latest run's fixes still ask for, for "Copy all records" (an MSP
        setting up many domains pastes them into a zone at once): the fixes of its failures
        and warnings, and of the notes of a mechanism not deployed (no TLS-RPT record), as
        each panel shows them (our TLS-RPT address in place of the engine's)."""
        if not self.latest or self.run is None or self.run.domain_id is None:
            return None
        fixes = [
            f["fix"]
            for panel in self.panels
            for f in panel.findings
            if f.get("fix")
            and (
                f.get("status") in ("fail", "warn")
                or (f.get("status") == "info" and panel.not_deployed)
            )
        ]
        # What is published now, as this run found it: a record of a kind published at its
        # name replaces that one and is offered on its own, never in "Copy all records".
        published = published_records(self.run.findings or [])
        return records_to_publish(fixes, self.run.domain.name, published)

    @cached_property
    def changes(self) -> list[ChangeLine]:
        return change_lines(self.run, self.run.previous()) if self.run else []


@login_required
@require_GET
def details(request: HttpRequest, code: UUID) -> HttpResponse:
    run_code = _parse_uuid(request.GET.get("run"))
    # The ownership check, on every request; a viewer's page is the same without its forms.
    domain_pk, role = get_domain_pk_and_role_or_404(request, code)
    can_edit = Membership.role_can_edit(role)

    def make() -> tuple[str, str, str]:
        # The last run's findings (tens of kB) are read only when its panels are not cached.
        domain = get_domain_or_404(
            request,
            code,
            related=("hosted_policy",),
            defer=("last_run__findings", "last_run__mechanisms"),
        )
        run = get_run_or_404(request, code, run_code) if run_code else None
        return page_content(domain, run, can_edit=can_edit)

    # Made again when the domain, one of its runs or its hosted policy changes, or the hour
    # does (pagecache); the worker makes it when a run finishes (warm_page_cache).
    title, html, token_mark = pagecache.cached(
        "domain", domain_pk, _content_name(run_code, can_edit), PAGE_PERIOD, make
    )
    return _details_page(request, title, html, token_mark)


def _details_page(
    request: HttpRequest, title: str, html: str, token_mark: str, status: int = 200
) -> HttpResponse:
    """The domain page around its content (page_content's answer)."""
    # Each request's own CSRF token in the forms.
    content = mark_safe(html.replace(token_mark, get_token(request)))  # our own templates
    ctx = {"page": "domains", "title": title, "content": content}
    return render(request, "domains/details.html", ctx, status=status)


def _content_name(run_code: UUID | None, can_edit: bool = True) -> str:
    # A viewer's page (no forms) is cached apart from the one with them.
    return f"page:{PANELS_VERSION}:{run_code or ''}" + ("" if can_edit else ":read-only")


def page_content(
    domain: Domain,
    run: CheckRun | None = None,
    selectors_form: SelectorsForm | None = None,
    can_edit: bool = True,
) -> tuple[str, str, str]:
    """The domain page's content showing `run` (the last run by default): (title, HTML, the
    stand-in for the CSRF token in its forms). `selectors_form`: the DKIM selectors form as
    posted, with its errors (that content is for one response, never cached). `can_edit`:
    false for a viewer of the team, whose page shows no buttons that change anything."""
    # The latest state, on the default view only: a past run's page is about that run.
    failed_run = domain.failure_since_last_run() if run is None and domain.is_verified else None
    # A null MX makes the score "not applicable" for transport. The last run's findings are
    # not read for the page (deferred): the domain keeps the answer (Domain.last_worst).
    no_mail = run.receives_no_mail if run is not None else domain.receives_no_mail
    run = run or domain.last_run
    token_mark = secrets.token_hex(16)
    policy = getattr(domain, "hosted_policy", None)
    # The name's policy of a team that no longer holds it, still winding down (s42y): its
    # release_at is fixed, and its changes start a new version of this page (pagecache).
    left = HostedPolicy.left_for(domain) if policy is None else None
    ctx = {
        "deletion_notice": policy.deletion_notice_for(PAGE_SHOWN_FOR) if policy else "",
        "still_served": left.still_served_notice if left is not None else "",
        "domain": domain,
        # The challenge's name as DNS panels want it too (most add the zone to what is typed).
        "challenge_zone": domain.panel_zone,
        "challenge_host": domain.relative_name(domain.challenge_name),
        "run": run,
        "no_mail": no_mail,
        "failed_run": failed_run,
        "active_run": domain.active_run(),
        "selectors_form": selectors_form
        or SelectorsForm(initial={"selectors": domain.dkim_selectors}, domain_name=domain.name),
        # Only a verified domain's page shows them.
        "fragments": page_fragments(domain, run) if domain.is_verified else {},
        "csrf_token": token_mark,
        "can_edit": can_edit,
        # verify_pending looks for the challenge only this long after the domain was added.
        "titles": TITLES,  # for the progress of an active run
        "verify_days": VERIFY_IN_BACKGROUND_FOR_DAYS,
        "verify_until": domain.created + timedelta(days=VERIFY_IN_BACKGROUND_FOR_DAYS),
        "verify_stopped": timezone.now()
        >= domain.created + timedelta(days=VERIFY_IN_BACKGROUND_FOR_DAYS),
    }
    return domain.display_name, render_to_string("domains/_details.html", ctx), token_mark


@login_required
@require_POST
def verify(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_to_change_or_404(request, code)
    if domain.is_verified:
        # Nothing to prove again, and no check to start: a check from here would bypass
        # Check now's limits (CHECK_NOW_LIMITS). A second tab or a double click lands here.
        messages.info(request, f"{domain.display_name} is already verified.")
    else:
        with (
            _one_at_a_time(f"verify-slot:{request.user.pk}", VERIFY_HOLD_SECONDS) as ours,
            _lookup_turn(ours) as turn,
        ):
            # A refused press looks nothing up and records nothing; nor does it count
            # against the allowances when another lookup of this person's is still running,
            # or when every lookup slot is taken.
            if not ours:
                messages.error(request, VERIFY_REFUSED["running"])
            elif not turn:
                messages.error(request, VERIFY_REFUSED["busy"])
            elif _over_limit(_verify_allowance(domain.pk), *VERIFY_DOMAIN_LIMIT):
                messages.error(request, VERIFY_REFUSED["domain"])
            elif _over_limit(f"verify:user:{request.user.pk}", *VERIFY_USER_LIMIT):
                messages.error(request, VERIFY_REFUSED["user"])
            elif domain.verify():
                messages.success(
                    request, f"{domain.display_name} is verified. The first check is queued."
                )
                domain.request_check(kind="scheduled")
            elif not Domain.objects.filter(pk=domain.pk).exists():
                messages.info(
                    request, f"{domain.display_name} was removed from your team meanwhile."
                )
                return redirect("domains:index")
            else:
                # The lookup failed: the page says why beside the record
                # (domain.verify_error, stored by verify()), once; a banner would repeat it.
                # Back at that sentence: on a phone it is below the fold of the page's top.
                url = reverse("domains:details", args=[domain.code])
                return redirect(f"{url}#verify-result")
    return redirect("domains:details", domain.code)


# "Verify all" (verify_all): an MSP that added 40 domains and published their records looks
# them all up with one press instead of 40. The lookups run inside the request, as Verify's
# do, but together: VERIFY_ALL_PARALLEL at a time (VERIFY_ALL_MAX names a press, the whole
# list with the default max_unverified; with more, the next press takes the rest, least
# recently looked at first), none started after VERIFY_ALL_BUDGET seconds, so the press holds a web
# thread about as long as one Verify does. It takes the same slots as Verify (one lookup of a
# person's at a time, one of Verify's turns across everyone), and each name counts against its
# own Verify allowance (VERIFY_DOMAIN_LIMIT): pressing both never looks a name up more often.
# A team presses it once a minute, and a person a few times in 10 minutes: a refused press
# loses nothing, as the background task looks for the records every few minutes.
VERIFY_ALL_MAX = 50
VERIFY_ALL_PARALLEL = 10
VERIFY_ALL_BUDGET = 15.0
VERIFY_ALL_TEAM_LIMIT = (1, 60)
VERIFY_ALL_USER_LIMIT = (5, 600)
VERIFY_ALL_REFUSED = {
    "team": "Verify all was pressed for this team less than a minute ago; try again in a minute.",
    "user": "You have pressed Verify all many times in the last 10 minutes; try again later "
    "(until the domains are verified we also look for their records every few minutes).",
}
# Why a name was not looked up by a press of Verify all (VerifyOutcome.why).
NOT_LOOKED_UP = {
    "domain": "Not looked up this time: Verify was pressed for it many times in the last "
    "minute. Try again in a minute.",
    "time": "Not looked up this time: the other lookups took all the time a press has. "
    "Press Verify all again.",
    "crash": "Not looked up this time: the lookup failed on our side. Press Verify all again.",
}


@dataclass
class VerifyOutcome:
    """What a press of Verify all found for one domain: verified, or why not (the reason its
    page gives beside the record, or why it was not looked up)."""

    domain: Domain
    verified: bool = False
    why: str = ""
    looked_up: bool = True
    # The lookup was made and failed (a timeout, SERVFAIL): nothing is known of the record.
    lookup_failed: bool = False


def _challenge_answers(
    domains: list[Domain], deadline: float
) -> list[DnsAnswer | BaseException | None]:
    """Each domain's challenge TXT answer, VERIFY_ALL_PARALLEL lookups at a time through the
    engine's resolver, each within what is left until `deadline` (time.monotonic()); None for
    a name whose lookup would have started with less than VERIFY_MIN_LOOKUP seconds left; the
    exception of a lookup that crashed (one name's bug must not lose the others' answers)."""
    from checks.dns import DnsClient
    from checks.tasks import engine_config

    timeout = engine_config().timeout
    turns = asyncio.Semaphore(VERIFY_ALL_PARALLEL)

    async def one(name: str) -> DnsAnswer | None:
        async with turns:
            left = deadline - time.monotonic()
            if left < VERIFY_MIN_LOOKUP:
                return None
            # A client each: one client's question budget is for one check of one domain.
            return await DnsClient(engine_config(timeout=min(timeout, left))).txt(name)

    async def every() -> list[DnsAnswer | BaseException | None]:
        names = (d.challenge_name for d in domains)
        return list(await asyncio.gather(*(one(n) for n in names), return_exceptions=True))

    return asyncio.run(every())


def verify_domains(domains: list[Domain], deadline: float) -> list[VerifyOutcome]:
    """Look up `domains`' challenge records together and record each outcome as Verify does
    (Domain.verify, given the answer: no hints, which cost lookups of their own; a domain's
    page gives them on its own Verify). A domain newly verified gets its first check."""
    outcomes = [VerifyOutcome(d) for d in domains]
    # Each name's own Verify allowance, read for them all at once.
    allowances = {o.domain.pk: _counter(_verify_allowance(o.domain.pk)) for o in outcomes}
    used = ratelimit.used_many(list(allowances.values()), VERIFY_DOMAIN_LIMIT[1])
    asked = []
    for outcome in outcomes:
        if used[allowances[outcome.domain.pk]] >= VERIFY_DOMAIN_LIMIT[0]:
            outcome.looked_up, outcome.why = False, NOT_LOOKED_UP["domain"]
        else:
            asked.append(outcome)
    answers = _challenge_answers([o.domain for o in asked], deadline)
    # The names whose challenge name does not exist: whether the name itself does, all
    # together within existence's bound and what is left of the press's ("No TXT record
    # found" cannot be acted on for a name not in the DNS, most often a typo). Too little
    # left: not looked up, and the names are "not known", as without an answer.
    nxdomain = [
        o.domain.name
        for o, a in zip(asked, answers, strict=True)
        if a is not None and not isinstance(a, BaseException) and a.nxdomain
    ]
    # missing None: not known (no answer in time, or the lookup off), and the note kept stays.
    found = existence.look_up(nxdomain, seconds=deadline - time.monotonic())
    read: list[tuple[Domain, DnsAnswer, bool | None]] = []
    started = []
    for outcome, answer in zip(asked, answers, strict=True):
        domain = outcome.domain
        if answer is None:
            # Never started (the press ran out of time): its Verify allowance is untouched.
            outcome.looked_up, outcome.why = False, NOT_LOOKED_UP["time"]
            continue
        # A lookup that started (crashed ones too) counts against the name's allowance, as
        # a press of its Verify does. Counted once started, not before: the lookups run in
        # the event loop, where the counter (the database without Redis) cannot be reached.
        started.append(allowances[domain.pk])
        if isinstance(answer, BaseException):
            log.error("Verify all: looking up %s failed", domain.name, exc_info=answer)
            outcome.looked_up, outcome.why = False, NOT_LOOKED_UP["crash"]
        else:
            read.append((domain, answer, found.missing_or_none(domain.name)))
    ratelimit.hit_many(started, VERIFY_DOMAIN_LIMIT[1])
    # Recorded together, as Verify records one (Domain.verify_many: an UPDATE for the names
    # not verified, one for those verified, the pages dropped once); a domain removed meanwhile
    # (by a teammate, in another tab) is not, and is said so.
    kept = Domain.verify_many(read)
    answered = {o.domain.pk: o for o in asked}
    for domain, answer, _ in read:
        outcome = answered[domain.pk]
        if domain.pk not in kept:
            outcome.why, outcome.lookup_failed = "Removed from your team meanwhile.", False
        elif domain.is_verified:
            outcome.verified = True
            domain.request_check(kind="scheduled")
        else:
            outcome.why = domain.verify_error
            outcome.lookup_failed = answer.failed
    return outcomes


@login_required
@require_POST
def verify_all(request: HttpRequest) -> HttpResponse:
    """Verify every domain of the current team that is not verified yet, in one press: the
    page answers with how many were verified and, for each one still not, why (the press is
    shown, not redirected to, as the bulk add's outcome is: pressing again is harmless)."""
    team = current_team(request)
    posted = request.POST.get("team", "")
    if posted and posted != str(team.code):
        messages.error(
            request,
            f"Your current team changed since this page was loaded: it is now {team.name}. "
            "Nothing was looked up. Press Verify all again to verify its domains.",
        )
        return redirect("domains:index")
    require_editor(request, team)
    pending = team.domains.filter(verified_at=None)
    domains = list(
        pending.order_by(F("verify_checked_at").asc(nulls_first=True), "pk")[:VERIFY_ALL_MAX]
    )
    if not domains:
        messages.info(request, f"Every domain of {team.name} is verified already.")
        return redirect("domains:index")
    with (
        _one_at_a_time(f"verify-slot:{request.user.pk}", VERIFY_HOLD_SECONDS) as ours,
        _lookup_turn(ours) as turn,
    ):
        refused = ""
        if not ours:
            refused = VERIFY_REFUSED["running"]
        elif not turn:
            refused = VERIFY_REFUSED["busy"]
        # The person's own allowance is looked at before the team's press is used up: a
        # person over their limit must not block their team for a minute. Counted after the
        # team's, so a press the team limit refuses costs the person nothing either.
        elif _used_up(f"verify-all:user:{request.user.pk}", *VERIFY_ALL_USER_LIMIT):
            refused = VERIFY_ALL_REFUSED["user"]
        elif _over_limit(f"verify-all:team:{team.pk}", *VERIFY_ALL_TEAM_LIMIT):
            refused = VERIFY_ALL_REFUSED["team"]
        elif _over_limit(f"verify-all:user:{request.user.pk}", *VERIFY_ALL_USER_LIMIT):
            refused = VERIFY_ALL_REFUSED["user"]
        if refused:
            messages.error(request, refused)
            return redirect("domains:index")
        outcomes = verify_domains(domains, time.monotonic() + VERIFY_ALL_BUDGET)
    verified = [o for o in outcomes if o.verified]
    not_verified = [o for o in outcomes if not o.verified]
    ctx = {
        "page": "domains",
        "team": team,
        "verified": verified,
        "not_verified": not_verified,
        # Our lookups failed (our resolver down, say): said apart from the records to
        # correct, as a check we could not make is never a failure.
        "lookups_failed": sum(o.lookup_failed for o in not_verified),
        "records_to_correct": any(o.looked_up and not o.lookup_failed for o in not_verified),
        "tried": len(outcomes),
        # Beyond VERIFY_ALL_MAX (domains that lost verification are not capped): the next
        # press takes them first, being the least recently looked at.
        "left_over": pending.exclude(pk__in=[o.domain.pk for o in outcomes]).count(),
    }
    return render(request, "domains/verify_all.html", ctx)


@login_required
@require_POST
def remove(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_to_change_or_404(request, code, related=("hosted_policy",))
    # Read before the deletion: a hosted policy that outlives its domain says until when.
    policy = getattr(domain, "hosted_policy", None)
    notice = policy.deletion_notice if policy else ""
    domain.delete_by(request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        f"Removed {domain.display_name} and its check history (its TLS reports are kept, and come "
        f"back if you add it again). {notice}".strip(),
    )
    return redirect("domains:index")


@login_required
@require_POST
def selectors(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_to_change_or_404(request, code)
    form = SelectorsForm(request.POST, domain_name=domain.name)
    if form.is_valid():
        domain.dkim_selectors = form.cleaned_data["selectors"]
        domain.save(update_fields=["dkim_selectors"])
        messages.success(request, "DKIM selectors saved; the next check uses them.")
        return redirect("domains:details", domain.code)
    # The page again with what was typed and the error beside the field: a redirect showed
    # the selectors saved before, and the owner typed every one of them again. An unverified
    # domain's page has no such form (a tab left open from before control was lost): there
    # the error is told at the top.
    errors = " ".join(error for field_errors in form.errors.values() for error in field_errors)
    below = "correct them below." if domain.is_verified else errors
    messages.error(request, f"The DKIM selectors were not saved: {below}")
    return _details_page(request, *page_content(domain, selectors_form=form), status=400)


def _refused(request: HttpRequest, domain: Domain, message: str) -> HttpResponse:
    """Check now not started. htmx swaps the answer into the page's progress slot: there it
    gets the progress fragment saying why (a redirect would nest a whole page in the slot)."""
    if request.htmx:
        ctx = {"domain": domain, "run": None, "message": message}
        return render(request, "domains/_progress.html", ctx)
    messages.error(request, message)
    return redirect("domains:details", domain.code)


@htmx_login_required
@require_POST
def check_now(request: HttpRequest, code: UUID) -> HttpResponse:
    domain = get_domain_or_404(request, code)
    if not domain.team.can_edit(request.user):  # type: ignore[arg-type]
        # Someone made a viewer while the page was open. htmx 2 swaps no 4xx answer, so the
        # 403 page would never show and the button would seem dead: htmx gets the refusal in
        # the progress slot (nothing started), a plain form post the 403 (require_editor).
        if request.htmx:
            return _refused(request, domain, READ_ONLY)
        require_editor(request, domain.team)
    if not domain.is_verified:
        return _refused(request, domain, CHECK_REFUSED["unverified"])
    run = domain.active_run()
    if run is None:
        keys = {"domain": domain.pk, "user": request.user.pk}
        for period, limit, who in CHECK_NOW_LIMITS:
            if _over_limit(f"check:{who}:{keys[who]}", limit, period):
                return _refused(request, domain, CHECK_REFUSED[who])
        # Concurrent requests meet in request_check(), which locks the domain's row.
        run, _ = domain.request_check(kind="manual")
    if request.htmx:
        ctx = {"domain": domain, "run": run, "titles": TITLES}
        return render(request, "domains/_progress.html", ctx)
    return redirect("domains:details", domain.code)


@htmx_login_required
@require_GET
def progress(request: HttpRequest, code: UUID, run_code: UUID) -> HttpResponse:
    try:
        run = get_run_or_404(request, code, run_code)
    except Http404:
        if not request.htmx:
            raise
        # The domain was removed (by a teammate, in another tab) while the page watched its
        # check. htmx keeps polling through a 404, every 2 s for as long as the page is open;
        # 286 stops it. The same answer for a run that is not the user's: it tells nothing.
        ctx = {"domain": None, "run": None, "message": PROGRESS_GONE}
        return HttpResponseStopPolling(render_to_string("domains/_progress.html", ctx))
    if not request.htmx:
        # The partial's URL opened as a page (a bookmark, copied from the browser's tools):
        # the domain's page, which shows the run's progress or its results, not the bare
        # fragment (s42p).
        return redirect("domains:details", run.domain.code)
    ctx = {"domain": run.domain, "run": run, "titles": TITLES}
    response = render(request, "domains/_progress.html", ctx)
    if not run.is_active:
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
        # In the domain page's words ("Failing → Not deployed"), identical lines once.
        "changes": change_lines(new, old),
        "score_lines": score_lines(new, old),
        "recent_runs": list(
            domain.done_runs().only(
                "domain_id", "code", "created", "score", "score_version", "kind"
            )[:60]
        ),
        "titles": TITLES,
    }
    return render(request, "domains/compare.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def add_many(request: HttpRequest) -> HttpResponse:
    """Many names at once (an MSP's customers), each read and limited as the single add reads
    and limits one (bulk.add_names). The outcome is shown, not redirected to: posting the same
    names again adds nothing twice (they are then "already in your team")."""
    team = current_team(request)
    ctx: dict[str, Any] = {
        "page": "domains",
        "team": team,
        "summary": None,
        "outcomes": [],
        "can_edit": team.can_edit(request.user),  # type: ignore[arg-type]
    }
    if request.method == "GET":
        form = bulk.BulkAddForm()
        return render(request, "domains/bulk.html", {**ctx, "bulk_form": form, **_room(team)})
    form = bulk.BulkAddForm(request.POST)
    if _team_changed(request, team, form, "names"):
        ctx.update(bulk_form=form, **_room(team))
        return render(request, "domains/bulk.html", ctx, status=400)
    require_editor(request, team)
    if not form.is_valid():
        ctx.update(bulk_form=form, **_room(team))
        return render(request, "domains/bulk.html", ctx, status=400)
    limits = bulk.Limits(max_unverified=max_unverified(), adds_per_day=adds_per_day())
    outcomes = bulk.add_names(team, form.cleaned_data["names"], limits)
    summary = bulk.Summary.of(outcomes)
    # The names not added for the limits stay in the form, to send again once there is room:
    # an MSP's sixty names found 50 room, and the other ten were rows among seventy.
    again = bulk.BulkAddForm(initial={"names": summary.over_names})
    ctx.update(outcomes=outcomes, summary=summary, bulk_form=again)
    return render(request, "domains/bulk.html", {**ctx, **_room(team)})


def _room(team: Team) -> dict[str, int | bool]:
    """How many of the team's domains wait to be verified, and how many more may be added;
    and whether it has none at all (no CSV export link then: _bulk.html)."""
    counts = team.domains.aggregate(
        total=Count("pk"), waiting=Count("pk", filter=Q(verified_at=None))
    )
    waiting = counts["waiting"]
    return {
        "waiting": waiting,
        "room": max(0, max_unverified() - waiting),
        "per_day": adds_per_day(),
        "no_domains_yet": not counts["total"],
    }


@login_required
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The current team's domains as CSV, written while they are read (export.py)."""
    team = current_team(request)
    response = StreamingHttpResponse(export.lines(team), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("domains", team)}"'
    return response


def _download_name(kind: str, team: Team) -> str:
    """mailsec-domains-client-a-gmbh-2026-12-04.csv: the team's name in it, as the TLS
    reports' export names its domain, since an MSP keeps a team per client and downloads
    several a day (the same name for each, a browser's "(2)" told them apart). slugify keeps
    ASCII letters, digits and hyphens, so nothing of the name can break the header; a name
    with none of them (株式会社) leaves the plain name."""
    slug = slugify(team.name)[:60].strip("-")
    day = timezone.now().date().isoformat()
    return f"mailsec-{kind}-{slug}-{day}.csv" if slug else f"mailsec-{kind}-{day}.csv"


@login_required
@require_GET
def records_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The challenge records the current team has still to publish, one CSV for all of them
    (export.record_lines): an MSP's 120 new clients' records without opening 120 pages, on
    any day after the bulk add that first gave them. Anyone in the team may read it (a
    viewer hands the records on to whoever runs the DNS)."""
    team = current_team(request)
    lines = export.record_lines(team)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("records", team)}"'
    return response
