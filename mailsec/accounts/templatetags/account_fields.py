"""Template filters for the account pages' form fields (templates/account/_field.html)."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def described_by_help(field: BoundField) -> SafeString:
    """The field's input, naming the help _field.html writes in the site's words (and the
    errors, when there are any) in aria-describedby. Django names the help only when the form
    field has help text of its own, so help given by the template alone was never read out
    when the input took focus."""
    ids = [f"{field.auto_id}_helptext"]
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return field.as_widget(attrs={"aria-describedby": " ".join(ids)})
