"""The project's URLs plus a bare view: the baseline the pages are compared with."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    # Same middleware (session, auth, CSRF, messages) as the pages, no queries of its own.
    return HttpResponse("ok", content_type="text/plain")


@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    # The floor of every signed-in page: the session and the user are read, nothing else.
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/signed-in/", signed_in),
    path("", include("mailsec.urls")),
]
