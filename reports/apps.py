from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """TLS-RPT reports: intake over HTTPS and e-mail, parsing, dashboard."""

    name = "reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A TLSRPT_* variable that cannot be used stops start-up here (web, worker, smtpd,
        # manage.py), not at the first report (docs/configuration.md).
        from reports.conf import check_all

        check_all()

        # Every monitored domain gets its report address when it is added (issue 7); the
        # domain page also makes one lazily for domains added before this existed.
        from django.db.models.signals import post_save, pre_delete

        post_save.connect(
            _address_for_new_domain, sender="domains.Domain", dispatch_uid="reports-address"
        )
        pre_delete.connect(
            _keep_owner_of_addresses, sender="domains.Domain", dispatch_uid="reports-owner"
        )


def _address_for_new_domain(sender: object, instance: object, created: bool, **_: object) -> None:
    if created:
        from reports.models import ReportAddress

        ReportAddress.for_domain(instance)  # type: ignore[arg-type]


def _keep_owner_of_addresses(sender: object, instance: object, **_: object) -> None:
    """A removed domain's addresses stay its team's (ReportAddress.for_domain gives them back
    if the team adds the domain again): stamped here from the domain itself, whatever set
    the link (an address linked by hand, or before the field existed)."""
    from reports.models import ReportAddress

    ReportAddress.objects.filter(domain=instance).update(team_id=instance.team_id)  # type: ignore[attr-defined]
