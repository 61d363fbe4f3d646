"""Teams own domains; people belong to teams as owners, members or viewers (read-only)."""

from __future__ import annotations

import secrets
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import cache
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone

INVITE_VALIDITY = timedelta(days=7)


def invite_token() -> str:
    return secrets.token_urlsafe(24)


TEAM_NAME_MAX = 100

# The teams one person may own. Each team has its own caps on domains waiting to be verified
# and on domains added a day (mailsec.domains.views max_unverified, adds_per_day: each new
# domain is looked up at once): teams without number would multiply those caps by as many
# teams as a script cares to make. An MSP with more clients than this asks us.
MAX_OWNED_TEAMS = 20
# A team of the same name made by the same person this recently is the same form sent twice
# (a double click, a reload of the answer to it), not a second team: Team.create_named.
SAME_TEAM_WINDOW = timedelta(minutes=1)


class TooManyTeams(Exception):
    """Team.create_named for someone who owns MAX_OWNED_TEAMS teams already."""


class DeactivatedAccount(Exception):
    """Team.hand_over to someone whose account is deactivated: they could not sign in to use
    the team, and nobody could then invite or remove anyone."""


class KeepsOneTeam(Exception):
    """Team.delete_by of the only team its owner is in: a person always keeps a team (the
    pages show their current team's domains), so they create another first."""


@dataclass
class TeamDeletion:
    """What deleting a team takes with it (Team.deletion_summary)."""

    domains: int
    verified: int
    # Each hosted policy that is served as mode none for a while after its domain goes, in
    # the words of the domain's own Remove (HostedPolicy.deletion_notice).
    hosting_notices: list[str]
    hosted: int
    report_addresses: int
    # The members and viewers who lose access, and are emailed.
    others: list[Membership] = field(default_factory=list)


@dataclass
class TeamDeleted:
    """What Team.delete_by did, for the emails after it: its other people, who lose access,
    and the hosted policies still served as mode none after it (mailsec.hosting.deleted's
    notices, the records to keep until when)."""

    told: list[User]
    kept: list[Any] = field(default_factory=list)  # DeletedNotice (no hosting import here)


class Team(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=TEAM_NAME_MAX)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def create_for(cls, user: User) -> Team:
        """A new team with `user` as its owner."""
        with transaction.atomic():
            owner = user.email or user.username
            suffix = "'s team"
            if len(owner) + len(suffix) > TEAM_NAME_MAX:
                # An address may be 254 characters; the name is a label the owner can change.
                owner = owner[: TEAM_NAME_MAX - len(suffix) - 1] + "…"
            name = owner + suffix
            team = cls.objects.create(name=name)
            Membership.objects.create(team=team, user=user, role=Membership.Role.OWNER)
        return team

    @classmethod
    def create_named(cls, user: User, name: str) -> tuple[Team, bool]:
        """A new team called `name` owned by `user`, and True (an MSP's team per client).
        The team of that name `user` made within SAME_TEAM_WINDOW, and False, when there is
        one: the same form sent twice makes one team. TooManyTeams, nothing made, when
        `user` owns MAX_OWNED_TEAMS teams already.

        The person's row is locked first (PostgreSQL; SQLite takes its write lock at the
        start of the transaction): two posts at once run one after the other, and the
        second finds the first's team, and counts it."""
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user.pk).exists()
            owned = cls.objects.filter(
                memberships__user=user, memberships__role=Membership.Role.OWNER
            )
            now = timezone.now()
            just_made = (
                owned.filter(name=name, created__gte=now - SAME_TEAM_WINDOW)
                .order_by("-created")
                .first()
            )
            if just_made is not None:
                return just_made, False
            if owned.count() >= MAX_OWNED_TEAMS:
                raise TooManyTeams(user.pk)
            team = cls.objects.create(name=name, created=now)
            Membership.objects.create(team=team, user=user, role=Membership.Role.OWNER)
        return team, True

    def role_of(self, user: User) -> str | None:
        # Read with the team by scope.current_team, for the person the request is of.
        known: dict[int, str] = getattr(self, "known_roles", {})
        if user.pk in known:
            return known[user.pk]
        m = self.memberships.filter(user=user).first()
        return m.role if m else None

    def is_owner(self, user: User) -> bool:
        return self.role_of(user) == Membership.Role.OWNER

    def can_edit(self, user: User) -> bool:
        """Whether `user` may change what the team has (add, verify, check, remove domains,
        host policies...): its owners and members. A viewer only looks; an outsider neither."""
        return Membership.role_can_edit(self.role_of(user))

    def hand_over(self, to: Membership, by: User) -> str | None:
        """Make the teammate `to` the team's owner and its owner `by` a member, at once; the
        role `to` had (member or viewer), or None when nothing was done: `by` is not the
        owner (any more), or `to` is not in the team (any more) or owns it already.
        DeactivatedAccount, nothing done, when `to`'s account is deactivated.

        The team's memberships are locked and read again first: two hand-overs at once (a
        double click, two tabs) run one after the other, and the second, whose `by` owns
        nothing by then, does nothing. A team keeps exactly one owner."""
        with transaction.atomic():
            # Every membership of the team, in one order: whatever else locks some of them
            # (a role change, a removal) waits, and two of these cannot deadlock.
            # Their users are read (and on PostgreSQL locked) with them: an account
            # deactivated meanwhile is seen here, not after.
            rows = list(self.memberships.select_for_update().select_related("user").order_by("pk"))
            old = next((m for m in rows if m.user_id == by.pk), None)
            new = next((m for m in rows if m.pk == to.pk), None)
            if old is None or old.role != Membership.Role.OWNER:
                return None
            if new is None or new.role == Membership.Role.OWNER:
                return None
            if not new.user.is_active:
                raise DeactivatedAccount(new.user.email)
            was = new.role
            old.role, new.role = Membership.Role.MEMBER, Membership.Role.OWNER
            old.save(update_fields=["role"])
            new.save(update_fields=["role"])
            to.role = new.role
        return was

    def deletion_summary(self) -> TeamDeletion:
        """What deleting the team takes with it, for the page that asks to confirm it."""
        from mailsec.hosting.models import HostedPolicy
        from reports.models import ReportAddress

        policies = HostedPolicy.objects.filter(domain__team=self).select_related("domain")
        return TeamDeletion(
            domains=self.domains.count(),
            verified=self.domains.filter(verified_at__isnull=False).count(),
            # Only hosting that outlives its domain needs a word: the rest goes with it.
            hosting_notices=sorted(n for p in policies if (n := p.deletion_notice)),
            hosted=policies.count(),
            report_addresses=ReportAddress.objects.filter(domain__team=self).count(),
            others=list(
                self.memberships.exclude(role=Membership.Role.OWNER)
                .select_related("user")
                .order_by("created")
            ),
        )

    def delete_by(self, owner: User) -> TeamDeleted | None:
        """Delete the team, as `owner`: its domains as if each were removed (a hosted policy
        senders may have cached is served as mode none until it may end, through
        mailsec.hosting.signals; the rest goes with them), its memberships, invitations, API
        keys and alert settings. Its other people to tell, with the hosted policies still
        served after it and the records they need kept (TeamDeleted), or None when nothing
        was done: `owner` does not own it (any more: a hand-over in another tab), or
        it is the only team they are in (KeepsOneTeam).

        The team's memberships are locked first, in the order Team.hand_over locks them: a
        hand-over at the same moment runs before or after, never half of each."""
        from mailsec.hosting import deleted

        with transaction.atomic():
            rows = list(self.memberships.select_for_update().select_related("user").order_by("pk"))
            mine = next((m for m in rows if m.user_id == owner.pk), None)
            if mine is None or mine.role != Membership.Role.OWNER:
                return None
            if not Membership.objects.filter(user=owner).exclude(team=self).exists():
                raise KeepsOneTeam(self.pk)
            told = [m.user for m in rows if m.user_id != owner.pk and m.user.email]
            # Read before the deletion: the mode, state and id each policy had (see below).
            held = deleted.held_in(self.domains.all())
            self.delete()
            # Served as mode none after it, detached (hosting.signals): records to keep.
            kept = deleted.still_served(held, owner, told)
        return TeamDeleted(told, kept)

    def invite(self, email: str, invited_by: User, role: str = "member") -> Invite:
        """The invite to send to `email`. Sent again while the first one is still open (a
        double-clicked button, or the first mail lost in a spam folder), it is the same link,
        valid for a week from now: the person may open either mail. An expired one is
        replaced by a new link; a withdrawn one is gone, so its link never comes back.
        `role`: member or viewer (Membership.GIVEN_ROLES); nobody is invited to own a team."""
        if role not in Membership.GIVEN_ROLES:
            # InviteForm offers only these; a caller passing another (an owner invite would
            # make a second owner on accepting) is a bug, not a choice.
            raise ValueError(f"cannot invite {email} as {role!r}")
        email = email.lower()
        now = timezone.now()
        with transaction.atomic():
            pending = self.invites.select_for_update().filter(email__iexact=email, accepted_at=None)
            current = (
                pending.filter(created__gte=now - INVITE_VALIDITY).order_by("-created").first()
            )
            pending.exclude(pk=current.pk if current else None).delete()
            if current is None:
                return Invite.objects.create(
                    team=self, email=email, invited_by=invited_by, role=role
                )
            # Sent again with another role: the link stays, and joins with the role chosen last.
            current.created, current.invited_by, current.role = now, invited_by, role
            current.save(update_fields=["created", "invited_by", "role"])
            return current


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"
        # Sees everything a member sees of the team, changes nothing of it: an MSP's client,
        # an auditor. Their own things (account, alert emails, leaving) stay theirs.
        VIEWER = "viewer", "Viewer (read-only)"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    # The roles an owner gives by inviting, or sets on the team page (an owner stays one).
    GIVEN_ROLES = (Role.MEMBER, Role.VIEWER)

    @staticmethod
    def role_can_edit(role: str | None) -> bool:
        """Whether someone of `role` (None: not in the team) may change the team's things."""
        return role in (Membership.Role.OWNER, Membership.Role.MEMBER)

    def set_role(self, role: str) -> bool:
        """Make this member a member or a viewer; whether that changed anything. An owner
        stays an owner, and nobody becomes one here, so a team always keeps its owner."""
        if role not in self.GIVEN_ROLES or self.role == Membership.Role.OWNER:
            raise ValueError(f"cannot make {self} a {role}")
        with transaction.atomic():
            # Read again, locked: this row may have been read before a hand-over made them
            # the owner (Team.hand_over), and writing the old read over it would leave the
            # team with none. Gone or the owner now: nothing changes (self.role says which).
            locked = Membership.objects.select_for_update().filter(pk=self.pk)
            now = locked.values_list("role", flat=True).first()
            if now is None:
                return False
            self.role = now
            if now in (Membership.Role.OWNER, role):
                return False
            self.role = role
            self.save(update_fields=["role"])
        return True


DEFAULT_TIME_ZONE = "UTC"
# IANA names of the zone database that name no place: the machine's own zone (Debian lists
# /etc/localtime) and tzdata's placeholders.
NOT_PLACES = {"localtime", "posixrules", "Factory"}


@cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA time zones a person may choose (zoneinfo.available_timezones(), sorted), the
    account page's list. Read once per process: the zone database changes with a package
    upgrade, which restarts the processes."""
    return tuple(sorted(zoneinfo.available_timezones() - NOT_PLACES))


def validate_time_zone(name: str) -> None:
    if name not in time_zone_names():
        raise ValidationError(
            "%(name)s is not a time zone we know: choose one from the list.",
            params={"name": name[:64]},
        )


def zone(name: str | None) -> tzinfo:
    """The zone `name` names; UTC for an empty or unknown name (one removed from the zone
    database since it was chosen): times are then labelled UTC, never shown in a zone
    that is not said."""
    if name and name in time_zone_names():
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


def zone_of(user: User | None) -> tzinfo:
    """The time zone `user` chose on the account page (UTC when none): their pages and
    emails show times in it, and their daily digest goes at ALERT_DIGEST_HOUR in it.
    Anyone else (a team's extra address, no person at all): UTC."""
    if user is None or user.pk is None:
        return zone(None)
    name = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return zone(name)


class Profile(models.Model):
    user = models.OneToOneField(User, models.CASCADE, related_name="profile")
    # The team whose domains the pages show; a person can belong to several.
    current_team = models.ForeignKey(Team, models.SET_NULL, null=True, blank=True)
    # An IANA name (time_zone_names()); pages and emails show this person's times in it.
    time_zone = models.CharField(
        max_length=64, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone]
    )
    # When they last chose one on the account page; until then the page may suggest the
    # browser's own zone (never saved without their pressing Save).
    time_zone_chosen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"profile of {self.user}"

    @classmethod
    def for_user(cls, user: User) -> Profile:
        profile, _ = cls.objects.get_or_create(user=user)
        return profile

    def team(self) -> Team:
        """The current team, falling back to any team of the user, creating one if none."""
        team = self.current_team
        if team is None or not team.memberships.filter(user=self.user).exists():
            m = self.user.memberships.select_related("team").order_by("created").first()
            team = m.team if m else Team.create_for(self.user)
            self.current_team = team
            self.save(update_fields=["current_team"])
        return team


class Invite(models.Model):
    # The token is the secret in the emailed link; the link only shows a button (a scanner
    # fetching it accepts nothing), accepting is a POST by a signed-in person.
    token = models.CharField(max_length=64, unique=True, default=invite_token, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="invites")
    email = models.EmailField()
    invited_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The role the person joins with: member or viewer (Membership.GIVEN_ROLES).
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )

    def __str__(self) -> str:
        return f"invite of {self.email} to {self.team}"

    @classmethod
    def open_ones(cls, now: datetime | None = None) -> models.QuerySet[Invite]:
        """Invitations not accepted and not expired: the ones whose link still works."""
        now = timezone.now() if now is None else now
        return cls.objects.filter(accepted_at=None, created__gte=now - INVITE_VALIDITY)

    @classmethod
    def delete_expired(cls, now: datetime | None = None) -> int:
        """Delete the invitations nobody accepted before they expired: their link works no
        more, and nothing else would ever remove them. Accepted ones stay: their link,
        followed again, still says "You are in"."""
        now = timezone.now() if now is None else now
        expired = cls.objects.filter(accepted_at=None, created__lt=now - INVITE_VALIDITY)
        deleted, _ = expired.delete()
        return deleted

    def is_expired(self) -> bool:
        return timezone.now() > self.created + INVITE_VALIDITY

    def is_usable(self) -> bool:
        return self.accepted_at is None and not self.is_expired()

    def accept(self, user: User) -> Membership:
        with transaction.atomic():
            membership, _ = Membership.objects.get_or_create(
                team=self.team, user=user, defaults={"role": self.role}
            )
            # A viewer invited as a member was invited to be one (the owner's way to give
            # more access); nobody is made a viewer, nor an owner anything else, this way.
            if membership.role == Membership.Role.VIEWER and self.role == Membership.Role.MEMBER:
                membership.role = Membership.Role.MEMBER
                membership.save(update_fields=["role"])
            self.accepted_at = timezone.now()
            self.save(update_fields=["accepted_at"])
            profile = Profile.for_user(user)
            profile.current_team = self.team
            profile.save(update_fields=["current_team"])
        return membership


@receiver(user_logged_in)
def _keep_time_zone(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """On signing in, the person's zone is kept for their pages
    (mailsec.middleware.TimeZoneMiddleware), so their first page asks the database nothing
    more than any other."""
    from mailsec.middleware import remember_time_zone

    if request is not None and hasattr(request, "session"):
        name = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
        remember_time_zone(request, name or DEFAULT_TIME_ZONE, user)
