from django.apps import AppConfig


class HostingConfig(AppConfig):
    name = "mailsec.hosting"
    label = "hosting"
    verbose_name = "Hosted MTA-STS"

    def ready(self) -> None:
        from mailsec.hosting import signals  # noqa: F401  (connects the receivers)
