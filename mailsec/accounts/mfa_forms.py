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
from allauth.mfa.base.forms import ReauthenticateForm
from allauth.mfa.recovery_codes.forms import GenerateRecoveryCodesForm
from allauth.mfa.recovery_codes.internal.flows import can_generate_recovery_codes
from allauth.mfa.totp.forms import DeactivateTOTPForm
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser

CODE_LABEL = "Authenticator or recovery code"
CODE_MISSING = "Enter the code your authenticator app shows, or an unused recovery code."


def check_second_factor(user: AbstractBaseUser, code: str) -> str:
    """The code if it is the app's current one or an unused recovery code of `user` (which it
    then spends); else a ValidationError with allauth's words ("Incorrect code.", or too many
    attempts). A success counts as a use of the factor, as on allauth's confirm-it's-you page."""
    if not code:
        raise forms.ValidationError(CODE_MISSING, code="required")
    check = ReauthenticateForm({"code": code}, user=user)
    if not check.is_valid():
        raise forms.ValidationError(check.errors["code"])
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
