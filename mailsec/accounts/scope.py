"""The one place where views find objects: always through the signed-in user's teams.

Anything outside them is a 404, never a 403, so outsiders can't even learn that a public id
exists.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.domains.models import CheckRun, Domain


def current_team(request: HttpRequest) -> Team:
    user = request.user
    # Every page asks this: one query when the profile points at a team the user is still in;
    # the slow path (no profile yet, team left or deleted) repairs the profile.
    team = Team.objects.filter(profile__user=user, memberships__user=user).first()
    return team or Profile.for_user(user).team()  # type: ignore[arg-type]


def get_team_or_404(request: HttpRequest, code: UUID) -> Team:
    try:
        return Team.objects.get(code=code, memberships__user=request.user)
    except Team.DoesNotExist:
        raise Http404 from None


def get_domain_or_404(
    request: HttpRequest, code: UUID, *, related: tuple[str, ...] = (), defer: tuple[str, ...] = ()
) -> Domain:
    """`related` and `defer` shape the query for a page (what else it joins, what it skips)."""
    try:
        return (
            Domain.objects.select_related("team", "last_run", *related)
            .defer(*defer)
            .get(code=code, team__memberships__user=request.user)
        )
    except Domain.DoesNotExist:
        raise Http404 from None


def get_domain_pk_or_404(request: HttpRequest, code: UUID) -> int:
    """The ownership check alone, for a page whose content comes from the cache."""
    pk = (
        Domain.objects.filter(code=code, team__memberships__user=request.user)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        raise Http404
    return pk


def get_run_or_404(request: HttpRequest, domain_code: UUID, run_code: UUID) -> CheckRun:
    try:
        return CheckRun.objects.select_related("domain").get(
            code=run_code, domain__code=domain_code, domain__team__memberships__user=request.user
        )
    except CheckRun.DoesNotExist:
        raise Http404 from None


def get_membership_or_404(request: HttpRequest, code: UUID) -> Membership:
    """A membership in one of the user's teams (the caller checks they may change it)."""
    try:
        return Membership.objects.select_related("team", "user").get(
            code=code, team__memberships__user=request.user
        )
    except Membership.DoesNotExist:
        raise Http404 from None
