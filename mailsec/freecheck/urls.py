from django.urls import path

from mailsec.freecheck import views

urlpatterns = [
    path("check", views.check, name="freecheck"),
    path("check/<uuid:code>", views.report, name="freecheck-report"),
    path("check/<uuid:code>/results", views.results, name="freecheck-results"),
    path("check/<uuid:code>/again", views.again, name="freecheck-again"),
    path("api/v1/check", views.api_check, name="freecheck-api"),
]
