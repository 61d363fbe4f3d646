from django.urls import path, re_path

from mailsec.api import views

app_name = "api"

urlpatterns = [
    path("api/v1/domains", views.domains, name="domains"),
    path("api/v1/domains/<str:name>", views.domain, name="domain"),
    path("api/v1/domains/<str:name>/history", views.history, name="history"),
    path("team/api-keys/", views.key_create, name="key_create"),
    path("team/api-keys/<uuid:code>/revoke/", views.key_revoke, name="key_revoke"),
    # Last: any other path under /api/v1/ answers the API's JSON 404, not the site's HTML
    # one. The free check's /api/v1/check is matched before this (mailsec/urls.py includes
    # its URLs first).
    re_path(r"^api/v1/", views.no_such_endpoint, name="no_such_endpoint"),
]
