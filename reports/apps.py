from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """TLS-RPT reports: intake over HTTPS and e-mail, parsing, dashboard."""

    name = "reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
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
