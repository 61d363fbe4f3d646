from __future__ import annotations

import logging
from functools import partial
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.authentication import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from allauth.account.signals import (
    email_confirmed,
    email_removed,
    user_logged_in,
    user_signed_up,
)
from allauth.account.stages import EmailVerificationStage, LoginStageController
from allauth.core import context as allauth_context
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team, zone_of
from mailsec.mail import send_templated

log = logging.getLogger(__name__)


@receiver(user_signed_up)
def give_new_user_a_team(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    Profile.for_user(user).team()


@receiver(user_logged_in)
def count_sign_in_as_confirming(
    sender: Any, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    """Signing in proves who it is as much as confirming it's you does (the password, or a
    code to the address, and the app's code when two-factor sign-in is on): the pages that ask
    to confirm (ACCOUNT_REAUTHENTICATION_REQUIRED, and two-factor sign-in's) open without
    asking again for ACCOUNT_REAUTHENTICATION_TIMEOUT after it. allauth 65.22 counts only
    the records its confirm-it's-you pages mark: the sign-in's last step, just recorded in the
    session, is marked the same way. Its time is kept, so a session signed in long ago is asked
    as before; a session with no sign-in recorded in it (force_login, an admin's) has nothing
    to mark."""
    records = get_authentication_records(request, user)
    if not records:
        return
    records[-1] = {**records[-1], "reauthenticated": True}
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records


@receiver(email_confirmed)
def count_sign_up_code_as_sign_in(
    sender: Any, request: HttpRequest | None, email_address: EmailAddress, **kwargs: Any
) -> None:
    """A sign-up's address confirmed by the code mailed to it, typed in this session, proves
    who it is as allauth's sign-in by code does, and is noted the same way (method "code"),
    so that count_sign_in_as_confirming marks it when the sign-up signs in right after:
    a first password set at once does not ask for another code. allauth 65.22 records
    nothing for it. Here, not in a view, so that both pages that take the code, ours
    (/accounts/code/) and allauth's own (/accounts/confirm-email/, where its sign-in and
    sign-up pages send a pending sign-up), count it the same.

    Only while a sign-in waits at its email verification step for this very account: an
    address added on the account page (signed in already: its code proves the address, not
    the account), one verified in the admin, or by a sign-in or a password reset by code
    (allauth records those itself) is no step of a sign-in."""
    if request is None or request.user.is_authenticated:
        return
    stage = LoginStageController.enter(request, EmailVerificationStage.key)
    user = stage.login.user if stage is not None else None
    if user is None or user.pk != email_address.user_id:
        return
    if get_authentication_records(request, user):
        # A step of this sign-in is noted already (the password, before the address it
        # signs in with was verified; the code of a sign-up of a known address, which
        # verifies an unverified one): this is part of it, not one more.
        return
    record_authentication(request, stage.login.user, method="code", email=email_address.email)


@receiver(email_removed)
def tell_removed_address(
    sender: Any, request: Any, user: Any, email_address: EmailAddress, **kwargs: Any
) -> None:
    """The notice of an address removed goes, from allauth, to the account's main address,
    which may be one added a minute ago: a stolen session that adds its own address, makes it
    the main one and removes the owner's would tell only itself. The removed address is told
    too, when it was verified (an address never proved is nobody's to mail)."""
    if not email_address.verified:
        return
    get_adapter(request).send_notification_mail(
        "account/email/email_deleted",
        user,
        {"deleted_email": email_address.email, "to_removed": True},
        email=email_address.email,
    )


# Two-factor sign-in removed outside allauth's own pages (the admin's Authenticator pages, a
# shell): the account is told, as allauth tells it when its owner turns it off
# (ACCOUNT_EMAIL_NOTIFICATIONS), so that an operator's mistake, or someone with an operator's
# access, does not go unseen. An operator's own, deleted in the admin, too: a session of
# theirs taken over could do it, and that is what the notice is for. Only allauth's pages,
# which the owner uses in their own session and which tell them themselves, are left out:
# turning it off, making new recovery codes (which deletes the old ones).
ALLAUTH_REMOVING_PAGES = {"mfa_deactivate_totp", "mfa_generate_recovery_codes"}


@receiver(post_delete, sender=Authenticator)
def note_authenticator_removed(
    sender: type[Authenticator], instance: Authenticator, **kwargs: Any
) -> None:
    request = allauth_context.request
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in ALLAUTH_REMOVING_PAGES:
        return  # allauth's own notice
    user = getattr(request, "user", None)
    by_self = user is not None and user.pk == instance.user_id
    # Once committed: a deletion rolled back is not news.
    transaction.on_commit(
        partial(tell_authenticator_removed, instance.user_id, instance.type, by_self=by_self)
    )


@receiver(post_delete, sender=Authenticator)
def remove_dangling_recovery_codes(
    sender: type[Authenticator], instance: Authenticator, **kwargs: Any
) -> None:
    """The app deleted outside allauth's turn-off (the admin, a shell) takes the recovery codes
    with it, in the same transaction, as allauth's turn-off does (delete_dangling_recovery_codes):
    without the app, sign-in asks for no second factor, yet codes left behind would still
    confirm it's you, and the two-factor page would show them under an app that is off. Off is
    off, as the one notice (tell_authenticator_removed) says."""
    if instance.type != Authenticator.Type.TOTP:
        return
    match = getattr(allauth_context.request, "resolver_match", None)
    if match is not None and match.url_name == "mfa_deactivate_totp":
        return  # allauth's turn-off: it deletes them itself right after, and signals it
    left = Authenticator.objects.filter(user_id=instance.user_id)
    if left.exclude(type=Authenticator.Type.RECOVERY_CODES).exists():
        return  # codes back up another authenticator (allauth keeps them then too)
    left.delete()


def tell_authenticator_removed(user_id: int, kind: str, *, by_self: bool = False) -> None:
    """Email the account that its authenticator of type `kind` was removed outside allauth's
    pages: by whoever runs mailsec or, `by_self`, in the admin signed in as that account."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:  # an account deleted takes its authenticators along: nobody to tell
        return
    # Without the app two-factor sign-in is off (recovery codes alone are not asked at sign-in).
    app_left = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    if kind == Authenticator.Type.RECOVERY_CODES and not app_left:
        # With the app (deleted together, in the admin's bulk delete) or after it: the app's
        # notice says two-factor sign-in is off, which tells all. One notice, not two.
        return
    email = EmailAddress.objects.get_primary_email(user)
    if not email:
        return
    ctx = {
        "timestamp": timezone.now(),
        "turned_off": not app_left,
        "by_self": by_self,
        "two_factor_url": settings.SITE_ROOT + reverse("mfa_index"),
    }
    try:
        # In its reader's zone, as every email is, not the operator's whose request sends it.
        with timezone.override(zone_of(user)):
            get_adapter().send_mail("mfa/email/removed_by_operator", email, ctx)
    except Exception:  # after the commit: a mail outage must not make the change a 500
        log.exception("could not tell %s their two-factor sign-in was removed", user)


# Deleting a person (in the admin: there is no self-service deletion) takes their memberships
# with them. A team they owned would be left without an owner, where nobody can ever invite or
# remove anyone again; or with nobody at all, its domains checked, hosted and reported on for
# no one. The teams are noted before the deletion and settled after it, in its transaction.


@receiver(pre_delete, sender=User)
def note_owned_teams(sender: type[User], instance: User, **kwargs: Any) -> None:
    instance._mailsec_owned_teams = list(  # type: ignore[attr-defined]
        Membership.objects.filter(user=instance, role=Membership.Role.OWNER).values_list(
            "team_id", flat=True
        )
    )


@receiver(post_delete, sender=User)
def settle_owned_teams(sender: type[User], instance: User, **kwargs: Any) -> None:
    for team in Team.objects.filter(pk__in=getattr(instance, "_mailsec_owned_teams", [])):
        if team.memberships.filter(role=Membership.Role.OWNER).exists():
            continue
        # Someone who can sign in before a deactivated account, then a member before a
        # viewer (read-only: a client, an auditor), the earliest first: a team always has an
        # owner. A deactivated one only when nobody active is left: the team and its domains
        # are kept (reactivating the account gives them back) rather than deleted.
        heirs = team.memberships.select_related("user").order_by("created", "pk")
        heir = min(
            heirs,
            key=lambda m: (not m.user.is_active, m.role != Membership.Role.MEMBER),
            default=None,
        )
        if heir is None:
            # Its domains go as if removed one by one: a hosted policy senders may have
            # cached is served as mode none until it may end (mailsec.hosting.signals).
            team.delete()
        else:
            was = heir.role
            heir.role = Membership.Role.OWNER
            heir.save(update_fields=["role"])
            if not heir.user.is_active:
                log.warning("%s is owned by a deactivated account now (%s)", team, heir.user)
                continue
            # Owning a team is more than they had (a viewer could only look): they are told,
            # once the deletion is committed, rather than find out.
            transaction.on_commit(partial(tell_new_owner, heir, was, instance.email))


def tell_new_owner(
    heir: Membership, was: str, former_owner: str, *, handed_over: bool = False
) -> None:
    """Email `heir`, who was a `was` of the team, that the team is now theirs: its owner's
    account (`former_owner`) was deleted or, `handed_over`, that owner made them the owner."""
    if not heir.user.email:
        return
    ctx = {
        "team": heir.team,
        "was_viewer": was == Membership.Role.VIEWER,
        "former_owner": former_owner,
        "handed_over": handed_over,
        # The team page shows the current team: the account page lists them all, to switch.
        "account_url": settings.SITE_ROOT + reverse("accounts:account"),
    }
    try:
        send_templated("emails/team-owner", ctx, [heir.user.email])
    except Exception:  # after the commit: a mail outage must not make the change a 500
        log.exception("could not tell %s they own %s", heir.user.email, heir.team)
