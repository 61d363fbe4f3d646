"""mailsec: checks, monitors and hosts mail transport security."""

from mailsec.celery import app as celery_app

__all__ = ("celery_app",)
