from __future__ import annotations

from django.db import models
from django.utils import timezone


class Ping(models.Model):
    """Written by the `ping` task: proof that a task went through broker, worker and database.

    The token "beat" is refreshed every minute by beat's heartbeat entry, so its `created`
    tells when beat and a worker last worked together.
    """

    token = models.CharField(max_length=64, unique=True)
    worker = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.token} by {self.worker or '?'} at {self.created:%Y-%m-%d %H:%M:%S}"
