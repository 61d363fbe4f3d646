"""allauth adjustments that belong to the whole sign-up flow, not to one form.

A sign-up with a new address and a sign-up with an address that has an account already
(mailsec.accounts.forms.SignupForm sends that account a sign-in code) must look the same to
whoever submitted the form: same URL, same page, same message. Only the mailbox tells.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse

from mailsec.mail import notice_headers

log = logging.getLogger(__name__)


def _code_lifetimes() -> dict[str, int]:
    """Seconds each emailed code stays good, by allauth's template prefix: the email says it."""
    return {
        "account/email/login_code": app_settings.LOGIN_BY_CODE_TIMEOUT,
        # A sign-up's code for an address with an account: the sign-up's verification timer.
        "account/email/signup_login_code": app_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
        "account/email/email_confirmation_signup": app_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
        "account/email/email_confirmation": app_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
        "account/email/password_reset_code": app_settings.PASSWORD_RESET_BY_CODE_TIMEOUT,
    }


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The client as the free check sees it: behind our own proxy (Caddy on this host)
        REMOTE_ADDR is the proxy for everyone, and allauth's per-IP limits would then be one
        limit for the whole site."""
        from mailsec.freecheck.ratelimit import client_ip

        return client_ip(request) or super().get_client_ip(request)

    def respond_email_verification_sent(self, request: HttpRequest, user: Any) -> HttpResponseBase:
        return HttpResponseRedirect(reverse("accounts:confirm_code"))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """What our templates (templates/account/email/) name: the site as SITE_ROOT has it
        (allauth's default is the Host of the request, whatever reached the server) and how
        long the code is good for. Links are built on SITE_ROOT too, as in the other emails."""
        site = urlsplit(settings.SITE_ROOT)
        ctx: dict[str, Any] = {"site": site.netloc}
        seconds = _code_lifetimes().get(template_prefix)
        if seconds:
            ctx["expires_minutes"] = max(1, seconds // 60)
        if "signup_url" in context:
            ctx["signup_url"] = settings.SITE_ROOT + reverse("account_signup")
            # A code asked for on the way to an invitation, by its address, which has no
            # account yet (allauth's unknown-account mail): the sign-up link leads back to the
            # invitation, so that the sign-up starts with that address and ends at Join.
            # Another address's mail does not name the invitation.
            from mailsec.accounts.forms import invitation_next

            invite = invitation_next(allauth_context.request)
            if invite is not None and invite.email.lower() == email.lower():
                path = reverse("accounts:invite", args=[invite.token])
                ctx["signup_url"] += "?" + urlencode({"next": path})
        ctx["login_url"] = settings.SITE_ROOT + reverse("account_request_login_code")
        if allauth_context.request is None:
            # Outside a request (a notice sent from a shell: mailsec.accounts.signals) allauth's
            # send_mail would name the site from the request there is not; ours name it above.
            self.render_mail(template_prefix, email, {"email": email, **context, **ctx}).send()
            return
        super().send_mail(template_prefix, email, {**context, **ctx})

    def send_notification_mail(
        self,
        template_prefix: str,
        user: Any,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """A security notice (ACCOUNT_EMAIL_NOTIFICATIONS) is sent after the change it tells
        of was made: a mail server that is down must not turn that change into an error page
        (and, after a password change, sign the person out: the new session hash is not
        saved on a 5xx). Logged, not raised. Mails the person waits for, sign-in and
        verification codes, go through send_mail and still fail loudly."""
        try:
            super().send_notification_mail(template_prefix, user, context, email)
        except Exception:
            log.exception("could not send the security notice %s to %s", template_prefix, user)

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        """The headers every email of the product carries (see mailsec.mail): the product
        writes these, no person does (RFC 3834, no vacation replies), and the Message-ID is
        made on our From domain rather than on the machine's own name."""
        headers = notice_headers() | (headers or {})
        return super().render_mail(template_prefix, email, context, headers)
