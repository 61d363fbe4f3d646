from django.urls import path

from mailsec.hosting import views

app_name = "hosting"

urlpatterns = [
    path("<uuid:code>/", views.page, name="page"),
    path("<uuid:code>/records/", views.records, name="records"),
    path("<uuid:code>/events/", views.events, name="events"),
    path("<uuid:code>/enable/", views.enable, name="enable"),
    path("<uuid:code>/update/", views.update, name="update"),
    path("<uuid:code>/suggest/", views.suggest, name="suggest"),
    path("<uuid:code>/sync/", views.sync_now, name="sync"),
    path("<uuid:code>/enforce/", views.enforce, name="enforce"),
    path("<uuid:code>/disable/", views.disable, name="disable"),
]
