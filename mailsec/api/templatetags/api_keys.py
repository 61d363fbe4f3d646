"""The team page's API keys card: what it lists beside the active keys."""

from __future__ import annotations

from django import template
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.api.models import LEFT_SHOWN, ApiKey

register = template.Library()


@register.simple_tag
def keys_whose_creator_left(team: Team) -> list[ApiKey]:
    """The team's keys revoked in the last LEFT_SHOWN because their creator left the team,
    newest first: the owner learns why a script stopped (a key the owner revoked is known)."""
    return list(
        ApiKey.objects.filter(
            team=team,
            revoked_why=ApiKey.Revoked.CREATOR_LEFT,
            revoked_at__gte=timezone.now() - LEFT_SHOWN,
        ).order_by("-revoked_at", "-pk")
    )
