"""Hosting words with internationalised names as people read them (models.for_people)."""

from __future__ import annotations

from django import template

from mailsec.hosting import models

register = template.Library()


@register.filter
def for_people(text: str) -> str:
    """'mx3.müller-bäckerei.de (mx3.xn--mller-bckerei-hfb76a.de)' for an MX host, in a host
    name or a sentence; records, policy lines, URLs and addresses as written."""
    return models.for_people(str(text))
