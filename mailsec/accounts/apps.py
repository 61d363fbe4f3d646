from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mailsec.accounts"
    label = "accounts"
