from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from mailsec.domains.models import CheckRun


class Command(BaseCommand):
    help = "Keep one check run per domain per day for runs older than 90 days."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = CheckRun.thin(timezone.now())
        self.stdout.write(f"Deleted {deleted} old check runs.")
