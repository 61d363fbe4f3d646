"""allauth.mfa's forms for turning two-factor sign-in off and making new recovery codes, each
asking for the second factor itself (settings.MFA_FORMS).

allauth asks only to confirm it's you first, and that accepts the password or a code emailed to
the account: a signed-in session (a stolen cookie, an unlocked laptop) and the mailbox were
enough to remove the second factor, or to make recovery codes that stand in for it. Now the
app's current code or an unused recovery code is needed too, checked by allauth's own
two-factor form: the same replay rule for app codes, a recovery code spent once used, and wrong
codes counted against the sign-in limit for the account ("login_failed": 5 in 5 minutes).
"""

from __future__ import annotations

from allauth.core import context
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.base.forms import BaseAuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.forms import GenerateRecoveryCodesForm
from allauth.mfa.recovery_codes.internal.flows import can_generate_recovery_codes
from allauth.mfa.totp.forms import DeactivateTOTPForm
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser

CODE_LABEL = "Authenticator or recovery code"
CODE_MISSING = "Enter the code your authenticator app shows, or an unused recovery code."
CODE_JUST_USED = (
    "This code was just used. Wait for your authenticator app to show the next one (a new code "
    "comes every {seconds} seconds) and enter that, or enter an unused recovery code."
)


def _is_current_app_code(user: AbstractBaseUser, code: str) -> bool:
    """Whether `code` is the app's code of this moment, without counting it as used."""
    totp = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    return totp is not None and validate_totp_code(decrypt(totp.data["secret"]), code)


def _just_used(
    user: AbstractBaseUser, code: str, refusal: list[forms.ValidationError]
) -> forms.ValidationError | None:
    """CODE_JUST_USED, for allauth's `refusal` of `code` as "Incorrect code." when it is the
    app's current code: allauth takes each code once (a replay), and this one was spent a
    moment ago (the confirm-it's-you page just before, another tab, a second device). Right
    code, wrong moment: say so, not "incorrect". None for any other refusal."""
    if not refusal or refusal[0].code != "incorrect_code" or not _is_current_app_code(user, code):
        return None
    words = CODE_JUST_USED.format(seconds=mfa_settings.TOTP_PERIOD)
    return forms.ValidationError(words, code="code_just_used")


def check_second_factor(user: AbstractBaseUser, code: str) -> str:
    """The code if it is the app's current one or an unused recovery code of `user` (which it
    then spends); else a ValidationError with allauth's words ("Incorrect code.", or too many
    attempts), or CODE_JUST_USED for the app's current code used once already. A success
    counts as a use of the factor, as on allauth's confirm-it's-you page."""
    if not code:
        raise forms.ValidationError(CODE_MISSING, code="required")
    check = ReauthenticateForm({"code": code}, user=user)
    if not check.is_valid():
        refusal = check.errors.as_data()["code"]
        # Mostly spent on the confirm-it's-you page just before this form.
        raise _just_used(user, code, refusal) or forms.ValidationError(refusal)
    check.save()
    return code


class DeactivateTOTPWithCodeForm(DeactivateTOTPForm):
    # Not required in the form: allauth binds it to an empty payload on GET as well, to show
    # its refusals before anything is posted; clean_code asks for it when posted.
    code = forms.CharField(label=CODE_LABEL, required=False)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if context.request.method != "POST":
            return code
        return check_second_factor(self.authenticator.user, code)


class GenerateRecoveryCodesWithCodeForm(GenerateRecoveryCodesForm):
    code = forms.CharField(label=CODE_LABEL, required=False)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not can_generate_recovery_codes(self.user):
            # allauth's refusal (clean: no app to make codes for) says it all: a code here
            # would only count against the sign-in limit.
            return code
        return check_second_factor(self.user, code)


def code_errors_shown(form: forms.Form, name: str = "code") -> list[str]:
    """The refusals of `form`'s code (its field `name`) as its page shows them. For allauth's
    own two-factor forms (the second step of signing in, confirming it's you with the app:
    MFA_FORMS does not replace these) the app's current code used a moment ago reads
    CODE_JUST_USED, as on the forms above, where allauth says "Incorrect code."; what allauth
    decided (refused, counted against the sign-in limit) is unchanged. Any other form's, as
    they are."""
    refusal = form.errors.as_data().get(name, [])
    if isinstance(form, BaseAuthenticateForm):
        code = str(form.data.get(form.add_prefix(name)) or "").strip()
        if just_used := _just_used(form.user, code, refusal):
            refusal = [just_used]
    return [message for error in refusal for message in error.messages]
