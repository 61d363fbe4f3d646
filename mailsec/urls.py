import allauth.mfa.urls
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from mailsec import views
from mailsec.accounts import views as account_views
from mailsec.debugfilter import secret_pages

# The admin's own sign-in form checks passwords with no limit on tries (and, through allauth's
# backend, takes an email address as the username): staff sign in through allauth's sign-in,
# rate limited, and come back; /admin/login/ itself checks no password.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("mailsec.freecheck.urls")),  # /check… and /api/v1/check
    path("", include("mailsec.api.urls")),  # /api/v1/domains…, by team API key; /team/api-keys/
    path("", include("mailsec.scoring.urls")),  # /scoring/, the public rubric
    path("admin/", admin.site.urls),
    # Before allauth's own view at this URL (and under its name): it says when the code
    # typed has expired.
    path(
        "accounts/login/code/confirm/",
        account_views.confirm_login_code,
        name="account_confirm_login_code",
    ),
    # allauth's own code page for a sign-up (and an added address) takes a posted code as
    # well: ours, under its name, so a sign-up code is judged by one view whichever URL it
    # is posted to (allauth's signed in an account whose address had been removed since).
    path(
        "accounts/confirm-email/",
        account_views.confirm_code,
        name="account_email_verification_sent",
    ),
    # allauth's two-factor pages, before its own at these URLs and under the same names: the
    # TOTP secret, the recovery codes (shown, made, or typed in and compared with every unused
    # one) and the app's codes are in their frames' variables and their templates' context,
    # which an error report would print; each is starred (mailsec.debugfilter.secret_page, s48d).
    path("accounts/2fa/", include(secret_pages(allauth.mfa.urls.urlpatterns))),
    path("accounts/", include("allauth.urls")),
    path("domains/", include("mailsec.domains.urls")),
    path("alerts/", include("mailsec.alerts.urls")),
    path("hosting/", include("mailsec.hosting.urls")),
    path("tlsrpt/", include("reports.urls")),
    path("", include("mailsec.accounts.urls")),
]

# The 400 page without the request: no csrftoken cookie for a refused Host (views.bad_request).
handler400 = views.bad_request
