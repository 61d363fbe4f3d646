from __future__ import annotations

import unicodedata
from typing import Any

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.email_verification import (
    handle_verification_email_rate_limit,
)
from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.models import Login
from allauth.account.stages import LoginByCodeStage, LoginStageController
from allauth.account.utils import filter_users_by_email
from allauth.core import ratelimit
from django import forms
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from mailsec.accounts.models import Team


class LoginForm(AllauthLoginForm):
    """Sign-in by code, or by password for those who set one on the Account page.

    allauth drops the password field when sign-up asks for no password, which left a password
    set there unusable (a password typed anyway was ignored for a code). Kept, but optional:
    left empty, allauth sends a code as before; given, it is checked with allauth's limit on
    failed tries (ACCOUNT_RATE_LIMITS "login_failed"), and a wrong one reads the same whether
    the address has an account or not."""

    def _setup_password_field(self) -> None:
        field = self.fields["password"]
        field.required = False
        field.widget.attrs["placeholder"] = "Password (leave empty for a code)"


class SignupForm(AllauthSignupForm):
    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        """Someone signing up with an address that already has an account gets a sign-in
        code for it instead of an error (which would tell strangers who has an account) or
        allauth's "you already have an account" mail (which leaves them stuck).

        Both cases land on the same URL (accounts:confirm_code, see also the adapter) with
        the same page, and consume the same rate limits in the same order, so the answer to
        "has this address an account?" is only in the mailbox: a limit consumed by one case
        only showed in what a next request answered (a 429, or "Too many" on the code form)."""
        email = self.cleaned_data["email"]
        # The per-address limit of "send me a code" (3 a minute), for every sign-up: for an
        # address with an account, sign-up must not be a way around it to guess codes or
        # flood a mailbox; for a new one, the count must be the same. Over it, the answer is
        # the same and no sign-in code goes out (a new address still gets its one code).
        code_allowed = ratelimit.consume(request, action="request_login_code", key=email.lower())
        if self.account_already_exists:
            users = filter_users_by_email(email, is_active=True, prefer_verified=True)
            if users:
                # What allauth's sign-up of a new address consumes next (confirm_email, one
                # code mail per 10 s per address), with the same 429 over it.
                handle_verification_email_rate_limit(request, email)
                if code_allowed:
                    LoginCodeVerificationProcess.initiate(
                        request=request, user=users[0], email=email
                    )
                else:
                    _await_unsent_code(request, users[0], email)
                return None, HttpResponseRedirect(reverse("accounts:confirm_code"))
        return super().try_save(request)


def _await_unsent_code(request: HttpRequest, user: Any, email: str) -> None:
    """A sign-in by code as LoginCodeVerificationProcess.initiate starts it, with no code
    made or mailed: the code page then shows as for any sign-up (no code typed matches).
    Without it, the page of an address over its limit sent to the sign-in page, which told
    that the address has an account."""
    state = LoginCodeVerificationProcess.initial_state(user=user, email=email)
    state["initiated_by_user"] = True
    login = Login(user=user, email=email)
    login.state["stages"] = {"current": LoginByCodeStage.key}
    stage = LoginByCodeStage(LoginStageController(request, login), request, login)
    stage.state.update(state)
    LoginCodeVerificationProcess(stage=stage).persist()


# allauth labels its password fields in title case ("New Password (again)") and repeats each
# label as the field's placeholder, which is what shows: the templates put their own label
# above the field (account/_new_password.html, password_change.html). The same words in both.
PASSWORD_WORDS = {
    "oldpassword": "Current password",
    "password1": "New password",
    "password2": "New password, again",
}


def _say_password_fields(form: forms.Form) -> None:
    for name, words in PASSWORD_WORDS.items():
        if field := form.fields.get(name):
            field.label = words
            field.widget.attrs["placeholder"] = words


class ChangePasswordForm(AllauthChangePasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _say_password_fields(self)


class SetPasswordForm(AllauthSetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _say_password_fields(self)


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    """The new password at the end of a reset by code (allauth's form for reset links too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _say_password_fields(self)


class InviteForm(forms.Form):
    # 254: the longest address SMTP can carry (RFC 5321 §4.5.3.1.3), and Invite.email's size.
    # The errors are the page's only word on a refused address, shown beside the field (a
    # browser's own check lets "friend@example" through, so this is often the first one).
    email = forms.EmailField(
        label="Email address of the person to invite",
        max_length=254,
        error_messages={
            "required": "Enter the email address of the person to invite.",
            "invalid": "%(value)s is not an email address we can send to: check it and send again.",
            "max_length": "With %(show_value)d characters, this is not an email address we can "
            "send to (SMTP carries at most %(limit_value)d).",
        },
    )


class TeamNameForm(forms.Form):
    # Team.name's size. Stripped: a name of spaces is no name.
    name = forms.CharField(
        label="Team name",
        max_length=Team._meta.get_field("name").max_length,
        strip=True,
        error_messages={
            "required": "Enter a name for the team.",
            "max_length": "Use at most %(limit_value)d characters (this has %(show_value)d).",
        },
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        # The name goes into invitation subjects, where a line break cannot go (a mail header),
        # and onto every page: no control characters, no line breaks.
        if any(unicodedata.category(char) == "Cc" for char in name):
            raise forms.ValidationError("Use a name on one line, without control characters.")
        return name
