"""Log records without the secrets some of our URLs carry (LOGGING in mailsec/settings.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

# The secret of a link is the token in its path. Django's request log names the path of every
# answer of 400 or more (django.request: "Not Found: /invite/…/", "Method Not Allowed (HEAD):
# …"; django.security.csrf: "Forbidden (…): …"; runserver's django.server: each request line),
# a live link's included: a link scanner's HEAD, a join by someone signed in with another
# address (s48d), an unsubscribe link refused or mistyped (s48f).
#   /invite/<token>/, /team/invites/<token>/revoke/  an invitation (mailsec.accounts.models.Invite)
#   /alerts/unsubscribe/<token>/                     a signed unsubscribe link of an alert email
#   /alerts/address/<token>/                         a team address's confirm/resume link
# (/alerts/addresses/<code>/… is not one: a row's code, for signed-in owners.)
# Each also as a query writes it (?next=%2Finvite%2F<token>%2F): a slash may be %2F.
_SLASH = r"(?:/|%2[Ff])"
_PART = r"(?:(?!%2[Ff])[^/?#&\s])"  # a character of a path segment, %3A (":") included
URL_TOKEN = re.compile(
    rf"({_SLASH}(?:invite|team{_SLASH}invites|alerts{_SLASH}unsubscribe|alerts{_SLASH}address)"
    rf"{_SLASH}){_PART}+"
)

# A TLS report address, /tlsrpt/<token> and its dashboard's /tlsrpt/<token>/…, keeps its first
# 8 characters as the intake's own log does (reports.views.receive): the token is published in
# DNS (the rua= of _smtp._tls), so an operator must be able to tell which address a sender's
# 404 or 429 was for, but no log line makes the address whole (s48f). /tlsrpt/all-domains/ is
# a page of its own.
REPORT_TOKEN = re.compile(
    rf"({_SLASH}tlsrpt{_SLASH})(?!all-domains(?:{_SLASH}|[?#&\s]|$))({_PART}{{1,8}}){_PART}*"
)


# A text naming none of these has no token to hide: most records (a 404 of another page, each
# request line of runserver or gunicorn's access log) are returned at the cost of three
# substring searches, not of the two patterns above (s48r2).
_ROUTE_WORDS = ("invite", "alerts", "tlsrpt")


def hide_url_tokens(text: str) -> str:
    if not any(word in text for word in _ROUTE_WORDS):
        return text
    text = URL_TOKEN.sub(r"\g<1>…", text)
    return REPORT_TOKEN.sub(r"\g<1>\g<2>…", text)


class HideUrlTokens(logging.Filter):
    """Writes each link token (URL_TOKEN, REPORT_TOKEN) of a record's message and arguments
    as '…'. A filter of the loggers that name request paths, so every handler (stderr, mail
    to ADMINS) gets the record without it: Django's (LOGGING in mailsec/settings.py) and
    gunicorn's error and access logs (mailsec/wsgi.py, s48r2), whose access log passes one
    mapping of its atoms (request line, path, query, referer) as the arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = hide_url_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_url_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.args, Mapping):
            record.args = {
                key: hide_url_tokens(arg) if isinstance(arg, str) else arg
                for key, arg in record.args.items()
            }
        return True


# gunicorn's loggers: configured by gunicorn, not by Django's LOGGING (whose dictConfig would
# also drop their handlers). "Error handling request GET <path>" of a request aborted at the
# worker timeout, "Invalid request from ip=…: Invalid HTTP request line: '…'", and each request
# line of an access log an operator turns on (--access-logfile).
GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")


def hide_url_tokens_in_gunicorn_logs() -> None:
    """Gives gunicorn's loggers the filter, once (mailsec/wsgi.py; nothing outside gunicorn
    writes to them)."""
    for name in GUNICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideUrlTokens) for f in logger.filters):
            logger.addFilter(HideUrlTokens())
