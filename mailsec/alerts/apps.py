from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "mailsec.alerts"
    label = "alerts"
