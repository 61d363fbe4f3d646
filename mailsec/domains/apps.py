from django.apps import AppConfig


class DomainsConfig(AppConfig):
    name = "mailsec.domains"
    label = "domains"
