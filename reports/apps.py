from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """TLS-RPT reports: intake, parsing, aggregates (the reports work fills this in)."""

    name = "reports"
