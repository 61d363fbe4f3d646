"""The mail of a server error to ADMINS (MAILSEC_ADMINS): Django's AdminEmailHandler, at most
one an hour per page and exception type (s48r2).

A page failing on every request (the database gone, a bug on a busy page) sent one mail per
request, each while the request waited for the mail server. Each failure is now counted in
the shared cache, as a failed Celery task's is (mailsec.taskfailures.failures_not_mailed);
the first of a page (its URL route: /invite/<str:token>/, not the token) and exception type
is mailed, the next ones within MAIL_EVERY_SECONDS are not, and the first mail after that
says how many were not. LOGGING in mailsec/settings.py puts it on the "django" logger in
place of Django's."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.log import AdminEmailHandler as DjangoAdminEmailHandler

from mailsec import taskfailures
from mailsec.logfilter import hide_url_tokens


def _page(record: logging.LogRecord) -> str:
    request = getattr(record, "request", None)
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route.lstrip("^")
    path = getattr(request, "path", None)
    return hide_url_tokens(path) if isinstance(path, str) else record.name


class AdminEmailHandler(DjangoAdminEmailHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not settings.ADMINS:
            return
        exception = record.exc_info[1] if record.exc_info else None
        page = _page(record)
        not_mailed = taskfailures.failures_not_mailed(f"web {page}", exception)
        if not_mailed is None:
            return
        kind = type(exception).__name__ if exception is not None else record.levelname
        lines = []
        if not_mailed:
            failures = "failure" if not_mailed == 1 else "failures"
            were = "was" if not_mailed == 1 else "were"
            lines.append(
                f"{not_mailed} more {failures} of {page} with {kind} {were} not mailed since "
                "the last mail."
            )
        lines.append(
            f"Failures of {page} with {kind} within {taskfailures.window_words()} of this mail "
            "are counted, not mailed (one mail per page and exception type)."
        )
        # handle() holds the handler's lock around emit(): send_mail reads them in this call.
        self._lines = lines
        try:
            super().emit(record)
        finally:
            self._lines = []

    def send_mail(self, subject: str, message: str, *args: Any, **kwargs: Any) -> None:
        if self._lines:
            message = "\n".join(self._lines) + "\n\n" + message
        super().send_mail(subject, message, *args, **kwargs)
