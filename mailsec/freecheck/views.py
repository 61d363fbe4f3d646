from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from checks.cli import host_name_note
from checks.domainname import MAX_INPUT_CHARS, DomainNameError, to_ascii_domain
from mailsec.accounts.scope import find_own_domain
from mailsec.freecheck import concurrency, ratelimit
from mailsec.freecheck.models import REUSE_FOR, FreeCheck, free_check_config
from mailsec.freecheck.ratelimit import RateLimited
from mailsec.freecheck.tasks import run_free_check

logger = logging.getLogger(__name__)

# The API runs its check in the web process: keep it under gunicorn's 30 s worker timeout.
API_TIME_CAP = 25.0
# Over MAILSEC_FREE_CHECK_API_CONCURRENCY: when to ask again (a run takes seconds).
API_BUSY_RETRY_AFTER = 10


def _domain(request: HttpRequest, text: str) -> str:
    if len(text) > MAX_INPUT_CHARS:
        # Refused unread (to_ascii_domain), but counted against the client like a check: a
        # script posting megabytes meets the limit as anyone asking too often does.
        ratelimit.check_client(ratelimit.client_hash(request), ratelimit.wide_hash(request))
    config = free_check_config()
    # A special-use name (.local, .internal…) is looked up in our own network, if anywhere:
    # its answers are not the internet's, and are not for strangers to read.
    return to_ascii_domain(
        text,
        extra_public_suffixes=config.extra_public_suffixes,
        allow_special_use=config.allow_private_targets,
    )


def _request_check(
    request: HttpRequest, domain: str, fresh: bool = False
) -> tuple[FreeCheck, bool]:
    """The run to show for `domain`: a recent one, or a new row. Raises RateLimited.

    Every request counts against the client's limit; only new runs count against the
    domain's, since showing a recent run again costs its mail servers nothing. `fresh`
    ("Check again now", the API's fresh=1) passes over a finished run, not one under way.
    Two requests at once that both find nothing share one new run (FreeCheck.start).
    """
    client = ratelimit.client_hash(request)
    ratelimit.check_client(client, ratelimit.wide_hash(request))
    recent = FreeCheck.under_way(domain) if fresh else FreeCheck.reusable(domain)
    if recent is not None:
        return recent, False
    ratelimit.check_domain(domain)
    ratelimit.check_site()
    return FreeCheck.start(domain, client)


def _get_check(code: str) -> FreeCheck:
    """The one lookup of a run by its public id; unknown ids are 404."""
    check = get_object_or_404(FreeCheck, code=code)
    check.expire_if_stuck()
    return check


def allowance_context(request: HttpRequest) -> dict[str, Any]:
    """What the form says of the visitor's free checks (freecheck/_form.html): how many are
    left and when the count starts again, so nobody learns of the limit only when refused;
    and, for someone without an account, what signing up changes."""
    interval_hours = settings.MAILSEC_CHECK_INTERVAL.total_seconds() / 3600
    return {
        "allowance": ratelimit.client_allowance(ratelimit.client_hash(request)),
        "window_minutes": max(1, settings.MAILSEC_FREE_CHECK_WINDOW // 60),
        "monitor_every_hours": f"{interval_hours:g}",
    }


# The page says how many checks this visitor has left: never stored by a cache in between.
@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    typed = (request.GET if request.method == "GET" else request.POST).get("domain", "")
    # The form gives back what was typed, to correct it; never an over-long input, which
    # would double the answer's size for nothing anyone could edit.
    # A NUL byte goes back as the HTML parser would show it (U+FFFD, WHATWG HTML §13.2.5.36):
    # the page's bytes hold none, and the box still shows where the stray character was.
    ctx = {"domain": typed.replace("\x00", "\ufffd") if len(typed) <= MAX_INPUT_CHARS else ""}
    if request.method == "GET":
        return render(request, "freecheck/check.html", {**ctx, **allowance_context(request)})

    try:
        domain = _domain(request, typed)
        run, created = _request_check(request, domain)
    except DomainNameError as exc:
        ctx = {**ctx, **allowance_context(request), "error": str(exc)}
        return render(request, "freecheck/check.html", ctx, status=400)
    except RateLimited as exc:
        ctx = {**ctx, **allowance_context(request), "error": exc.message, "refused": True}
        response = render(request, "freecheck/check.html", ctx, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if created:
        run_free_check.delay(str(run.code))
    if run.is_finished:
        # A result from before this request: the page says how old it is, and offers a
        # fresh one (the person may have just fixed a record).
        return redirect(f"{run.get_absolute_url()}?{REUSED_PARAM}=1")
    return redirect(run)


# Set on the redirect to a run finished before the request: the page says it is reused,
# however young. The permalink shown and copied never carries it.
REUSED_PARAM = "reused"
# A finished run older than this says its age and offers "Check again now" whoever asks
# (a permalink opened later); a younger one only when it was reused for this request.
AGE_NOTICE_AFTER = timedelta(minutes=1)


def _report_context(request: HttpRequest, check: FreeCheck, **extra: Any) -> dict[str, Any]:
    reused = request.GET.get(REUSED_PARAM) == "1" or bool(extra.get("again_error"))
    return {
        "check": check,
        "permalink": request.build_absolute_uri(check.get_absolute_url()),
        "show_age": check.status == FreeCheck.State.DONE
        and (reused or check.age >= AGE_NOTICE_AFTER),
        # A name like www.example.com: the sentence the CLI and the Domains page use too.
        "host_name_note": host_name_note(check.display_domain, check.display_host_of)
        if check.looks_like_host_of
        else "",
        **_offer_context(request, check),
        "reuse_minutes": int(REUSE_FOR.total_seconds() // 60),
        "client_rate": settings.MAILSEC_FREE_CHECK_RATE,
        "domain_rate": settings.MAILSEC_FREE_CHECK_DOMAIN_RATE,
        **allowance_context(request),
        **extra,
    }


def _offer_context(request: HttpRequest, check: FreeCheck) -> dict[str, Any]:
    """What the offer under the results needs (freecheck/_offer.html): the visitor's own
    domain of that name, if one of their teams has it (a link to its page instead of "add
    it", which the Domains page would answer with "already in your team"; only their own
    teams are asked). A name that does not exist is offered no monitoring (the template)."""
    return {"own_domain": find_own_domain(request, check.monitor_domain)}


def _noindex(response: HttpResponse) -> HttpResponse:
    # Reports are shareable, not searchable: keep strangers' domains out of search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_GET
def report(request: HttpRequest, code: str) -> HttpResponse:
    check = _get_check(code)
    return _noindex(render(request, "freecheck/report.html", _report_context(request, check)))


@never_cache
@require_POST
def again(request: HttpRequest, code: str) -> HttpResponse:
    """ "Check again now" on a report: a fresh run of its domain, past the reuse of finished
    runs, counted against the client's and the domain's limits like any new run (so the
    button cannot hammer a domain's mail servers more than the form could). A run of the
    domain still under way is shared instead: a double click starts one run.

    htmx swaps the answer into the page (#fc-report): the new run's report, polling, with
    the address bar moved to its permalink, and the offer under it drawn for the new run (out
    of band: before s36w the old run's stayed until the new one finished); a refusal comes
    back as the same report with the reason and the wait in its notice (200 for htmx, which
    swaps no 4xx; 429 otherwise), and the old run's offer stays.
    """
    old = _get_check(code)
    try:
        run, created = _request_check(request, old.domain, fresh=True)
    except RateLimited as exc:
        ctx = _report_context(request, old, again_error=exc.message)
        if request.htmx:
            response = render(request, "freecheck/_report.html", ctx)
        else:
            response = render(request, "freecheck/report.html", ctx, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return _noindex(response)
    if created:
        run_free_check.delay(str(run.code))
    if request.htmx:
        # The offer under the report too (out of band): the old run's is not the new one's.
        response = render(request, "freecheck/_again.html", _report_context(request, run))
        return _noindex(push_url(response, run.get_absolute_url()))
    return redirect(run)


@never_cache
@require_GET
def results(request: HttpRequest, code: str) -> HttpResponse:
    """The htmx partial the report page polls while the run is under way. The answer that
    shows the run finished swaps the offer under it too (htmx out of band): loaded while the
    run was under way, the page offered to monitor a name that may turn out not to exist.
    Opened as a page (a bookmark, copied from the browser's tools), the report's page, not
    the bare fragment (s42p)."""
    if not request.htmx:
        return report(request, code)
    check = _get_check(code)
    ctx = {"check": check, **(_offer_context(request, check) if check.is_finished else {})}
    return render(request, "freecheck/_results_poll.html", ctx)


def _json_error(message: str, status: int, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _with_allowance(request: HttpRequest, response: JsonResponse) -> JsonResponse:
    """The client's allowance beside every answer, so a script can pace itself before it is
    refused: RateLimit-Limit, -Remaining and -Reset (seconds until the count starts again), as
    draft-ietf-httpapi-ratelimit-headers wrote them in its -06 version, the form most
    clients read. The limit is the per-client one; a 429 for the domain's says so in its
    error, with its own Retry-After."""
    allowance = ratelimit.client_allowance(ratelimit.client_hash(request))
    response["RateLimit-Limit"] = str(allowance.limit)
    response["RateLimit-Remaining"] = str(allowance.remaining)
    response["RateLimit-Reset"] = str(allowance.resets_in)
    return response


@csrf_exempt  # nothing but GET does anything; the rest get the JSON 405 below, not CSRF's page
@never_cache
def api_check(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/check?domain=… → the `mailsec check --json` object for that domain.

    A finished recent run is answered at once (Mailsec-Reused: true, Age: its age in
    seconds); fresh=1 passes over it as "Check again now" does. Running a check (or waiting
    on one under way) holds this web thread for up to API_TIME_CAP seconds, so at most
    MAILSEC_FREE_CHECK_API_CONCURRENCY requests do it at a time, across all processes; the
    others get 503 + Retry-After, before counting against any rate limit or creating a run.
    """
    if request.method != "GET":
        # require_GET would answer an empty HTML 405, which API clients cannot read. HEAD is
        # refused too: it would run a whole check for no answer.
        response = _json_error("Use GET /api/v1/check?domain=…", 405)
        response["Allow"] = "GET"
        return response
    return _with_allowance(request, _api_check(request))


def _api_check(request: HttpRequest) -> JsonResponse:
    try:
        domain = _domain(request, request.GET.get("domain", ""))
    except DomainNameError as exc:
        return _json_error(str(exc), 400)
    except RateLimited as exc:
        return _json_error(exc.message, 429, exc.retry_after)
    fresh = request.GET.get("fresh", "").lower() in ("1", "true", "yes")
    recent = FreeCheck.under_way(domain) if fresh else FreeCheck.reusable(domain)
    slot = None
    if recent is None or not recent.is_finished:
        slot = concurrency.acquire()
        if slot is None:
            return _json_error(
                "Too many checks are running through the API right now; ask again in "
                f"{API_BUSY_RETRY_AFTER} seconds, or use the check page.",
                503,
                API_BUSY_RETRY_AFTER,
            )
    try:
        return _api_answer(request, domain, fresh)
    finally:
        concurrency.release(slot)


def _api_answer(request: HttpRequest, domain: str, fresh: bool) -> JsonResponse:
    try:
        run, created = _request_check(request, domain, fresh)
    except RateLimited as exc:
        return _json_error(exc.message, 429, exc.retry_after)

    if created:
        try:
            run.run(time_cap=API_TIME_CAP)
        except Exception:
            logger.exception("free check %s of %s failed", run.code, run.domain)
    elif not run.wait(API_TIME_CAP):
        # Someone's run from the page is still under way: ask again shortly.
        return _json_error(
            f"The check of {domain} is still running; ask again in a few seconds.", 503, 5
        )

    if run.status != FreeCheck.State.DONE:
        return _json_error(run.error or "The check could not be completed.", 504)
    response = JsonResponse(run.api_object)
    response["Link"] = f'<{request.build_absolute_uri(run.get_absolute_url())}>; rel="alternate"'
    # The body stays the `mailsec check --json` object; whether this request ran the check is
    # said beside it. Age (RFC 9111 §5.1): seconds since the answers were read and stored.
    response["Mailsec-Reused"] = "false" if created else "true"
    if not created:
        response["Age"] = str(int(run.age.total_seconds()))
    return response
