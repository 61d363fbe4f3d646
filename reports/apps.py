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
        # Every monitored domain gets its report address when it is added (issue 7); the
        # domain page also makes one lazily for domains added before this existed.
        from django.db.models.signals import post_save

        post_save.connect(
            _address_for_new_domain, sender="domains.Domain", dispatch_uid="reports-address"
        )


def _address_for_new_domain(sender: object, instance: object, created: bool, **_: object) -> None:
    if created:
        from reports.models import ReportAddress

        ReportAddress.for_domain(instance)  # type: ignore[arg-type]
