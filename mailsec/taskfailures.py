"""Operators are mailed each Celery task that failed for good (mailsec/celery.py's task_failure
receiver): the same people and the same redaction as a server error of the web app (s48f)."""

from __future__ import annotations

import inspect
import logging
from typing import Any

from django.conf import settings
from django.core.mail import mail_admins
from django.views.debug import get_default_exception_reporter_filter

from mailsec.debugfilter import redact_text

log = logging.getLogger(__name__)

# Each argument's repr is cut here: a task given a whole report body must not make a mail of it.
ARGUMENT_CHARS = 500


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
    id, arguments and traceback. Nothing when ADMINS is empty. A mail that cannot be sent is
    logged, never raised into the worker."""
    if not settings.ADMINS:
        return
    name = getattr(task, "name", None) or repr(task)
    # The request of the call that failed: in the process that ran it. A hard time limit is
    # reported by the worker's parent, where no request is current.
    request = getattr(task, "request", None)
    retries = getattr(request, "retries", None) if getattr(request, "id", None) == task_id else None
    lines = [
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
