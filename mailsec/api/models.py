"""Team API keys: read-only, stored as the SHA-256 of the key, never the key itself."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from mailsec.accounts.models import Team

# Every key starts with this, so a key pasted into a log or a repository can be recognised
# (and secret scanners can be taught to look for it).
KEY_PREFIX = "msk_"
# What follows the prefix: token_urlsafe(32), 256 random bits in 43 URL-safe characters.
KEY_SHAPE = re.compile(r"msk_[A-Za-z0-9_-]{43}")
# How much of a key the team page lists, to tell keys apart: the prefix and 8 characters
# (48 of its 256 bits), no help to anyone guessing the rest.
SHOWN_LENGTH = len(KEY_PREFIX) + 8
# Keys a team may hold at once (revoked ones are not counted).
MAX_KEYS = 10
LABEL_MAX = 100
# Requests a key may make per window (mailsec.freecheck.ratelimit's fixed windows, counted
# across every web process): MAILSEC_API_RATE_PER_MINUTE, as the process started. The answers
# and the team page (mailsec.accounts.views) read it here.
RATE: int = settings.MAILSEC_API_RATE_PER_MINUTE
WINDOW = 60  # seconds
# last_used_at is written at most this often per key: a script polling every second costs
# one UPDATE a minute, not one a request.
LAST_USED_EVERY = timedelta(minutes=1)
# Failed key attempts (no key, not a key, unknown, revoked) a client network may make per
# window before every request from it is refused for the rest of the window: keys are not
# guessable, but nobody gets to try millions of them, nor to make us look them up.
FAILED_RATE = 20
# How long the team page still lists a key revoked because its creator left the team, so the
# owner learns why a dashboard stopped.
LEFT_SHOWN = timedelta(days=30)


@sensitive_variables("key")  # an error report's traceback stars the key
def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(models.Model):
    class Revoked(models.TextChoices):
        # Blank: by the owner's Revoke button (revoked_by), as every key revoked before 0002.
        BY_OWNER = "", "revoked"
        # Its creator's membership ended (removed, left, account deleted): a key is the
        # team's, but whoever created it knew it, and the team should not depend on the
        # departing person remembering to hand it over (mailsec.api.signals).
        CREATOR_LEFT = "creator_left", "revoked: its creator left the team"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="api_keys")
    label = models.CharField(max_length=LABEL_MAX)
    # The key's first SHOWN_LENGTH characters, for the list; the key is looked up by its hash.
    prefix = models.CharField(max_length=SHOWN_LENGTH)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    # A revoked key is kept (not deleted) so a request with it is told "revoked", not
    # "unknown": whoever runs the script learns why it stopped.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_why = models.CharField(max_length=20, choices=Revoked.choices, blank=True, default="")

    def __str__(self) -> str:
        return f"API key {self.prefix}… ({self.label}) of {self.team}"

    @classmethod
    def active(cls) -> models.QuerySet[ApiKey]:
        return cls.objects.filter(revoked_at=None)

    @classmethod
    def creator_left_lately(cls, team: Team) -> models.QuerySet[ApiKey]:
        """The team's keys revoked in the last LEFT_SHOWN because their creator left the team,
        newest first: the team page lists them so the owner learns why a script stopped (a
        key the owner revoked is known)."""
        return cls.objects.filter(
            team=team,
            revoked_why=cls.Revoked.CREATOR_LEFT,
            revoked_at__gte=timezone.now() - LEFT_SHOWN,
        ).order_by("-revoked_at", "-pk")

    @classmethod
    @sensitive_variables("key")  # an error report's traceback stars the new key (s47o)
    def create_for(cls, team: Team, label: str, user: User | None) -> tuple[ApiKey, str]:
        """A new key of `team`: the row, and the key itself, which is nowhere else after this
        (the caller shows it once). The caller holds the team's row (see views.key_create)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(
            team=team,
            label=label,
            prefix=key[:SHOWN_LENGTH],
            key_hash=key_hash(key),
            created_by=user,
        )
        return row, key

    @classmethod
    @sensitive_variables("key")  # an error report's traceback stars the key
    def for_key(cls, key: str) -> ApiKey | None:
        """The row of `key`, revoked or not, or None. Looked up by the key's hash: the
        database compares hashes, so how long the comparison takes says nothing about the
        key, and the table holds nothing that would let anyone use one."""
        return cls.objects.select_related("team").filter(key_hash=key_hash(key)).first()

    @classmethod
    def revoke_created_by(cls, user_id: int, team_id: int | None = None) -> int:
        """Revoke the active keys `user_id` created (of `team_id` only, if given) because they
        left the team: how many."""
        keys = cls.active().filter(created_by_id=user_id)
        if team_id is not None:
            keys = keys.filter(team_id=team_id)
        return keys.update(revoked_at=timezone.now(), revoked_why=cls.Revoked.CREATOR_LEFT)

    def note_use(self) -> None:
        """Stamp last_used_at, at most once per LAST_USED_EVERY: most requests write nothing,
        and the conditional UPDATE makes concurrent requests write it once."""
        now = timezone.now()
        stale = now - LAST_USED_EVERY
        if self.last_used_at is not None and self.last_used_at > stale:
            return
        ApiKey.objects.filter(pk=self.pk).filter(
            Q(last_used_at=None) | Q(last_used_at__lte=stale)
        ).update(last_used_at=now)
        self.last_used_at = now
