from django.apps import AppConfig


class MailsecConfig(AppConfig):
    """The project's own app: health and self-test plumbing (the Ping model)."""

    name = "mailsec"
    verbose_name = "mailsec"
