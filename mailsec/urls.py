from django.contrib import admin
from django.urls import include, path

from mailsec import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("mailsec.freecheck.urls")),  # /check… and /api/v1/check
    path("", include("mailsec.scoring.urls")),  # /scoring/, the public rubric
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("domains/", include("mailsec.domains.urls")),
    path("alerts/", include("mailsec.alerts.urls")),
    path("hosting/", include("mailsec.hosting.urls")),
    path("tlsrpt/", include("reports.urls")),
    path("", include("mailsec.accounts.urls")),
]
