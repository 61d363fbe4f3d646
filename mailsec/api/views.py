"""The team API (GET /api/v1/domains…, by API key) and the team page's key buttons.

The API reads a key from `Authorization: Bearer <key>` or `X-Api-Key`, never a session or a
cookie: csrf_exempt (nothing here changes anything, and a POST gets the JSON 405, not CSRF's
page) and request.user is never read. Every answer is JSON, `{"error": …}` for a refusal, as
the free check's API answers (mailsec.freecheck.views.api_check), and never stored by a cache
in between (never_cache: Cache-Control: no-store).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from checks.domainname import DomainNameError, to_ascii_domain
from mailsec.accounts.forms import InviteForm
from mailsec.accounts.models import Team
from mailsec.accounts.scope import current_team
from mailsec.accounts.views import team_page
from mailsec.api import answers
from mailsec.api.forms import ApiKeyForm
from mailsec.api.models import (
    FAILED_RATE,
    KEY_PREFIX,
    KEY_SHAPE,
    MAX_KEYS,
    RATE,
    WINDOW,
    ApiKey,
)
from mailsec.domains.models import CheckRun, Domain
from mailsec.freecheck import ratelimit
from mailsec.hosting.models import HostedPolicy

PAGE_SIZE = 100  # domains per page of /api/v1/domains
HISTORY_DAYS = 30
HISTORY_MAX_DAYS = 365

ApiView = Callable[..., JsonResponse]


def _json_error(message: str, status: int, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _unauthorised(message: str, invalid: bool = True) -> JsonResponse:
    response = _json_error(message, 401)
    # RFC 6750 §3: the scheme, and invalid_token for a key that was given but is no good.
    error = ', error="invalid_token"' if invalid else ""
    response["WWW-Authenticate"] = f'Bearer realm="mailsec"{error}'
    return response


# The key typed in is a secret: an error report's traceback (mail to ADMINS) shows these
# functions' variables holding it starred, as Django already stars the headers it came in.
@sensitive_variables("header", "given", "value")
def _given_key(request: HttpRequest) -> str | JsonResponse:
    """The key the request carries, or the 401 that says what is wrong with it."""
    header = request.META.get("HTTP_AUTHORIZATION", "").strip()
    given = request.META.get("HTTP_X_API_KEY", "").strip()
    scheme, _, value = header.partition(" ")
    if header and scheme.lower() != "bearer" and given:
        # Another scheme (a proxy's Basic credentials, say) beside X-Api-Key: the
        # Authorization header is not meant for us, the key is in X-Api-Key.
        header = ""
    if header:
        if scheme.lower() != "bearer" or not value.strip():
            return _unauthorised("The Authorization header must be 'Bearer <API key>'.")
        value = value.strip()
        if given and given != value:
            return _unauthorised("The request carries two different keys; send one.")
        given = value
    if not given:
        return _unauthorised(
            "No API key: send it as 'Authorization: Bearer <key>' (or in X-Api-Key). The "
            "team's owner creates keys on the Team page.",
            invalid=False,
        )
    if not KEY_SHAPE.fullmatch(given):
        return _unauthorised(
            f"That is not a mailsec API key: keys start with {KEY_PREFIX} and are "
            f"{len(KEY_PREFIX) + 43} characters long."
        )
    return given


def _too_many_failures(retry_after: int) -> JsonResponse:
    return _json_error(
        f"Too many requests from your network without a valid API key ({FAILED_RATE} in "
        f"this minute); try again in {retry_after} seconds.",
        429,
        retry_after,
    )


def _authenticate(request: HttpRequest) -> ApiKey | JsonResponse:
    """The request's key, or the answer refusing it. Failed attempts are counted per client
    network (as the free check counts its checks: ratelimit.client_hash); past FAILED_RATE
    in a window every request from that network is refused until the window ends, a valid
    key too, unlooked-up: otherwise the limit would not stop anyone trying keys."""
    bucket, now = f"api:failed:{ratelimit.client_hash(request)}", ratelimit.wall_time()
    if ratelimit.used(bucket, WINDOW, now) >= FAILED_RATE:
        start = int(now // WINDOW) * WINDOW
        return _too_many_failures(max(1, math.ceil(start + WINDOW - now)))
    refusal = _key_or_refusal(request)
    if isinstance(refusal, ApiKey):
        return refusal
    retry_after = ratelimit.hit(bucket, FAILED_RATE, WINDOW, now)
    return refusal if retry_after is None else _too_many_failures(retry_after)


@sensitive_variables("given")
def _key_or_refusal(request: HttpRequest) -> ApiKey | JsonResponse:
    """The request's valid key, or the 401 saying what is wrong with it."""
    given = _given_key(request)
    if isinstance(given, JsonResponse):
        return given
    key = ApiKey.for_key(given)
    if key is None:
        return _unauthorised("This API key is not valid: it is mistyped, or not one of ours.")
    if key.revoked_at is not None:
        why = (
            " because the person who created it left the team"
            if key.revoked_why == ApiKey.Revoked.CREATOR_LEFT
            else ""
        )
        return _unauthorised(
            f"This API key was revoked on {key.revoked_at:%Y-%m-%d %H:%M} UTC{why}; the "
            "team's owner can create a new one on the Team page."
        )
    return key


def _with_allowance(response: JsonResponse, bucket: str, now: float) -> JsonResponse:
    """The key's allowance beside every answer, as the free check's API says its own
    (RateLimit-Limit, -Remaining, -Reset in seconds), so a script can pace itself."""
    start = int(now // WINDOW) * WINDOW
    response["RateLimit-Limit"] = str(RATE)
    response["RateLimit-Remaining"] = str(max(0, RATE - ratelimit.used(bucket, WINDOW, now)))
    response["RateLimit-Reset"] = str(max(1, math.ceil(start + WINDOW - now)))
    return response


def key_required(view: ApiView) -> Callable[..., JsonResponse]:
    """GET only, with a valid key, within the key's rate: `view(request, key, …)`."""

    @csrf_exempt
    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if request.method != "GET":
            response = _json_error("The API only reads: use GET.", 405)
            response["Allow"] = "GET"
            return response
        key = _authenticate(request)
        if isinstance(key, JsonResponse):
            return key
        key.note_use()
        bucket, now = f"api:key:{key.pk}", ratelimit.wall_time()
        retry_after = ratelimit.hit(bucket, RATE, WINDOW, now)
        if retry_after is not None:
            response = _json_error(
                # Fixed windows (ratelimit.hit): the count starts again at the next
                # minute, not 60 seconds after the first request.
                f"This key has made {RATE} requests in this minute, the API's limit; try "
                f"again in {retry_after} seconds, when the next minute starts.",
                429,
                retry_after,
            )
        else:
            response = view(request, key, *args, **kwargs)
        return _with_allowance(response, bucket, now)

    return wrapper


def _not_found() -> JsonResponse:
    # The same answer for a name that is nowhere and for one in another team.
    return _json_error("This key's team has no domain by that name.", 404)


@csrf_exempt  # a POST gets this JSON 404, not CSRF's page
@never_cache
def no_such_endpoint(request: HttpRequest) -> JsonResponse:
    """Any other path under /api/v1/ (a trailing slash, a typo): JSON, as every answer of
    the API is, not the site's HTML 404. No key needed: it says nothing of any team."""
    return _json_error(
        "No such API endpoint. The API answers GET /api/v1/domains, "
        "/api/v1/domains/<name> and /api/v1/domains/<name>/history, without a trailing "
        "slash.",
        404,
    )


def _whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


def _team_domain(key: ApiKey, name: str, with_run: bool = True) -> Domain | None:
    """The key's team's domain called `name` (A-label or U-label, any case, a trailing dot
    or not), else None: another team's domain of that name is never looked at. With its last
    run (tens of kB of findings) only `with_run`."""
    try:
        # As the Domains page reads a typed name (it stored the name this way).
        name = to_ascii_domain(name)
    except DomainNameError:
        return None
    found = Domain.objects.filter(team_id=key.team_id, name=name)
    if with_run:
        found = found.select_related("last_run")
    return found.first()


@key_required
def domains(request: HttpRequest, key: ApiKey) -> JsonResponse:
    """GET /api/v1/domains[?page=N]: the key's team's domains, by name, PAGE_SIZE a page."""
    page = _whole_number(request.GET.get("page", "1"))
    if page is None or page < 1:
        return _json_error("page must be a whole number, 1 or more.", 400)
    listed = Domain.objects.filter(team_id=key.team_id)
    count = listed.count()
    rows = list(
        listed.order_by("name", "pk")
        .only(*answers.DOMAIN_FIELDS)
        .annotate(score_version=F("last_run__score_version"), last_run_code=F("last_run__code"))[
            (page - 1) * PAGE_SIZE : page * PAGE_SIZE
        ]
    )
    checked = [d for d in rows if d.is_verified and d.last_run_id and d.last_checked_at]
    counts = answers.finding_counts(
        (d.last_run_id, d.last_run_code)  # type: ignore[attr-defined]
        for d in checked
        if d.last_run_id
    )
    verified_ids = [d.pk for d in rows if d.is_verified]
    policies = {
        p.domain_id: p
        for p in HostedPolicy.objects.filter(domain_id__in=verified_ids).only(
            *answers.HOSTING_FIELDS
        )
    }
    more = page * PAGE_SIZE < count
    next_url = f"{reverse('api:domains')}?page={page + 1}"
    return JsonResponse(
        {
            "team": key.team.name,
            "count": count,
            "page": page,
            "pages": max(1, math.ceil(count / PAGE_SIZE)),
            "next": request.build_absolute_uri(next_url) if more else None,
            "domains": [
                answers.summary(
                    request,
                    d,
                    d.score_version,  # type: ignore[attr-defined]
                    counts.get(d.last_run_id) if d.last_run_id else None,
                    policies.get(d.pk),
                )
                for d in rows
            ],
        }
    )


@key_required
def domain(request: HttpRequest, key: ApiKey, name: str) -> JsonResponse:
    """GET /api/v1/domains/<name>: one domain, with its last run's findings."""
    found = _team_domain(key, name)
    if found is None:
        return _not_found()
    if not found.is_verified:
        return JsonResponse(answers.unverified(request, found))
    policy = HostedPolicy.objects.filter(domain=found).only(*answers.HOSTING_FIELDS).first()
    return JsonResponse(answers.details(request, found, policy))


@key_required
def history(request: HttpRequest, key: ApiKey, name: str) -> JsonResponse:
    """GET /api/v1/domains/<name>/history[?days=N]: the score of each finished run."""
    days = _whole_number(request.GET.get("days", str(HISTORY_DAYS)))
    if days is None or not 1 <= days <= HISTORY_MAX_DAYS:
        return _json_error(f"days must be a whole number from 1 to {HISTORY_MAX_DAYS}.", 400)
    # History reads the runs below, not the last run's findings.
    found = _team_domain(key, name, with_run=False)
    if found is None:
        return _not_found()
    lost = answers.lost_control(found)
    if not found.is_verified and not lost:
        return JsonResponse(answers.unverified(request, found))
    # A domain whose team lost control keeps its checks until then for its team, as its
    # page lists them (What changed); a domain never verified has none.
    runs = list(
        found.runs.filter(
            status=CheckRun.Status.DONE, created__gte=timezone.now() - timedelta(days=days)
        )
        # Not the findings: score_detail (a few hundred bytes) says what score_status
        # needs, but for a null MX (answers.run_statuses).
        .only("domain_id", "created", "finished", "score", "score_version", "score_detail")
        .order_by("created", "pk")
    )
    statuses = answers.run_statuses(runs)
    lost_at = {"control_lost": answers.iso(found.control_lost_at)} if lost else {}
    return JsonResponse(
        {
            "name": found.name,
            "display_name": found.display_name,
            "verified": found.is_verified,
            **lost_at,
            "days": days,
            "runs": [
                {
                    "time": answers.iso(run.finished or run.created),
                    "score": run.score,
                    "score_status": statuses[run.pk],
                    "score_version": run.score_version,
                    "partial": answers.partial(run.score_detail),
                }
                for run in runs
            ],
        }
    )


# --- The team page's keys panel (signed in; the owner creates and revokes) ----------------


def _keys_anchor() -> str:
    return reverse("accounts:team") + "#api-keys"


@login_required
@require_POST
@never_cache  # the answer shows the new key
@sensitive_variables("new_key")  # an error report's traceback stars the new key (s47o)
def key_create(request: HttpRequest) -> HttpResponse:
    """The owner creates a key: the team page shows it once, in this answer (never in a
    redirect's session or a message, where it would be stored); only its hash is kept."""
    team = current_team(request)
    if not team.is_owner(request.user):
        raise Http404
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        # Counted and added under the team's row lock, so two presses at once with room
        # for one add one (as domains are added: mailsec.domains.bulk.adding).
        new_key = None
        with transaction.atomic():
            Team.objects.select_for_update().filter(pk=team.pk).values_list("pk").first()
            if ApiKey.active().filter(team=team).count() >= MAX_KEYS:
                form.add_error(
                    "label",
                    f"The team has {MAX_KEYS} keys, the most it may hold: revoke one it "
                    "no longer uses first.",
                )
            else:
                new_key = ApiKey.create_for(
                    team,
                    form.cleaned_data["label"],
                    request.user,  # type: ignore[arg-type]
                )
        # Rendered after the commit: the team's row lock is held for the count and the
        # insert only, not while the page's queries and template run.
        if new_key is not None:
            return _show_new_key(request, new_key)
    return team_page(request, InviteForm(), status=400, api_form=form)


# Every variable of every frame below this one is starred in an error report (Django's filter
# looks up the calling frames for the nearest @sensitive_variables): team_page's context, and
# the template's frames, each holding the context, would print the key had the page failed
# (s47o). Only this answer: the team page's other failures keep their variables.
@sensitive_variables()
def _show_new_key(request: HttpRequest, new_key: tuple[ApiKey, str]) -> HttpResponse:
    return team_page(request, InviteForm(), new_key=new_key)


@login_required
@require_POST
def key_revoke(request: HttpRequest, code: UUID) -> HttpResponse:
    try:
        key = ApiKey.objects.select_related("team").get(
            code=code, team__memberships__user=request.user
        )
    except ApiKey.DoesNotExist:
        raise Http404 from None
    if not key.team.is_owner(request.user):
        raise Http404
    if key.revoked_at is not None:
        # The second click of a double click, or another tab: not a failure.
        messages.info(request, f"The key {key.label} ({key.prefix}…) was already revoked.")
        return redirect(_keys_anchor())
    ApiKey.objects.filter(pk=key.pk, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_by=request.user
    )
    messages.success(
        request,
        f"The key {key.label} ({key.prefix}…) is revoked: requests with it are refused "
        "from now on.",
    )
    return redirect(_keys_anchor())
