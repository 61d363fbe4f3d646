"""Operators are mailed each Celery task that failed for good (mailsec/celery.py's task_failure
receiver): the same people and the same redaction as a server error of the web app (s48f)."""

from __future__ import annotations

import hashlib
import inspect
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import mail_admins
from django.views.debug import get_default_exception_reporter_filter

from mailsec.debugfilter import redact_text

log = logging.getLogger(__name__)

# Each argument's repr is cut here: a task given a whole report body must not make a mail of it.
ARGUMENT_CHARS = 500

# One mail per task and exception type in this time (s48r2): a beat task failing every minute,
# or a probe failing for each of many domains while a resolver is down, is mailed once; the
# failures after it are counted in the shared cache (Redis in production: every worker process
# and host counts together) and the first mail after the hour says how many were not mailed.
MAIL_EVERY_SECONDS = 3600


def _cache_key(name: str, exception: BaseException | None, what: str) -> str:
    kind = type(exception)
    digest = hashlib.sha256(f"{name}|{kind.__module__}.{kind.__qualname__}".encode()).hexdigest()
    return f"taskfailure:{what}:{digest[:32]}"


def failures_not_mailed(name: str, exception: BaseException | None) -> int | None:
    """None when this failure is not to be mailed (one of `name` with this exception type was
    mailed less than MAIL_EVERY_SECONDS ago: it is counted); else how many failures of the
    kind were counted, not mailed, since the last mail. A cache that does not answer lets
    every failure be mailed (0)."""
    failures, mailed_at = _cache_key(name, exception, "n"), _cache_key(name, exception, "m")
    try:
        cache.add(failures, 0, timeout=None)
        count = cache.incr(failures)  # this failure's number, every process counting together
        if not cache.add(_cache_key(name, exception, "w"), True, timeout=MAIL_EVERY_SECONDS):
            return None
        last = cache.get(mailed_at)
        cache.set(mailed_at, count, timeout=None)
    except Exception:
        log.warning("no count of task failures: the cache did not answer", exc_info=True)
        return 0
    return max(count - last - 1, 0) if isinstance(last, int) and last < count else 0


def window_words() -> str:
    """MAIL_EVERY_SECONDS in words: "an hour"."""
    hours = MAIL_EVERY_SECONDS // 3600
    if MAIL_EVERY_SECONDS % 3600:
        return f"{MAIL_EVERY_SECONDS} seconds"
    return "an hour" if hours == 1 else f"{hours} hours"


def shown_arguments(task: Any, args: Any, kwargs: Any) -> list[tuple[str, str]]:
    """Each argument of the call by its parameter's name, as an error report shows a setting:
    starred when the name looks secret (token, key, password, …: Django's filter), the
    password of a URL and a link's token hidden in the rest (mailsec.debugfilter)."""
    args, kwargs = list(args or ()), dict(kwargs or {})
    try:
        bound = inspect.signature(task.run).bind_partial(*args, **kwargs).arguments
        named = list(bound.items())
    except (TypeError, ValueError):
        named = [(f"args[{i}]", value) for i, value in enumerate(args)] + list(kwargs.items())
    cleanse = get_default_exception_reporter_filter().cleanse_setting
    shown = []
    for name, value in named:
        text = redact_text(repr(cleanse(name, value)))
        if len(text) > ARGUMENT_CHARS:
            text = f"{text[:ARGUMENT_CHARS]}… ({len(text)} characters)"
        shown.append((name, text))
    return shown


def mail_task_failure(
    task: Any,
    task_id: str | None,
    exception: BaseException | None,
    args: Any,
    kwargs: Any,
    traceback_text: str,
) -> None:
    """One mail to ADMINS (MAILSEC_ADMINS) for a task that raised after its retries: its name,
    id, arguments and traceback. Nothing when ADMINS is empty, nor for a failure of the same
    task with the same exception type within MAIL_EVERY_SECONDS of the last mailed (counted;
    the next mail gives the count). A mail that cannot be sent is logged, never raised into
    the worker."""
    if not settings.ADMINS:
        return
    name = getattr(task, "name", None) or repr(task)
    kind = type(exception).__name__
    not_mailed = failures_not_mailed(name, exception)
    if not_mailed is None:
        log.info(
            "failure of task %s %s (%s) not mailed: one was within the hour", name, task_id, kind
        )
        return
    # The request of the call that failed: in the process that ran it. A hard time limit is
    # reported by the worker's parent, where no request is current.
    request = getattr(task, "request", None)
    retries = getattr(request, "retries", None) if getattr(request, "id", None) == task_id else None
    within = window_words()
    counted = []
    if not_mailed:
        failures = "failure" if not_mailed == 1 else "failures"
        were = "was" if not_mailed == 1 else "were"
        counted = [
            f"{not_mailed} more {failures} of {name} with {kind} {were} not mailed since the last mail."
        ]
    lines = [
        *counted,
        f"Failures of {name} with {kind} within {within} of this mail are counted, not mailed "
        "(one mail per task and exception type).",
        "",
        f"Task: {name}",
        f"Id: {task_id}",
        f"Retries: {retries}" if retries is not None else "Retries: unknown",
        "Arguments:",
        *(f"  {arg} = {value}" for arg, value in shown_arguments(task, args, kwargs)),
        "",
        redact_text(traceback_text.rstrip() or f"{type(exception).__name__}: {exception}"),
    ]
    summary = redact_text(f"{type(exception).__name__}: {exception}".splitlines()[0])[:120]
    try:
        mail_admins(f"Task failed: {name}: {summary}", "\n".join(lines))
    except Exception:
        log.exception("could not mail the failure of task %s %s to ADMINS", name, task_id)
