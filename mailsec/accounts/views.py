from __future__ import annotations

import logging
from functools import partial
from typing import Any
from uuid import UUID

from allauth.account.internal.flows.email_verification import verify_email_indirectly
from allauth.account.internal.flows.email_verification_by_code import (
    EMAIL_VERIFICATION_CODE_SESSION_KEY,
    EmailVerificationProcess,
)
from allauth.account.internal.flows.login import record_authentication
from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.stages import (
    EmailVerificationStage,
    LoginByCodeStage,
    LoginStageController,
)
from allauth.account.utils import filter_users_by_email
from allauth.account.views import ConfirmEmailVerificationCodeView, ConfirmLoginCodeView
from allauth.account.views import confirm_login_code as allauth_confirm_login_code
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mailsec.accounts.forms import (
    SIGN_IN_STATE_KEY,
    DeleteTeamForm,
    InviteForm,
    RoleForm,
    TeamNameForm,
    TimeZoneForm,
)
from mailsec.accounts.models import (
    MAX_OWNED_TEAMS,
    DeactivatedAccount,
    Invite,
    KeepsOneTeam,
    Membership,
    Profile,
    Team,
    TeamDeleted,
    TooManyTeams,
    zone,
    zone_of,
)
from mailsec.accounts.scope import current_team, get_membership_or_404, get_team_or_404
from mailsec.accounts.signals import tell_new_owner
from mailsec.accounts.templatetags.zones import reader_time
from mailsec.api.forms import ApiKeyForm
from mailsec.api.models import MAX_KEYS, RATE, WINDOW, ApiKey
from mailsec.freecheck import ratelimit
from mailsec.mail import send_templated
from mailsec.middleware import remember_time_zone
from mailsec.views import forget_team_count

log = logging.getLogger(__name__)

# Invitation mails a person may send in an hour.
INVITE_LIMIT = 30
# Invitations a team may have waiting for an answer (sending one again to the same address
# does not count: it is the same invitation), and how many of them the team page lists. Open
# invitations expire after a week and are then deleted (tasks.prune_invites).
MAX_OPEN_INVITES = 50
INVITES_LISTED = 50


def _over_limit(bucket: str, limit: int) -> bool:
    """One more use of `bucket` in this hour is over `limit` (a counter shared by every
    process, as the free check's and the domain pages' limits)."""
    return ratelimit.hit(f"accounts:{bucket}", limit, 3600) is not None


def send_invite_email(request: HttpRequest, invite: Invite) -> None:
    ctx = {
        "invite": invite,
        "team": invite.team,
        "inviter": request.user,
        "accept_url": settings.SITE_ROOT + reverse("accounts:invite", args=[invite.token]),
    }
    # The email tells whoever does not know the inviter to ignore it; whoever does may want to
    # ask them first: a reply goes to the inviter, not to our no-reply From address.
    headers = {"Reply-To": request.user.email} if request.user.email else None
    send_templated("emails/invite", ctx, [invite.email], headers=headers)


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return account_page(request)


def account_page(
    request: HttpRequest, zone_form: TimeZoneForm | None = None, status: int = 200
) -> HttpResponse:
    """The account page; `zone_form`: the time zone form as posted when it was refused."""
    memberships = request.user.memberships.select_related("team").order_by("created")
    profile = Profile.for_user(request.user)  # type: ignore[arg-type]
    if zone_form is None:
        zone_form = TimeZoneForm(initial={"time_zone": profile.time_zone})
    chosen = zone(profile.time_zone)
    if timezone.get_current_timezone_name() != str(chosen):
        # Changed since the pages last read it, other than through this page (the admin):
        # TimeZoneMiddleware reads it again only every few minutes. The page says the
        # setting it shows, which emails already follow, and the next pages follow it too.
        remember_time_zone(request, str(chosen))
        timezone.activate(chosen)
    ctx = {
        "page": "account",
        "memberships": memberships,
        "team": current_team(request),
        "has_password": request.user.has_usable_password(),
        "zone_form": zone_form,
        # Never chosen: static/js/timezone.js may preselect the browser's zone (not saved).
        "suggest_browser_zone": profile.time_zone_chosen_at is None,
        "digest_hour": settings.ALERT_DIGEST_HOUR,
    }
    return render(request, "accounts/account.html", ctx, status=status)


@login_required
@require_POST
def set_time_zone(request: HttpRequest) -> HttpResponse:
    """The person chooses the time zone their pages and emails show times in, and their
    daily digest goes by (Profile.time_zone). Their own: a viewer chooses theirs too."""
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        return account_page(request, zone_form=form, status=400)
    name = form.cleaned_data["time_zone"]
    profile = Profile.for_user(request.user)  # type: ignore[arg-type]
    profile.time_zone, profile.time_zone_chosen_at = name, timezone.now()
    profile.save(update_fields=["time_zone", "time_zone_chosen_at"])
    remember_time_zone(request, name)
    timezone.activate(name)  # the message below, and the page after, in the new zone
    now = timezone.localtime()
    messages.success(request, f"Times are now shown in {name} (it is {now:%H:%M} there now).")
    return redirect("accounts:account")


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    return team_page(request, InviteForm())


def team_page(
    request: HttpRequest,
    form: InviteForm,
    status: int = 200,
    name_form: TeamNameForm | None = None,
    api_form: ApiKeyForm | None = None,
    new_key: tuple[ApiKey, str] | None = None,
) -> HttpResponse:
    """The team page; `form`: the invitation form, `name_form`: the rename form, `api_form`:
    the new API key's, each as posted when it was refused; `new_key`: a key just created
    (its row and the key itself), shown this once (mailsec.api.views.key_create)."""
    team = current_team(request)
    is_owner = team.is_owner(request.user)
    ctx = {
        "page": "team",
        "team": team,
        "is_owner": is_owner,
        "can_edit": team.can_edit(request.user),  # type: ignore[arg-type]
        "members": team.memberships.select_related("user").order_by("created"),
        "given_roles": [(role.value, role.label) for role in Membership.GIVEN_ROLES],
        "form": form,
        "name_form": name_form or TeamNameForm(initial={"name": team.name}),
        # Every member sees the team's keys (what reads its data); only the owner changes them.
        "api_keys": list(
            ApiKey.active().filter(team=team).select_related("created_by").order_by("created")
        ),
        "api_keys_left": list(ApiKey.creator_left_lately(team)),
        "api_form": api_form or ApiKeyForm(),
        "api_max_keys": MAX_KEYS,
        "api_rate": f"{RATE} requests in {WINDOW} seconds",
        "new_key": new_key,
    }
    if ctx["is_owner"]:
        # Only the links that still work are listed: an expired one is as good as gone (and
        # is deleted within the hour); newest first, at most INVITES_LISTED of them.
        invites = Invite.open_ones().filter(team=team).order_by("-created")
        ctx["invites"] = list(invites[:INVITES_LISTED])
        ctx["invites_unlisted"] = (
            invites.count() - INVITES_LISTED if len(ctx["invites"]) == INVITES_LISTED else 0
        )
    return render(request, "accounts/team.html", ctx, status=status)


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    if not team.is_owner(request.user):
        raise Http404
    form = InviteForm(request.POST)
    if not form.is_valid():
        # The page again with the address as typed, to correct, and the form's error beside
        # the field: one error, in one place (a banner as well said the same thing twice).
        return team_page(request, form, status=400)
    email, role = form.cleaned_data["email"], form.cleaned_data["role"]
    if team.memberships.filter(user__email__iexact=email).exists():
        messages.info(request, f"{email} is already in this team.")
        return redirect("accounts:team")
    # Anyone who signs up owns a team, so without limits this form would send our mail to any
    # address, as often as a script posts it: a few mails an hour to one address (sending
    # again is for a mail that got lost), and INVITE_LIMIT an hour per person.
    if _over_limit(f"invite:{team.pk}:{email.lower()}", 3):
        messages.error(request, f"Invitations have already been sent to {email} this hour.")
        return redirect("accounts:team")
    if _over_limit(f"invite:user:{request.user.pk}", INVITE_LIMIT):
        messages.error(request, "You have sent many invitations this hour; try again later.")
        return redirect("accounts:team")
    open_invites = Invite.open_ones().filter(team=team)
    if (
        not open_invites.filter(email__iexact=email).exists()
        and open_invites.count() >= MAX_OPEN_INVITES
    ):
        messages.error(
            request,
            f"Your team has {MAX_OPEN_INVITES} invitations waiting for an answer: withdraw "
            "some, or wait for them to be accepted or to expire, before sending more.",
        )
        return redirect("accounts:team")
    send_invite_email(request, team.invite(email, request.user, role))
    as_what = " as a viewer (read-only)" if role == Membership.Role.VIEWER else ""
    messages.success(request, f"Invitation sent to {email}{as_what}.")
    return redirect("accounts:team")


@login_required
@require_POST
def rename_team(request: HttpRequest) -> HttpResponse:
    """The owner names the current team (a new team is called "<email>'s team", which reads
    oddly in the invitations it sends). Teammates who are not owners can't: 404, as for
    inviting."""
    team = current_team(request)
    if not team.is_owner(request.user):
        raise Http404
    form = TeamNameForm(request.POST)
    if not form.is_valid():
        return team_page(request, InviteForm(), status=400, name_form=form)
    team.name = form.cleaned_data["name"]
    team.save(update_fields=["name"])
    # The header's switcher lists it by its new name on the next page (teammates' within
    # TEAM_COUNT_SECONDS).
    forget_team_count(request)
    messages.success(request, f"The team is now called {team.name}.")
    return redirect("accounts:team")


# Said on the new team's page to someone who owns MAX_OWNED_TEAMS teams, instead of its form.
TOO_MANY_TEAMS = (
    f"You own {MAX_OWNED_TEAMS} teams, the most one person may own, so you can't create "
    "another. Make someone else the owner of one (Make owner, on its Team page) first."
)


@login_required
@require_http_methods(["GET", "POST"])
def create_team(request: HttpRequest) -> HttpResponse:
    """Anyone signed in makes a team of their own, which becomes their current one: an MSP's
    team per client, whose domains that client sees as a viewer and no other client's. Their
    own action, as switching is: a viewer of their current team may too. At most
    MAX_OWNED_TEAMS teams a person (models.MAX_OWNED_TEAMS says why)."""
    form = TeamNameForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            team, made = Team.create_named(request.user, form.cleaned_data["name"])  # type: ignore[arg-type]
        except TooManyTeams:
            return new_team_page(request, form, at_limit=True)
        switch_to(request, team)
        forget_team_count(request)
        if made:
            messages.success(
                request, f"You created {team.name}. Add its domains, then invite people."
            )
        else:
            # The form sent twice (a double click, the answer reloaded): one team.
            messages.info(
                request, f"You created {team.name} a moment ago: it is your current team."
            )
        return redirect("domains:index")
    owned = request.user.memberships.filter(role=Membership.Role.OWNER).count()
    return new_team_page(request, form, at_limit=owned >= MAX_OWNED_TEAMS)


def new_team_page(request: HttpRequest, form: TeamNameForm, at_limit: bool) -> HttpResponse:
    """The new team's form (`form` as posted when it was refused), or, for someone who owns
    MAX_OWNED_TEAMS teams, TOO_MANY_TEAMS in its place."""
    ctx = {"page": "team", "form": form, "at_limit": at_limit, "too_many": TOO_MANY_TEAMS}
    return render(request, "accounts/team_new.html", ctx, status=400 if form.is_bound else 200)


@login_required
@require_POST
def revoke_invite(request: HttpRequest, token: str) -> HttpResponse:
    team = current_team(request)
    if not team.is_owner(request.user):
        raise Http404
    invite = Invite.objects.filter(token=token).first()
    if invite is None or (invite.team_id == team.pk and invite.accepted_at is not None):
        # Withdrawn by the first click of a double click (or in another tab), or accepted
        # meanwhile: say so rather than "not found". Nothing about other teams' invitations.
        messages.info(request, "That invitation is no longer open.")
        return redirect("accounts:team")
    if invite.team_id != team.pk:
        raise Http404
    invite.delete()
    messages.success(request, "Invitation withdrawn.")
    return redirect("accounts:team")


@login_required
@require_POST
def remove_member(request: HttpRequest, code: UUID) -> HttpResponse:
    if not Membership.objects.filter(code=code).exists():
        # Removed by the first click of a double click (or in another tab): the answer the
        # browser shows must not read as a failure. A membership that is gone belongs to
        # nobody, so this tells outsiders nothing; one of another team is still a 404.
        messages.info(request, "That person is no longer in the team.")
        return redirect("accounts:team")
    membership = get_membership_or_404(request, code)
    team = membership.team
    leaving = membership.user_id == request.user.pk
    if not leaving and not team.is_owner(request.user):
        raise Http404
    with transaction.atomic():
        # Read again, locked: a hand-over (Team.hand_over) may have made them the owner since
        # the read above, and deleting them then would leave the team with no owner.
        locked = Membership.objects.select_for_update().filter(pk=membership.pk)
        if locked.values_list("role", flat=True).first() == Membership.Role.OWNER:
            messages.error(request, "The team's owner can't be removed.")
            return redirect("accounts:team")
        # What they chose for the team's alerts ends with it (alerts.models._membership_ended).
        membership.delete()
    if leaving:
        # The header's team switcher goes on the next page when one team is left.
        forget_team_count(request)
        messages.success(request, f"You left {team.name}.")
    else:
        messages.success(request, f"{membership.user.email} was removed from the team.")
    return redirect("accounts:team")


@login_required
@require_POST
def set_member_role(request: HttpRequest, code: UUID) -> HttpResponse:
    """The owner makes a teammate a member or a viewer (read-only). Teammates who are not
    owners can't: 404, as for removing someone. The owner stays the owner."""
    membership = get_membership_or_404(request, code)
    team = membership.team
    if not team.is_owner(request.user):
        raise Http404
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose member or viewer (read-only).")
        return redirect("accounts:team")
    if membership.role == Membership.Role.OWNER:
        messages.error(request, "The team's owner stays its owner.")
        return redirect("accounts:team")
    role = form.cleaned_data["role"]
    if membership.set_role(role):
        label = Membership.Role(role).label
        messages.success(request, f"{membership.user.email} is now a {label.lower()}.")
    elif membership.role == Membership.Role.OWNER:  # made the owner meanwhile (hand_over)
        messages.error(request, f"{membership.user.email} is the team's owner now.")
    else:
        messages.info(
            request,
            f"{membership.user.email} was a {membership.get_role_display().lower()} already.",
        )
    return redirect("accounts:team")


@login_required
@require_POST
def hand_over(request: HttpRequest, code: UUID) -> HttpResponse:
    """The owner makes a teammate (a member or a viewer) the team's owner, and becomes a
    member. Teammates who are not owners can't: 404, as for the owner's other actions. The
    first POST (the team page's button) only asks; the answer's POST, with confirm, does it.
    No password asked again: none of the owner's actions asks one (removing everyone,
    creating API keys), and the new owner must already be in the team."""
    membership = get_membership_or_404(request, code)
    team = membership.team
    if not team.is_owner(request.user):
        raise Http404
    if membership.role == Membership.Role.OWNER:
        messages.info(request, f"{membership.user.email} is the team's owner already.")
        return redirect("accounts:team")
    deactivated = f"{membership.user.email}'s account is deactivated: they can't own the team."
    if not membership.user.is_active:
        messages.error(request, deactivated)
        return redirect("accounts:team")
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "accounts/hand_over.html",
            {"page": "team", "team": team, "membership": membership},
        )
    try:
        was = team.hand_over(membership, request.user)  # type: ignore[arg-type]
    except DeactivatedAccount:  # deactivated since the read above
        messages.error(request, deactivated)
        return redirect("accounts:team")
    if was is None:
        # Another tab or a double click handed it over first, or they left meanwhile.
        messages.error(request, "The team changed meanwhile: nothing was done. Look again.")
        return redirect("accounts:team")
    transaction.on_commit(
        partial(tell_new_owner, membership, was, request.user.email, handed_over=True)
    )
    messages.success(
        request,
        f"{membership.user.email} is now the owner of {team.name}. You are a member.",
    )
    return redirect("accounts:team")


# Said instead of the delete form to an owner whose only team it is.
ONLY_TEAM = (
    "This is the only team you are in, and everyone keeps at least one: create another team "
    "first (New team), or remove this team's domains instead."
)


@login_required
@require_http_methods(["GET", "POST"])
def delete_team(request: HttpRequest, code: UUID) -> HttpResponse:
    """The owner deletes a team, after reading what goes with it and typing its name. The
    team is named in the URL, not taken as the current one: a switch of team in another tab
    cannot make the form delete another team than the page showed. Teammates who are not
    owners get 404, as for the owner's other actions; outsiders too."""
    team = get_team_or_404(request, code)
    if not team.is_owner(request.user):
        raise Http404
    form = DeleteTeamForm(request.POST if request.method == "POST" else None, team=team)
    only_team = not request.user.memberships.exclude(team=team).exists()
    if request.method == "POST" and not only_team and form.is_valid():
        try:
            gone = team.delete_by(request.user)  # type: ignore[arg-type]
        except KeepsOneTeam:  # left their other teams meanwhile
            gone, only_team = None, True
        if gone is not None:
            name, by, told = team.name, request.user.email, gone.told
            owner = request.user
            transaction.on_commit(partial(tell_team_deleted, name, by, gone, owner))
            # Their current team stays so unless it was this one: then the next page takes
            # their earliest other one (Profile.team, as for anyone whose team went).
            forget_team_count(request)
            said = f"You deleted {name}."
            if told:
                who = "person was" if len(told) == 1 else "people were"
                said += f" {len(told)} other {who} emailed that they no longer have access."
            messages.success(request, f"{said} {records_to_keep(gone)}".strip())
            return redirect("domains:index")
        if not only_team:
            # A hand-over in another tab (or a double click): not theirs to delete any more.
            messages.error(request, "The team changed meanwhile: nothing was deleted. Look again.")
            return redirect("accounts:team")
    ctx = {
        "page": "team",
        "team": team,
        "form": form,
        "only_team": only_team,
        "only_team_words": ONLY_TEAM,
        "gone": team.deletion_summary(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete_team.html", ctx, status=status)


def records_to_keep(gone: TeamDeleted) -> str:
    """For the page after the deletion: until when each hosted policy is still served and its
    records must stay ("" when none is), in the owner's time zone (the request's). The
    confirmation page said so before; this is the date as it came out, and the records
    themselves are in the owner's email (tell_team_deleted). As pages say times (reader_time;
    before s44a "2026-12-02 08:00 (…)")."""
    if not gone.kept:
        return ""
    served = " and ".join(f"at mta-sts.{n.name} until {reader_time(n.until)}" for n in gone.kept)
    names = ", ".join(n.name for n in gone.kept)
    return (
        f"We keep serving mode: none {served}, so senders that cached the policy deliver to "
        f"your new servers: keep the mta-sts and _mta-sts records of {names} published until "
        "then (the records are in the email we sent you)."
    )


def tell_team_deleted(name: str, by: str, gone: TeamDeleted, owner: User | None = None) -> None:
    """Email each member and viewer of the team `name` that its owner `by` deleted it: they
    lose access without having done anything, and would otherwise find out from a page that
    shows another team. One email each (no one sees who else was in it), in their time zone.
    It lists, per hosted policy still served as mode none after the deletion, the records to
    keep until when (mailsec.hosting.deleted): whoever looks after that DNS may be among
    them, and removed early the records leave senders with a cached enforce policy.

    The `owner` who deleted it gets the records too, when any are to be kept, in an email of
    their own ("You deleted"): the date is weeks away, and the page after the deletion is
    gone by then (as the domain-deleted email, which goes to the person deleting too)."""
    ctx = {
        "team_name": name,
        "by": by,
        "account_url": settings.SITE_ROOT + reverse("accounts:account"),
        "kept": gone.kept,
    }
    people = [(person, ctx) for person in gone.told]
    if owner is not None and owner.email and gone.kept:
        people.append((owner, {**ctx, "you": True}))
    for person, person_ctx in people:
        try:
            with timezone.override(zone_of(person)):
                send_templated("emails/team-deleted", person_ctx, [person.email])
        except Exception:  # after the commit: a mail outage must not make the deletion a 500
            log.exception("could not tell %s that %s was deleted", person.email, name)


@login_required
@require_POST
def switch_team(request: HttpRequest, code: UUID) -> HttpResponse:
    """The header's switcher says which page it was on (`next`: a page of the whole team):
    the same page of the new team follows. A domain's own page is of the team left; the
    domain list follows it, and any other `next`."""
    try:
        team = get_team_or_404(request, code)
    except Http404:
        # A team the header still lists (read once a minute per session) that the person has
        # left since, or been removed from: list their teams afresh on the next page.
        forget_team_count(request)
        raise
    switch_to(request, team)
    back = SWITCH_BACK_TO.get(request.POST.get("next", ""), "domains:index")
    if back == "alerts:settings" and (domain := _uuid(request.POST.get("domain", ""))):
        # The alerts page's switch to the team of a domain it was asked for (s45g): back to
        # that domain's row (the page checks it is the team's).
        return redirect(f"{reverse(back)}?domain={domain}#alerts-{domain}")
    return redirect(back)


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


# The pages of a whole team the header's switcher returns to (base.html's `page`).
SWITCH_BACK_TO = {
    "domains": "domains:index",
    "alerts": "alerts:settings",
    "team": "accounts:team",
    "account": "accounts:account",
}


def switch_to(request: HttpRequest, team: Team) -> None:
    """Make `team` the signed-in user's current one (the caller made sure they are in it)."""
    profile = Profile.for_user(request.user)  # type: ignore[arg-type]
    profile.current_team = team
    profile.save(update_fields=["current_team"])


# never_cache: the page names the team and who invited, signed out too (s40h).
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invite(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button: link-scanning mail filters fetch links, they don't press
    buttons. The POST needs a signed-in person whose address the invite was sent to."""
    invite = Invite.objects.select_related("team", "invited_by").filter(token=token).first()
    if (
        invite is not None
        and not invite.is_usable()
        and request.user.is_authenticated
        and invite.team.memberships.filter(user=request.user).exists()
    ):
        # Already in the team: the second request of a double-clicked "Join", or the mail's
        # link followed again later. "This invitation can't be used" would read as if joining
        # had failed. Someone removed since is no member and gets that page, as anyone else.
        switch_to(request, invite.team)
        forget_team_count(request)
        messages.info(request, f"You are in {invite.team.name}.")
        return redirect("domains:index")
    if invite is None or not invite.is_usable():
        return render(request, "accounts/invite_invalid.html", status=404)
    matches = request.user.is_authenticated and (
        request.user.emailaddress_set.filter(email__iexact=invite.email, verified=True).exists()
        or request.user.email.lower() == invite.email.lower()
    )
    if request.method == "POST":
        if not matches:
            raise Http404
        invite.accept(request.user)
        # The header's team switcher shows on the next page, not up to a minute later.
        forget_team_count(request)
        messages.success(request, f"You joined {invite.team.name}.")
        return redirect("domains:index")
    # The header's Sign in and Sign up come back here too, as the card's buttons do.
    ctx = {"invite": invite, "matches": matches, "sign_in_next": request.path}
    return render(request, "accounts/invite.html", ctx)


class _ConfirmLoginCodeHere(ConfirmLoginCodeView):
    """allauth's sign-in code page, except that "request a new code" comes back to the
    shared code URL instead of revealing the sign-in one."""

    def _resend_form_valid(self, form: Any) -> HttpResponse:
        super()._resend_form_valid(form)
        return redirect("accounts:confirm_code")


_confirm_login_code_here = _ConfirmLoginCodeHere.as_view()


class _ConfirmSignupCodeHere(ConfirmEmailVerificationCodeView):
    """allauth's email verification by code, which every sign-up waits in (see
    mailsec.accounts.forms.SignupForm), except that the right code of a sign-up whose address
    has an account signs that account in: allauth's would end the sign-in (its address is
    verified already, so there is nothing to verify). Everything else, a new address's right
    code (which counts as a sign-in by code on allauth's page as well: signals), a wrong code,
    too many, a late one, is allauth's, the same as for a new address."""

    def _verify_form_valid(self, form: Any) -> HttpResponse:
        process = self._process
        if not self.stage:
            return super()._verify_form_valid(form)  # an address added on the account page
        if not process.state.get(SIGN_IN_STATE_KEY):
            # A new address: allauth's, which counts as a sign-in by code
            # (mailsec.accounts.signals.count_sign_up_code_as_sign_in), as on its own page.
            return super()._verify_form_valid(form)
        user = process.user
        self.request.session.pop(EMAIL_VERIFICATION_CODE_SESSION_KEY, None)
        # Asked again now, as allauth's own sign-in asks at its start: the account may have
        # been deactivated, or the address removed from it, since the code was mailed (15
        # minutes). Then the code opens nothing: the sign-in ends as an expired one does.
        holders = filter_users_by_email(process.email, is_active=True)
        if not any(holder.pk == user.pk for holder in holders):
            return self.stage.abort()
        # What allauth's sign-in by code records and does on the right code (its
        # LoginCodeVerificationProcess.finish): the address proved, the method noted.
        record_authentication(self.request, user, method="code", email=process.email)
        verify_email_indirectly(self.request, user, process.email)
        # A sign-in, not a sign-up: where it goes after is the sign-in's page.
        self.stage.login.signup = False
        return self.stage.exit()


_confirm_signup_code_here = _ConfirmSignupCodeHere.as_view()


CODE_EXPIRED = "That code has expired. Enter your email address for a new one."


def _no_code_pending(request: HttpRequest) -> bool:
    """Whether this session waits for no code any more: the sign-up's or sign-in's code timed
    out (or wrong tries used it up). allauth then sends a code typed in to a sign-in page
    without a word, and the person, who typed the right code, cannot tell why. What is left
    of such a flow is ended here, as allauth would: the sign-in page would otherwise send
    back to the code page while its sign-in is stashed."""
    stage = LoginStageController.enter(request, LoginByCodeStage.key)
    if stage is not None:
        login_code = LoginCodeVerificationProcess(stage=stage)
        return login_code.abort_if_invalid() is None
    state = request.session.get(EMAIL_VERIFICATION_CODE_SESSION_KEY)
    if state and LoginStageController.enter(request, EmailVerificationStage.key) is not None:
        return EmailVerificationProcess(request=request, state=state).abort_if_invalid() is None
    return True


def _code_expired(request: HttpRequest) -> HttpResponseBase | None:
    """For a code posted when none is pending: the page to ask for a new one, saying why.
    The same for a sign-up and a sign-in, so it tells nothing about who has an account."""
    if request.method != "POST" or not request.user.is_anonymous:
        return None
    if not _no_code_pending(request):
        return None
    messages.error(request, CODE_EXPIRED)
    return redirect("account_request_login_code")


# The code signs in: Django's error reports (mail to ADMINS, a reporter that uses its filter)
# show it starred. (With DEBUG on Django's page shows everything anyway.)
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def confirm_code(request: HttpRequest) -> HttpResponseBase:
    """Where every sign-up lands: a new address verifies it here, an address that already
    has an account gets a sign-in code and enters it here. One URL, one page and one pending
    step for both (allauth's email verification), so the sign-up form can't be used to learn
    who has an account. A sign-in by code started on the sign-in page is entered here too."""
    if expired := _code_expired(request):
        return expired
    if request.user.is_anonymous and LoginStageController.enter(request, LoginByCodeStage.key):
        return _confirm_login_code_here(request)
    return _confirm_signup_code_here(request)


@sensitive_post_parameters("code")
def confirm_login_code(request: HttpRequest) -> HttpResponseBase:
    """allauth's page for a sign-in code (at its URL, see mailsec/urls.py), saying so when the
    code typed has expired."""
    return _code_expired(request) or allauth_confirm_login_code(request)
