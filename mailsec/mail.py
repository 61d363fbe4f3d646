"""One email from three templates (subject, plain text, HTML), as the product's notices are."""

from __future__ import annotations

from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def sender_host() -> str:
    """The domain of our From address: Message-IDs are made on it, not on the machine's own
    name (Django's default, a container's hostname or "localhost"), which would tell our
    internals and reads as a sign of spam to filters that want a fully qualified name."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2].strip().lower() or "mailsec.invalid"


def message_id(local: str = "") -> str:
    """`<local@host>` on our From domain; a random left part when none is given."""
    if local:
        return f"<{local}@{sender_host()}>"
    return make_msgid(domain=sender_host())


def first_sentence(text: str) -> str:
    """The first sentence of a notice's text, on one line, for its subject (the rest is in
    the body)."""
    return " ".join(text.split()).split(". ")[0].rstrip(".")


def notice_headers(unsubscribe: str = "", local_id: str = "") -> dict[str, str]:
    """The headers of every email the product writes: Auto-Submitted (RFC 3834: no vacation
    replies; the From is a no-reply address), a Message-ID on our From domain (`local_id`
    makes it stable, so a retried send is recognisably the same message) and, with an
    unsubscribe URL, RFC 2369 + RFC 8058 one-click unsubscribe: mail clients show a button
    that POSTs "List-Unsubscribe=One-Click" to it, no login, no confirmation page."""
    headers = {"Auto-Submitted": "auto-generated", "Message-ID": message_id(local_id)}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def send_templated(
    prefix: str,
    ctx: dict[str, Any],
    to: list[str],
    headers: dict[str, str] | None = None,
    unsubscribe: str = "",
) -> None:
    """Render `<prefix>-subject.html`, `-body-text.html` and `-body-html.html` and send them.
    The subject is made one line whatever the context holds (an error text may span several):
    Django refuses a newline in a header, and the email would be lost.
    Every one carries notice_headers() (with one-click unsubscribe when `unsubscribe` is
    given), then `headers`."""
    subject = " ".join(render_to_string(f"{prefix}-subject.html", ctx).split())
    text = render_to_string(f"{prefix}-body-text.html", ctx)
    html = render_to_string(f"{prefix}-body-html.html", ctx)
    headers = notice_headers(unsubscribe) | (headers or {})
    message = EmailMultiAlternatives(subject, text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()
