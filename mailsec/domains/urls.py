from django.urls import path

from mailsec.domains import views

app_name = "domains"

urlpatterns = [
    path("", views.index, name="index"),
    path("add/", views.add, name="add"),
    path("add-many/", views.add_many, name="add_many"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("records.csv", views.records_csv, name="records_csv"),
    path("verify-all/", views.verify_all, name="verify_all"),
    path("<uuid:code>/", views.details, name="details"),
    path("<uuid:code>/verify/", views.verify, name="verify"),
    path("<uuid:code>/remove/", views.remove, name="remove"),
    path("<uuid:code>/selectors/", views.selectors, name="selectors"),
    path("<uuid:code>/check/", views.check_now, name="check"),
    path("<uuid:code>/compare/", views.compare, name="compare"),
    path("<uuid:code>/runs/<uuid:run_code>/progress/", views.progress, name="progress"),
]
