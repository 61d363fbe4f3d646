from __future__ import annotations

import secrets
import string
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.email_verification import (
    add_email_verification_sent_message,
    get_address_for_user,
    handle_verification_email_rate_limit,
)
from allauth.account.internal.flows.email_verification_by_code import EmailVerificationProcess
from allauth.account.internal.stagekit import stash_login
from allauth.account.models import EmailAddress, Login
from allauth.account.stages import EmailVerificationStage, LoginStageController
from allauth.account.utils import (
    filter_users_by_email,
    get_next_redirect_url,
    has_verified_email,
)
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

from mailsec.accounts.models import (
    Invite,
    Membership,
    Profile,
    Team,
    time_zone_names,
)


class LoginForm(AllauthLoginForm):
    """Sign-in by code, or by password for those who set one on the Account page.

    allauth drops the password field when sign-up asks for no password, which left a password
    set there unusable (a password typed anyway was ignored for a code). Kept, but optional:
    left empty, allauth sends a code as before; given, it is checked with allauth's limit on
    failed tries (ACCOUNT_RATE_LIMITS "login_failed"), and a wrong one reads the same whether
    the address has an account or not."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Signing in to accept an invitation (the invitation page's first button).
        _start_with_invited_address(self, "login")

    def _setup_password_field(self) -> None:
        field = self.fields["password"]
        field.required = False
        field.widget.attrs["placeholder"] = "Password (leave empty for a code)"


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """allauth's "email me a sign-in code" form. Reached from the sign-in page on the way to an
    invitation (its link carries the same next): the invited address, as on the sign-in and
    sign-up pages, still editable (Join checks the address)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _start_with_invited_address(self, "email")


def invitation_next(request: HttpRequest | None) -> Invite | None:
    """The usable invitation a sign-up's or sign-in's next (?next=, or the form's own field
    when posted) leads back to, if it does."""
    if request is None:
        return None
    after = request.GET.get("next", "") or request.POST.get("next", "")
    if not after or not url_has_allowed_host_and_scheme(
        after, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    try:
        match = resolve(urlsplit(after).path)
    except Resolver404:
        return None
    if match.view_name != "accounts:invite":
        return None
    invite = Invite.objects.filter(token=match.kwargs["token"]).first()
    return invite if invite is not None and invite.is_usable() else None


def _invited_address(request: HttpRequest | None) -> str | None:
    """The address of the usable invitation a sign-up's or sign-in's next leads back to."""
    invite = invitation_next(request)
    return invite.email if invite is not None else None


def _start_with_invited_address(form: forms.Form, field: str) -> None:
    """An unbound form on the way to an invitation starts with the invited address in `field`
    (sign-in, the request-code page, sign-up). Still editable: Join checks the address."""
    if form.is_bound or field not in form.fields or form.initial.get(field):
        return
    invited = _invited_address(allauth_context.request)
    if invited:
        form.initial[field] = invited


# In the email verification state of a sign-up whose address has an account: the code mailed
# signs that account in (mailsec.accounts.views._ConfirmSignupCodeHere) instead of verifying.
SIGN_IN_STATE_KEY = "mailsec_sign_in"


class _Discarded(Exception):
    """Rolls back the writes of SignupForm._write_as_a_new_sign_up_and_discard."""


class SignupForm(AllauthSignupForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Signing up to accept an invitation: its address, which the invitation page's "Join"
        # asks for, instead of an empty field (mistyped, the invitation is lost).
        _start_with_invited_address(self, "email")

    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        """Someone signing up with an address that already has an account gets a sign-in
        code for it instead of an error (which would tell strangers who has an account) or
        allauth's "you already have an account" mail (which leaves them stuck).

        Both cases land on the same URL (accounts:confirm_code, see also the adapter) with
        the same page, consume the same rate limits in the same order, and leave the session
        at the same step (see _start_sign_in_by_verification), so the answer to "has this
        address an account?" is only in the mailbox: a limit consumed by one case only showed
        in what a next request answered (a 429, or "Too many" on the code form), a different
        step in what every later request of the same session answered."""
        email = self.cleaned_data["email"]
        # The per-address limit of "send me a code" (3 a minute), for every sign-up: for an
        # address with an account, sign-up must not be a way around it to guess codes or
        # flood a mailbox; for a new one, the count must be the same. Over it, the answer is
        # the same and no sign-in code goes out (a new address still gets its one code).
        code_allowed = ratelimit.consume(request, action="request_login_code", key=email.lower())
        # Looked up for every address, the new ones too: the same reads either way.
        users = _holders_verified_first(email)
        if self.account_already_exists and users:
            # What allauth's sign-up of a new address consumes next (confirm_email, one
            # code mail per 10 s per address), with the same 429 over it.
            handle_verification_email_rate_limit(request, email)
            self._write_as_a_new_sign_up_and_discard(request)
            _start_sign_in_by_verification(request, users[0], email, send=code_allowed)
            return None, get_adapter().respond_email_verification_sent(request, None)
        if self.account_already_exists:
            # Only deactivated holders: allauth mails the address that it has an account
            # (prevent_enumeration). The same writes as a new sign-up's, dropped, first.
            self._write_as_a_new_sign_up_and_discard(request)
        # The account and its team in one transaction, one commit: the same as the discarded
        # writes above but for their end. The team was made later, by user_signed_up's
        # receiver (mailsec.accounts.signals), in commits of its own; it now finds it made.
        with transaction.atomic():
            user, response = super().try_save(request)
            if user is not None:
                Profile.for_user(user).team()
        return user, response

    def _write_as_a_new_sign_up_and_discard(self, request: HttpRequest) -> None:
        """The writes of a new address's sign-up (a user, its address, a profile, a team and
        its membership) and the reads that follow them, in a transaction rolled back.

        A new address's sign-up took twice as long as a known one's (SQLite 28 against 12 ms,
        PostgreSQL 31 against 13: bench/signup_timing.py), which told a stranger who has an
        account as plainly as an error would. Writing nothing for a new address is no way out:
        the account must exist before the code is typed (an expired sign-up is finished by a
        sign-in code). So a known address's sign-up does the same work, made by the same code
        (allauth's form save, our team), and drops it."""
        # allauth's save leaves out an address that is taken (the known one): a stand-in
        # nobody has, so that its row is written as a new one's is; the same local part,
        # from which allauth makes the username the same way.
        local, _, domain = self.cleaned_data["email"].rpartition("@")
        # As long as the address, so that every row (the team is named after it) is as long
        # as a new sign-up's and fits where that one fits.
        stand_in = f"{local}@{_random_name(len(domain))}"
        posted = self.cleaned_data
        try:
            with transaction.atomic():
                self.cleaned_data, self.account_already_exists = (
                    {**posted, "email": stand_in},
                    False,
                )
                try:
                    user = self.save(request)
                finally:
                    self.cleaned_data, self.account_already_exists = posted, True
                Profile.for_user(user).team()
                # What the new address's sign-up reads next: user_signed_up's receiver (its
                # team), then allauth's email verification stage: has the user a verified
                # address, which address to verify, and that address's user and row again.
                Profile.for_user(user).team()
                has_verified_email(user)
                address = get_address_for_user(user)
                if address is not None:
                    EmailAddress.objects.get_for_user(address.user, address.email)
                raise _Discarded
        except _Discarded:
            pass


def _random_name(length: int) -> str:
    """A random domain name of `length` characters nobody holds an address at: labels of
    random letters, ending in .invalid (RFC 2606) when there is room for it."""
    tld = ".invalid" if length > len(".invalid") else ""
    letters = "".join(secrets.choice(string.ascii_lowercase) for _ in range(length - len(tld)))
    return letters + tld


def _holders_verified_first(email: str) -> list[Any]:
    """The active users with `email`, those who verified it first: allauth's
    filter_users_by_email(prefer_verified=True) but with the same reads whatever it finds
    (allauth's skips its read of the users' table when a verified address answers, which a
    new address never has, and the sign-up's time told which)."""
    users = filter_users_by_email(email, is_active=True)
    verified = set(
        EmailAddress.objects.filter(email=email.lower(), verified=True).values_list(
            "user_id", flat=True
        )
    )
    return sorted(users, key=lambda user: user.pk not in verified)


def _start_sign_in_by_verification(request: HttpRequest, user: Any, email: str, send: bool) -> None:
    """Leave the session where allauth's sign-up of a new address leaves it: a login (of
    `user`) stashed at its email verification stage, the stages before it passed, and an
    email verification by code pending, with its timeout, its wrong tries and its answers.

    A sign-in by code (allauth's LoginByCodeStage) in its place answered differently in the
    same session: another code page at another URL, a 3-minute code against 15, too many
    wrong codes ending elsewhere, the sign-in and sign-up pages sending elsewhere. Now only
    the mail differs: a sign-in code (none over the address's code limit, when `send` is
    false: then no code is made, and none typed matches), which the code page takes as a sign-in (the flag
    SIGN_IN_STATE_KEY), the address being the account's already."""
    # signup=True as for a new address: the sign-up page sends such a pending login back to
    # its code page, and drops any other (allauth's SignupView._redirect_to_pending_stage).
    # The page to go to after, as allauth's sign-up keeps it (SignupView.get_success_url).
    login = Login(user=user, email=email, signup=True, redirect_url=get_next_redirect_url(request))
    controller = LoginStageController(request, login)
    for stage in controller.get_stages():
        if stage.key == EmailVerificationStage.key:
            break
        controller.set_handled(stage.key)
    controller.set_current(EmailVerificationStage.key)
    state = EmailVerificationProcess.initial_state(user, email)
    state[SIGN_IN_STATE_KEY] = True
    process = EmailVerificationProcess(request=request, state=state, user=user)
    if send:
        # Only a code that is mailed: one made anyway would wait in the session to be
        # guessed, three tries a sign-up, past the limit meant to stop guessing. With none,
        # every code typed is wrong, with the same form error and tries as a wrong one.
        process.generate_code()
        context = {"request": request, "code": process.code}
        get_adapter().send_mail("account/email/signup_login_code", email, context)
    # allauth's message after a verification mail (empty in our templates), as for a new one.
    add_email_verification_sent_message(request, email, signup=True)
    process.persist()
    stash_login(request, login)


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
    # Left out (a page loaded before roles existed, a script): a member, as before.
    role = forms.ChoiceField(
        label="Joins as",
        choices=[(role.value, role.label) for role in Membership.GIVEN_ROLES],
        initial=Membership.Role.MEMBER,
        required=False,
        error_messages={"invalid_choice": "Choose member or viewer (read-only)."},
    )

    def clean_role(self) -> str:
        return self.cleaned_data["role"] or Membership.Role.MEMBER


class RoleForm(forms.Form):
    """An owner makes a teammate a member or a viewer (Membership.set_role)."""

    role = forms.ChoiceField(choices=[(role.value, role.label) for role in Membership.GIVEN_ROLES])


NAME_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
NAME_ALLOWED_FORMAT_CHARS = {"\u200c", "\u200d"}  # zero-width non-joiner, joiner


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
        # The name goes into invitation subjects sent to outsiders, where a line break cannot
        # go (a mail header), and onto every page: no control characters, no line or paragraph
        # separators (U+2028, U+2029), no invisible formatting (Cf: U+202E and the other bidi
        # overrides show text in another order than it is written). Except the
        # zero-width joiner and non-joiner, which Persian, Indic scripts and emoji need.
        if any(
            unicodedata.category(char) in NAME_REFUSED_CATEGORIES
            and char not in NAME_ALLOWED_FORMAT_CHARS
            for char in name
        ):
            raise forms.ValidationError(
                "Use a name on one line, without control or invisible formatting characters."
            )
        return name


class TimeZoneForm(forms.Form):
    """The time zone the person's pages and emails show times in (Profile.time_zone); their
    daily digest goes at ALERT_DIGEST_HOUR in it. A plain list of the IANA names."""

    time_zone = forms.ChoiceField(
        label="Time zone",
        error_messages={
            "required": "Choose a time zone.",
            "invalid_choice": "%(value)s is not a time zone we know: choose one from the list.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name.replace("_", " ")) for name in time_zone_names()]


class DeleteTeamForm(forms.Form):
    """The team's name, typed to confirm deleting it: a slip of the mouse on the wrong team's
    page deletes nothing. Compared as the rename form stores names (stripped), and without
    regard to case: the point is that the person read which team it is, not their typing."""

    name = forms.CharField(
        label="Type the team's name to confirm",
        max_length=Team._meta.get_field("name").max_length,
        strip=True,
        error_messages={"required": "Type the team's name to confirm."},
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if unicodedata.normalize("NFC", name).casefold() != (
            unicodedata.normalize("NFC", self.team.name.strip()).casefold()
        ):
            raise forms.ValidationError(
                "That is not the team's name: type %(name)s exactly as shown to delete it.",
                params={"name": self.team.name},
            )
        return name
