from django.apps import AppConfig


class FreecheckConfig(AppConfig):
    """The public "check your domain" page and its JSON twin: no account needed."""

    name = "mailsec.freecheck"
    label = "freecheck"
    verbose_name = "free check"
