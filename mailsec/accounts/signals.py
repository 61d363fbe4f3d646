from __future__ import annotations

from typing import Any

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from mailsec.accounts.models import Profile


@receiver(user_signed_up)
def give_new_user_a_team(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    Profile.for_user(user).team()
