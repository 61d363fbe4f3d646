from django.apps import AppConfig


class HostingConfig(AppConfig):
    name = "mailsec.hosting"
    label = "hosting"
    verbose_name = "Hosted MTA-STS"
