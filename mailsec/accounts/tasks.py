"""Accounts housekeeping, run by beat (CELERY_BEAT_SCHEDULE in mailsec/settings.py)."""

from __future__ import annotations

from celery import shared_task

from mailsec.accounts.models import Invite


@shared_task(name="mailsec.accounts.tasks.prune_invites", ignore_result=True)
def prune_invites() -> int:
    """Delete invitations that expired unaccepted (an owner may send 30 an hour: without
    this they would pile up for ever)."""
    return Invite.delete_expired()
