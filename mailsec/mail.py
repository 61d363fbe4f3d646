"""One email from three templates (subject, plain text, HTML), as the product's notices are."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated(
    prefix: str, ctx: dict[str, Any], to: list[str], headers: dict[str, str] | None = None
) -> None:
    """Render `<prefix>-subject.html`, `-body-text.html` and `-body-html.html` and send them.
    The subject is made one line whatever the context holds (an error text may span several):
    Django refuses a newline in a header, and the email would be lost."""
    subject = " ".join(render_to_string(f"{prefix}-subject.html", ctx).split())
    text = render_to_string(f"{prefix}-body-text.html", ctx)
    html = render_to_string(f"{prefix}-body-html.html", ctx)
    message = EmailMultiAlternatives(subject, text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()
