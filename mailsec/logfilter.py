"""Log records without the secrets some of our URLs carry (LOGGING in mailsec/settings.py)."""

from __future__ import annotations

import logging
import re

# An invitation's token is its link's secret (mailsec.accounts.models.Invite): /invite/<token>/
# and the owner's /team/invites/<token>/revoke/. Django's request log names the path of every
# answer of 400 or more (django.request: "Not Found: /invite/…/", "Method Not Allowed (HEAD):
# …"; django.security.csrf: "Forbidden (…): …"), a live invitation's included: a link scanner's
# HEAD, a join by someone signed in with another address (s48d).
URL_TOKEN = re.compile(r"(/invite/|/team/invites/)[^/?#\s]+")


def hide_url_tokens(text: str) -> str:
    return URL_TOKEN.sub(r"\g<1>…", text)


class HideUrlTokens(logging.Filter):
    """Writes each invitation token of a record's message and arguments as '…'. A filter of
    the loggers that name request paths, so every handler (stderr, mail to ADMINS) gets the
    record without it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = hide_url_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_url_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
