from django.apps import AppConfig

# Seconds between sweeps for raw reports left pending (see reports.tasks.sweep_pending_reports).
SWEEP_INTERVAL = 120.0


class ReportsConfig(AppConfig):
    """TLS-RPT reports: intake over HTTPS and e-mail, parsing, dashboard."""

    name = "reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The sweep belongs to this app, so the app registers it with beat itself rather
        # than asking for an entry in settings.CELERY_BEAT_SCHEDULE.
        from mailsec.celery import app

        app.conf.beat_schedule.setdefault(
            "reports-sweep-pending",
            {"task": "reports.tasks.sweep_pending_reports", "schedule": SWEEP_INTERVAL},
        )
