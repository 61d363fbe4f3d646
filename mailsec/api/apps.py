from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The read-only team API: a team's domains, scores and findings, by API key."""

    name = "mailsec.api"
    label = "api"
    verbose_name = "team API"

    def ready(self) -> None:
        from mailsec.api import signals  # noqa: F401
