from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mailsec.accounts"
    label = "accounts"

    def ready(self) -> None:
        from mailsec.accounts import signals  # noqa: F401
