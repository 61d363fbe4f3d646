"""A key ends with its creator's membership: when they leave the team (removed, or left) or
their account is deleted, the active keys they created of that team are revoked."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from mailsec.accounts.models import Membership
from mailsec.api.models import ApiKey


# A signal, not the team page's view: a membership also ends in the admin and by a queryset
# delete (mailsec.alerts.models._membership_ended for the same reason).
@receiver(post_delete, sender=Membership, dispatch_uid="api.creator_left")
def revoke_when_membership_ends(sender: type[Membership], instance: Membership, **kw: Any) -> None:
    # Ids, not instances: when the team itself is deleted its row may be gone already.
    ApiKey.revoke_created_by(instance.user_id, instance.team_id)


# Before, not after: deleting a user sets created_by to NULL (SET_NULL) before their
# memberships' post_delete runs, when the keys no longer say who created them. pre_delete
# runs first, inside the deletion's transaction.
@receiver(pre_delete, sender=User, dispatch_uid="api.creator_deleted")
def revoke_when_user_deleted(sender: type[User], instance: User, **kw: Any) -> None:
    ApiKey.revoke_created_by(instance.pk)
