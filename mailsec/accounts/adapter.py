"""allauth adjustments that belong to the whole sign-up flow, not to one form.

A sign-up with a new address and a sign-up with an address that has an account already
(mailsec.accounts.forms.SignupForm sends that account a sign-in code) must look the same to
whoever submitted the form: same URL, same page, same message. Only the mailbox tells.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The client as the free check sees it: behind our own proxy (Caddy on this host)
        REMOTE_ADDR is the proxy for everyone, and allauth's per-IP limits would then be one
        limit for the whole site."""
        from mailsec.freecheck.ratelimit import client_ip

        return client_ip(request) or super().get_client_ip(request)

    def respond_email_verification_sent(self, request: HttpRequest, user: Any) -> HttpResponseBase:
        return HttpResponseRedirect(reverse("accounts:confirm_code"))
