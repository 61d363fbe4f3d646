from django.urls import path

from mailsec.api import views

app_name = "api"

urlpatterns = [
    path("api/v1/domains", views.domains, name="domains"),
    path("api/v1/domains/<str:name>", views.domain, name="domain"),
    path("api/v1/domains/<str:name>/history", views.history, name="history"),
    path("team/api-keys/", views.key_create, name="key_create"),
    path("team/api-keys/<uuid:code>/revoke/", views.key_revoke, name="key_revoke"),
]
