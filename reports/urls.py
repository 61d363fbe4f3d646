"""Included at /tlsrpt/ by mailsec/urls.py."""

from django.urls import path, register_converter

from reports import all_domains, views
from reports.intake_http import TOKEN_PATTERN

app_name = "reports"


class TokenConverter:
    """A report address token (reports.intake_http.TOKEN_PATTERN). Anything else is no page:
    a 404 from the resolver, before a look-up PostgreSQL would refuse (a NUL byte) as a 500."""

    regex = TOKEN_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

urlpatterns = [
    # Before the intake's <str:token>, which takes any text (a token is hex: no clash).
    path("all-domains/", all_domains.all_domains, name="all_domains"),
    # RFC 8460 §5.4 intake; no trailing slash so the rua URI is exactly what the owner publishes.
    # Any text is taken as a token here, so that a sender is answered 404 by the view, in
    # JSON, not with the site's HTML page.
    path("<str:token>", views.receive, name="receive"),
    # The same with a slash: an owner who published the URI with one would otherwise lose
    # every report to a 404.
    path("<str:token>/", views.receive, name="receive_slash"),
    path("<token:token>/dashboard/", views.dashboard, name="dashboard"),
    path("<token:token>/reports/<uuid:report_id>/", views.report_detail, name="report"),
    path("<token:token>/raw/<uuid:raw_id>.json", views.raw_json, name="raw_json"),
    path("<token:token>/export.csv", views.export_csv, name="export_csv"),
]
