"""The one place where views find objects: always through the signed-in user's teams.

Anything outside them is a 404, never a 403, so outsiders can't even learn that a public id
exists. A viewer (Membership.Role.VIEWER) finds the team's objects as a member does, and is
refused a change to them with a 403 (require_editor): they can see what they would change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F
from django.http import Http404, HttpRequest

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.domains.models import CheckRun, Domain

if TYPE_CHECKING:
    from mailsec.alerts.models import TeamAlertAddress

# The two questions every signed-in page asks, written out once: the ORM would build the same
# SQL again on each request, which cost half a millisecond each, as much as the rest of a
# page served from the cache (docs/benchmarks.md, web pages).
_tables = {
    "team": Team._meta.db_table,
    "profile": Profile._meta.db_table,
    "membership": Membership._meta.db_table,
    "domain": Domain._meta.db_table,
}
CURRENT_TEAM_SQL = (
    "SELECT t.id, t.code, t.name, t.created, m.role AS user_role FROM {team} t"
    " JOIN {profile} p ON p.current_team_id = t.id"
    " JOIN {membership} m ON m.team_id = t.id AND m.user_id = p.user_id"
    " WHERE p.user_id = %s"
).format(**_tables)
OWNED_DOMAIN_SQL = (
    "SELECT d.id, m.role FROM {domain} d JOIN {membership} m ON m.team_id = d.team_id"
    " WHERE d.code = %s AND m.user_id = %s"
).format(**_tables)


# What the 403 page says to a viewer who posts a change (a form from before their role
# changed, or a script): the pages show them no such buttons.
READ_ONLY = (
    "You have read-only access to this team: you can see its domains, reports and settings, "
    "but not change them. Ask the team's owner if you need more."
)


def require_editor(request: HttpRequest, team: Team) -> None:
    """Refuse (403, with READ_ONLY) a change to `team`'s things by someone who may only look
    at them. The one check every team-scoped change makes (the owner's own ones refuse
    anyone but the owner, as before)."""
    if not team.can_edit(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(READ_ONLY)


def current_team(request: HttpRequest) -> Team:
    user = request.user
    # One query when the profile points at a team the user is still in; the slow path (no
    # profile yet, team left or deleted) repairs the profile.
    for team in Team.objects.raw(CURRENT_TEAM_SQL, [user.pk]):
        # Their role came with the team: the page's can_edit/is_owner ask no query of it.
        team.known_roles = {user.pk: team.user_role}  # type: ignore[attr-defined]
        return team
    # No profile yet, or its team is one the person is no longer in (removed, left in another
    # tab, deleted): the header's list of their teams, read once a minute per session, may
    # still offer that team, so this page lists them afresh (s43b).
    from mailsec.views import forget_team_count  # mailsec.views imports this module

    if hasattr(request, "session"):
        forget_team_count(request)
    return Profile.for_user(user).team()  # type: ignore[arg-type,return-value]


def get_team_or_404(request: HttpRequest, code: UUID) -> Team:
    try:
        return Team.objects.get(code=code, memberships__user=request.user)
    except Team.DoesNotExist:
        raise Http404 from None


def get_domain_or_404(
    request: HttpRequest, code: UUID, *, related: tuple[str, ...] = (), defer: tuple[str, ...] = ()
) -> Domain:
    """`related` and `defer` shape the query for a page (what else it joins, what it skips).
    The user's role in the domain's team comes with it, from the membership row the ownership
    check joins, so the page's can_edit asks no query of it."""
    try:
        domain = (
            Domain.objects.select_related("team", "last_run", *related)
            .defer(*defer)
            .filter(code=code, team__memberships__user=request.user)
            .annotate(user_role=F("team__memberships__role"))
            .get()
        )
    except Domain.DoesNotExist:
        raise Http404 from None
    domain.team.known_roles = {request.user.pk: domain.user_role}  # type: ignore[attr-defined]
    return domain


def get_domain_to_change_or_404(
    request: HttpRequest, code: UUID, *, related: tuple[str, ...] = ()
) -> Domain:
    """get_domain_or_404 for a view that changes the domain or starts work on it: a viewer
    of its team is refused (require_editor) before anything is done."""
    domain = get_domain_or_404(request, code, related=related)
    require_editor(request, domain.team)
    return domain


def get_domain_pk_and_role_or_404(request: HttpRequest, code: UUID) -> tuple[int, str]:
    """The ownership check alone, for a page whose content comes from the cache, and the
    user's role in the domain's team (which of its contents they see), in one query."""
    # The code as the column stores it (a uuid in PostgreSQL, 32 hex digits in SQLite).
    value = Domain._meta.get_field("code").get_db_prep_value(code, connection)
    with connection.cursor() as cursor:
        cursor.execute(OWNED_DOMAIN_SQL, [value, request.user.pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return row[0], row[1]


def find_own_domain(request: HttpRequest, name: str) -> Domain | None:
    """The domain `name` (an A-label) in one of the signed-in user's teams, the current team's
    first, else the oldest (its `in_current_team` says which); None for someone signed out, or whose teams have it not (a page
    that only offers a link to it: the free check). Another team's row is never read, so
    nothing of it can show. Asks nothing of a current team that is missing (current_team
    would create one: not for a page anyone may look at)."""
    if not request.user.is_authenticated:
        return None
    profile = Profile.objects.filter(user=request.user)
    current = profile.values_list("current_team", flat=True).first()
    rows = Domain.objects.select_related("team").filter(
        name=name, team__memberships__user=request.user
    )
    found = min(rows, key=lambda d: (d.team_id != current, d.created), default=None)
    if found is not None:
        # Whether the page must name the team (the person looks at another one now).
        found.in_current_team = found.team_id == current  # type: ignore[attr-defined]
    return found


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


def get_alert_address_or_404(request: HttpRequest, code: UUID) -> TeamAlertAddress:
    """A team's extra alert address (mailsec.alerts) in one of the user's teams (the caller
    checks they may change it: the team's owner)."""
    from mailsec.alerts.models import TeamAlertAddress

    try:
        return TeamAlertAddress.objects.select_related("team").get(
            code=code, team__memberships__user=request.user
        )
    except TeamAlertAddress.DoesNotExist:
        raise Http404 from None
