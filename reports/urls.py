"""Included at /tlsrpt/ by mailsec/urls.py."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    # RFC 8460 §5.4 intake; no trailing slash so the rua URI is exactly what the owner publishes.
    path("<str:token>", views.receive, name="receive"),
    path("<str:token>/dashboard/", views.dashboard, name="dashboard"),
    path("<str:token>/reports/<uuid:report_id>/", views.report_detail, name="report"),
    path("<str:token>/raw/<uuid:raw_id>.json", views.raw_json, name="raw_json"),
    path("<str:token>/export.csv", views.export_csv, name="export_csv"),
]
