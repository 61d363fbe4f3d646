from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "mailsec.scoring"
    label = "scoring"
