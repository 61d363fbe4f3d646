"""Alerts: changes found by the scheduled checks, their confirmation, and the emails about them.

Flow (docs/architecture.md, data flow 2): every stored run goes through `AlertState.observe`,
which compares it with the domain's last *confirmed* state. A regression becomes a suspected
`Change` and a re-probe is scheduled; the first run at least ALERT_CONFIRM_DELAY later decides
it (confirmed → one `Notification` per person; gone → dismissed). A confirmed change whose
problem is gone is recovered (one recovery email). `error` results decide nothing.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from mailsec.accounts.models import Membership, Team
from mailsec.alerts import rules
from mailsec.domains.models import CheckRun, Domain
from mailsec.mail import first_sentence

log = logging.getLogger(__name__)

# A suspected change nobody decided this long after its re-probe was due gets another probe
# (the embedded broker can lose a task with a countdown).
REPROBE_GRACE = timedelta(minutes=2)
REPROBE_AGAIN_AFTER = timedelta(minutes=10)
# After this the sweep stops asking again (re-checks that keep failing to run): the next
# scheduled run decides the change, so a broken worker cannot mean a re-probe every 10 minutes.
REPROBE_GIVE_UP = timedelta(hours=2)
# Email delivery: attempts and the wait before each retry.
MAX_SEND_ATTEMPTS = 5
RETRY_BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
]
# A "sending" row older than this lost its worker mid-send.
SENDING_STUCK_AFTER = timedelta(minutes=10)


# Why a suspicion was dismissed when its re-check could not test it (a timeout, a 421): the
# next run that sees it again suspects it anew as SEEN_AGAIN (its note), and a second re-check
# that cannot test it confirms it (AlertState._earlier_sightings).
UNTESTED = "the re-check could not test it"
SEEN_AGAIN = "seen again after a re-check that could not test it"
THRESHOLD_PASSED = "the certificate reached a tighter warning threshold since"
CAUSE_GONE = "what the check saw was gone at the re-check; what holds is a new reason"


def confirm_delay() -> timedelta:
    return timedelta(seconds=settings.ALERT_CONFIRM_DELAY)


# Kinds of changes raised from senders' TLS reports (reports/alerts.py), not by our checks.
REPORTS_KIND_PREFIX = "tlsrpt-"


class AlertSetting(models.Model):
    """How one person hears about one domain. No row means the person's default for the
    domain's team (AlertDefault), immediate without one."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", "Email me at once"
        DIGEST = "digest", "Daily digest"
        OFF = "off", "No emails"

    user = models.ForeignKey(User, models.CASCADE, related_name="alert_settings")
    domain = models.ForeignKey(Domain, models.CASCADE, related_name="alert_settings")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "domain"], name="one_alert_setting_per_domain")
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.domain}: {self.mode}"

    @classmethod
    def default_mode(cls, user: User, team: Team | int | None = None) -> str:
        """The mode of a domain the person chose nothing for: off once they unsubscribed from
        all alert emails (the strongest: domains added later included), else what they chose
        for domains added to `team` later (AlertDefault), else immediate."""
        if AlertRecipient.objects.filter(user=user, unsubscribed_all=True).exists():
            return cls.Mode.OFF
        if team is None:
            return cls.Mode.IMMEDIATE
        chosen = AlertDefault.objects.filter(user=user, team=team).values_list("mode", flat=True)
        return chosen.first() or cls.Mode.IMMEDIATE

    @classmethod
    def mode_for(cls, user: User, domain: Domain) -> str:
        row = cls.objects.filter(user=user, domain=domain).first()
        return row.mode if row else cls.default_mode(user, domain.team_id)

    @classmethod
    def modes_for(cls, user: User, domains: list[Domain]) -> dict[int, str]:
        """What mode_for says of each of `domains` (by id), in three queries however many:
        the person's chosen rows, unsubscribe-all, and their per-team defaults. The one
        reading for every email that lists domains (the daily digest, the weekly summary), so
        they follow what the page shows: a domain with no row of its own (added while its
        person was unsubscribed from all, or away from the team) has the default."""
        return cls.modes_of_people([user], domains)[user.pk]

    @classmethod
    def modes_of_people(
        cls, users: Iterable[User], domains: list[Domain]
    ) -> dict[int, dict[int, str]]:
        """What modes_for says for each of `users` (by user id, then domain id), in three
        queries however many people (the emails to a whole team: a deleted domain's, in the
        Remove request; the verified domains'). modes_for is this for one person."""
        user_ids = [u.pk for u in users]
        if not user_ids:
            return {}
        chosen: dict[int, dict[int, str]] = {pk: {} for pk in user_ids}
        rows = cls.objects.filter(user_id__in=user_ids, domain__in=domains)
        for user_id, domain_id, mode in rows.values_list("user_id", "domain_id", "mode"):
            chosen[user_id][domain_id] = mode
        off = set(
            AlertRecipient.objects.filter(user_id__in=user_ids, unsubscribed_all=True).values_list(
                "user_id", flat=True
            )
        )
        fallback: dict[int, dict[int, str]] = {pk: {} for pk in user_ids}
        if off != set(user_ids):
            defaults = AlertDefault.objects.filter(
                user_id__in=set(user_ids) - off, team_id__in={d.team_id for d in domains}
            )
            for user_id, team_id, mode in defaults.values_list("user_id", "team_id", "mode"):
                fallback[user_id][team_id] = mode
        out: dict[int, dict[int, str]] = {}
        for pk in user_ids:
            default = cls.Mode.OFF if pk in off else cls.Mode.IMMEDIATE
            out[pk] = {
                d.pk: chosen[pk].get(d.pk) or fallback[pk].get(d.team_id, default) for d in domains
            }
        return out

    @classmethod
    def team_domains(cls, user: User, team: Team, default: str) -> models.QuerySet[Domain]:
        """The domains of `team`, each with `alert_mode` as the alerts page shows it to
        `user`: their own row's mode, else `default` (default_mode's answer, which the page
        reads once). One LEFT JOIN on the unique (user, domain) index, so the page can filter,
        count and page it in SQL instead of reading an MSP's thousand rows on every request."""
        mine = models.FilteredRelation(
            "alert_settings", condition=models.Q(alert_settings__user=user)
        )
        return team.domains.annotate(mine=mine).annotate(
            alert_mode=Coalesce(models.F("mine__mode"), models.Value(str(default)))
        )

    @classmethod
    def mode_counts(cls, user: User, team: Team, default: str) -> dict[str, int]:
        """How many of `team`'s domains have each mode for `user` (modes with none left out),
        in one GROUP BY query however many domains the team has."""
        rows = (
            cls.team_domains(user, team, default)
            .order_by()  # no ORDER BY column may join the GROUP BY
            .values("alert_mode")
            .annotate(n=models.Count("pk"))
        )
        return {row["alert_mode"]: row["n"] for row in rows}

    @classmethod
    def forget_team(cls, user_id: int, team_id: int) -> None:
        """A membership ended (removed, or left): what `user` chose for `team` goes with it,
        the default for domains added later and every domain's own row. Kept, both came back
        on rejoining as if chosen anew: a team-wide "no emails" set long ago silenced every
        domain, unseen until a problem went untold. Emails already stop without a membership
        (recipients(), the digest and the weekly summary read members only)."""
        cls.objects.filter(user_id=user_id, domain__team_id=team_id).delete()
        AlertDefault.objects.filter(user_id=user_id, team_id=team_id).delete()

    @classmethod
    def set_mode(cls, user: User, domain: Domain, mode: str) -> None:
        with transaction.atomic():
            before = cls.mode_for(user, domain)
            cls.objects.update_or_create(user=user, domain=domain, defaults={"mode": mode})
            if before == cls.Mode.DIGEST and mode == cls.Mode.IMMEDIATE:
                Notification.tell_what_the_digest_owed(user, [domain])

    @classmethod
    def set_mode_for_team(cls, user: User, team: Team, mode: str) -> int:
        """`mode` for every domain of `team`, for this person only; the number of domains
        whose mode this changed (0 the second time). A bounded number of queries however many
        domains the team has (an MSP's hundreds were three queries each)."""
        with transaction.atomic():
            before = cls.default_mode(user, team)
            if mode == cls.Mode.IMMEDIATE:
                domains = list(Domain.objects.filter(team=team, verified_at__isnull=False))
                modes = cls.modes_for(user, domains)
                leaving_digest = [d for d in domains if modes[d.pk] == cls.Mode.DIGEST]
            else:
                leaving_digest = []
            mine = cls.objects.filter(user=user, domain__team=team)
            # update() leaves auto_now alone; one UPDATE … WHERE id IN (SELECT …).
            updated = mine.exclude(mode=mode).update(mode=mode, updated=timezone.now())
            created = cls._add_missing(user, team, mode)
            if leaving_digest:
                Notification.tell_what_the_digest_owed(user, leaving_digest)
        # A domain without a row had the default: it changed only if that differs.
        return updated + (created if before != mode else 0)

    @classmethod
    def _add_missing(cls, user: User, team: Team, mode: str) -> int:
        """A row in `mode` for each domain of `team` the person has none for, in one INSERT …
        SELECT (bulk_create splits a few hundred rows into several INSERTs on SQLite, 999
        parameters each); the number of rows added."""
        setting, domain = cls._meta.db_table, Domain._meta.db_table
        sql = (
            f"INSERT INTO {setting} (user_id, domain_id, mode, updated)"
            f" SELECT %s, d.id, %s, %s FROM {domain} d WHERE d.team_id = %s"
            f" AND NOT EXISTS (SELECT 1 FROM {setting} s WHERE s.user_id = %s"
            " AND s.domain_id = d.id)"
            # A row a concurrent request added meanwhile (a single domain's Save, not yet
            # committed when our NOT EXISTS looked) takes this mode too: the person asked for
            # every domain of the team, and is told how many changed.
            " ON CONFLICT (user_id, domain_id) DO UPDATE SET mode = excluded.mode,"
            " updated = excluded.updated"
        )
        now = cls._meta.get_field("updated").get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [user.pk, str(mode), now, team.pk, user.pk])
            return max(cursor.rowcount, 0)

    @classmethod
    def set_default(cls, user: User, team: Team, mode: str) -> None:
        """`mode` for the domains added to `team` from now on. The domains already there keep
        the mode they have: those the person chose nothing for get a row with the old default
        first, so this never changes an existing domain's emails."""
        with transaction.atomic():
            cls._add_missing(user, team, cls.default_mode(user, team))
            AlertDefault.objects.update_or_create(user=user, team=team, defaults={"mode": mode})

    @classmethod
    def apply_defaults(cls, domain: Domain) -> None:
        """A domain just added to its team: a row for each member whose default for the team
        is not immediate. The default alone would already decide mode_for, recipients and the
        page; the rows are what the daily digest and the weekly summary read (they look for
        chosen digests, and weekly.py asks default_mode without a team). Not for a person
        who unsubscribed from all: a chosen row would beat that, and it must stay the
        strongest."""
        wanted = (
            AlertDefault.objects.filter(
                team_id=domain.team_id, user__memberships__team_id=domain.team_id
            )
            .exclude(mode=cls.Mode.IMMEDIATE)
            .exclude(user__alert_recipient__unsubscribed_all=True)
            .values_list("user_id", "mode")
        )
        cls.objects.bulk_create(
            [cls(user_id=user_id, domain=domain, mode=mode) for user_id, mode in wanted],
            ignore_conflicts=True,
        )


class AlertDefault(models.Model):
    """A person's mode for the domains added to one team later (the alerts page's "Domains
    added later"). No row means immediate; "unsubscribe from all" beats it."""

    user = models.ForeignKey(User, models.CASCADE, related_name="alert_defaults")
    team = models.ForeignKey(Team, models.CASCADE, related_name="alert_defaults")
    mode = models.CharField(max_length=10, choices=AlertSetting.Mode.choices)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_alert_default_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.team}: {self.mode} for domains added later"


# A signal rather than a call in the domains app's views: domains are added by the form, the
# bulk add and the admin, and every one of them must get the members' defaults.
@receiver(post_save, sender=Domain, dispatch_uid="alerts.apply_defaults")
def _domain_added(sender: type[Domain], instance: Domain, created: bool, **kw: Any) -> None:
    if created and not kw.get("raw"):  # loaddata: the fixture holds its own settings
        AlertSetting.apply_defaults(instance)


# A signal for the same reason: a membership ends in the team page (removed, or left), in the
# admin and by a queryset delete, and what the person chose must end with it on every path.
@receiver(post_delete, sender=Membership, dispatch_uid="alerts.forget_team")
def _membership_ended(sender: type[Membership], instance: Membership, **kw: Any) -> None:
    # Ids, not instances: when the team itself is deleted its row may be gone already.
    AlertSetting.forget_team(instance.user_id, instance.team_id)


def _new_public_id() -> str:
    return secrets.token_urlsafe(16)


class AlertRecipient(models.Model):
    """A person as alert emails name them: a random public id, so links in those emails (the
    signed unsubscribe token) never carry the sequential user id. Made on first use."""

    user = models.OneToOneField(User, models.CASCADE, related_name="alert_recipient")
    public_id = models.CharField(max_length=32, unique=True, default=_new_public_id, editable=False)
    # "Unsubscribe from all" (a digest's link): no alert email at all, for domains added later
    # too, until the person chooses a setting again on the alerts page.
    unsubscribed_all = models.BooleanField(default=False)
    # The weekly summary (mailsec/alerts/weekly.py): on unless turned off on the alerts page
    # or by its own unsubscribe link; "unsubscribe from all" stops it too.
    weekly_summary = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.public_id})"

    @classmethod
    def public_id_for(cls, user: User) -> str:
        row, _ = cls.objects.get_or_create(user=user)  # a concurrent create is retried as a get
        return row.public_id

    @classmethod
    def public_ids_for(cls, users: Iterable[User]) -> dict[int, str]:
        """public_id_for of many people at once, by user id: the rows there in one query, and
        the missing ones made in one insert and read back in one more (an email to each
        member of a team, notices.tell_verified). A row made meanwhile by someone else is the
        one read back (ignore_conflicts), as public_id_for's get_or_create retries as a get."""
        ids = {user.pk for user in users}
        found = dict(cls.objects.filter(user_id__in=ids).values_list("user_id", "public_id"))
        missing = ids - found.keys()
        if missing:
            cls.objects.bulk_create([cls(user_id=pk) for pk in missing], ignore_conflicts=True)
            made = cls.objects.filter(user_id__in=missing).values_list("user_id", "public_id")
            found.update(made)
        return found


# Extra addresses a team's alerts go to (an MSP's ticketing system, a shared mailbox): at most
# this many per team, pending and unsubscribed ones included (the owner removes one to add
# another), and a confirmation link that works for this long after it was sent.
MAX_TEAM_ADDRESSES = 5
ADDRESS_CONFIRM_VALIDITY = timedelta(days=7)


def _confirm_token() -> str:
    return secrets.token_urlsafe(24)


class TeamAlertAddress(models.Model):
    """An address that is nobody's account and gets a team's alerts: per-domain alert emails
    (with their recoveries) or the daily digest, for every verified domain of the team. The
    team's owner adds it; it gets nothing until someone at that mailbox follows the one
    confirmation link we mail it (no account needed). Its one-click unsubscribe mutes a domain
    (an alert's link) or the whole address (a digest's link), for this address only; to hear
    again, the owner adds it again and the mailbox follows the link we then mail it: a new
    confirmation after it stopped everything, a link that resumes its stopped domains after it
    stopped some (its other domains keep coming meanwhile; it opted out, so it opts back in).

    No weekly summary: it is a person's read of scores and TLS-report totals with nothing to
    act on most weeks, and in a ticketing system it would be a ticket every Monday."""

    class Mode(models.TextChoices):
        IMMEDIATE = AlertSetting.Mode.IMMEDIATE.value, "Email at once"
        DIGEST = AlertSetting.Mode.DIGEST.value, "Daily digest"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, models.CASCADE, related_name="alert_addresses")
    # 254: the longest address SMTP carries; stored lower-case (one row per address and team).
    email = models.EmailField(max_length=254)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    # The secret of the emailed confirmation link (shown as a button: a link scanner fetching
    # it confirms nothing).
    token = models.CharField(max_length=64, unique=True, default=_confirm_token, editable=False)
    added_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Its digest's "stop all alert emails": nothing more to this address.
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # An alert's "stop alert emails for <domain>": nothing more about these domains.
    muted_domains = models.ManyToManyField(Domain, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "email"], name="one_alert_address_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.team}"

    @property
    def state(self) -> str:
        """What the alerts page says of it: pending, confirmed or unsubscribed."""
        if self.unsubscribed_at is not None:
            return "unsubscribed"
        return "confirmed" if self.confirmed_at is not None else "pending"

    def link_usable(self, now: datetime | None = None) -> bool:
        """Whether the confirmation link still confirms (it is kept after, to say "done")."""
        now = timezone.now() if now is None else now
        sent = self.confirmation_sent_at or self.created
        return self.confirmed_at is None and now <= sent + ADDRESS_CONFIRM_VALIDITY

    @property
    def link_expired(self) -> bool:
        """Pending with a link that no longer confirms: the Alerts page says so and offers
        its owner a new link. Kept, not pruned: it counts toward the cap until the owner sends
        a new link or removes it, since an address that never confirmed (a typo, a filter
        that ate our mail) is something the owner should see, not a row that vanishes."""
        return self.state == "pending" and not self.link_usable()

    def confirm(self) -> None:
        self.confirmed_at = timezone.now()
        self.save(update_fields=["confirmed_at"])

    def renew_link(self) -> None:
        """A new confirmation link in place of an expired one: the old mail's link stays
        dead rather than coming back to life when the new one is sent."""
        self.token = _confirm_token()
        self.save(update_fields=["token"])

    def resume_link_sent(self) -> bool:
        """Whether the owner asked this confirmed address to hear again about the domains it
        stopped (add_address mailed it its link; confirmation_sent_at is only set after
        confirmed_at then) and it has not followed the link since."""
        return (
            self.state == "confirmed"
            and self.confirmation_sent_at is not None
            and self.confirmed_at is not None
            and self.confirmation_sent_at > self.confirmed_at
        )

    def resume_link_usable(self, now: datetime | None = None) -> bool:
        """Whether its link resumes the stopped domains now (for as long as a confirmation
        link confirms)."""
        now = timezone.now() if now is None else now
        sent = self.confirmation_sent_at
        return (
            self.resume_link_sent() and sent is not None and now <= sent + ADDRESS_CONFIRM_VALIDITY
        )

    def resume(self) -> None:
        """The mailbox followed the owner's link: no domain muted any more. Confirmed again
        now, so the link resumes once; a domain stopped again later needs a new request."""
        self.confirmed_at = timezone.now()
        self.save(update_fields=["confirmed_at"])
        self.muted_domains.clear()

    def restart(self) -> None:
        """Added again after it unsubscribed: it must be confirmed again, with a new link, and
        starts with no domain muted."""
        self.token, self.confirmed_at, self.unsubscribed_at = _confirm_token(), None, None
        self.save(update_fields=["token", "confirmed_at", "unsubscribed_at"])
        self.muted_domains.clear()

    @classmethod
    def receiving(cls, domain: Domain, mode: str) -> list[TeamAlertAddress]:
        """The team's confirmed addresses that get `mode` emails about `domain`: not
        unsubscribed, the domain not muted, and not the address of one of the team's
        members, whose own settings decide what their mailbox gets (one email per address)."""
        if not domain.is_verified:
            return []
        return cls._hearing_of(domain, cls.objects.filter(mode=mode))

    @classmethod
    def told_at_once(cls, domain: Domain) -> list[TeamAlertAddress]:
        """The team's confirmed addresses told of a one-off notice about `domain` at once,
        whatever their mode, verified or not: that the domain left the team's monitoring
        (another team proved control, Domain.recheck_control). A digest is made of changes
        and this is none (nor does the domain appear in one again), and an MSP's ticketing
        system should hear that a customer's domain left its monitoring. Not unsubscribed,
        the domain not muted, not a member's address (the members' own email reaches it)."""
        return cls._hearing_of(domain, cls.objects.all())

    @classmethod
    def _hearing_of(
        cls, domain: Domain, rows: models.QuerySet[TeamAlertAddress]
    ) -> list[TeamAlertAddress]:
        """Of `rows`, the addresses of the domain's team that hear about it."""
        members = member_addresses(domain.team_id)
        rows = (
            rows.filter(
                team_id=domain.team_id, confirmed_at__isnull=False, unsubscribed_at__isnull=True
            )
            .exclude(muted_domains=domain)
            .select_related("team")
            .order_by("pk")
        )
        return [row for row in rows if row.email.lower() not in members]

    def is_members(self) -> bool:
        """Whether the address is one of its team's active members' own: it then gets nothing
        as such, its person's settings decide (receiving, _own_digest_domains)."""
        return self.email.lower() in member_addresses(self.team_id)

    def digest_rows(self) -> list[TeamAlertAddress]:
        """The rows of this address's mailbox (the same address, added by any team) that get
        the daily digest: confirmed, not unsubscribed, oldest first. Their digests are one
        email a day (s25n: an address two teams added got two), made on the first of them
        (tasks.send_digests) and sectioned by team (emails.build_message)."""
        return list(
            TeamAlertAddress.objects.filter(
                email=self.email,
                mode=self.Mode.DIGEST,
                confirmed_at__isnull=False,
                unsubscribed_at__isnull=True,
            )
            .select_related("team")
            .order_by("pk")
        )

    def digest_domains(self) -> list[Domain]:
        """The verified domains this address's mailbox gets a digest of: of each team that
        added it for the digest (digest_rows), each row's own (_own_digest_domains)."""
        return [d for row in self.digest_rows() for d in row._own_digest_domains()]

    def _own_digest_domains(self) -> list[Domain]:
        """The verified domains of the team this row's digest is about (none unless its
        mode is the digest, it is confirmed and not unsubscribed)."""
        if (
            self.mode != self.Mode.DIGEST
            or self.confirmed_at is None
            or self.unsubscribed_at is not None
            or self.is_members()
        ):
            return []
        return list(
            Domain.objects.filter(team_id=self.team_id, verified_at__isnull=False)
            .exclude(pk__in=self.muted_domains.values("pk"))
            .only("id", "team_id")
        )


def member_addresses(team_id: int) -> set[str]:
    """The addresses (lower-case) of the team's active members: an extra address that is one
    of them gets nothing as such, its person's settings decide."""
    return {
        email.lower()
        for email in User.objects.filter(memberships__team_id=team_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    }


def recipients(domain: Domain, mode: str) -> list[User]:
    """Team members of a verified domain who chose `mode` for it and have an address."""
    if not domain.is_verified:
        return []
    users = User.objects.filter(memberships__team_id=domain.team_id, is_active=True).exclude(
        email=""
    )
    chosen = dict(
        AlertSetting.objects.filter(domain=domain, user__in=users).values_list("user_id", "mode")
    )
    # A person who unsubscribed from all gets only what they chose since, domain by domain.
    unsubscribed = set(
        AlertRecipient.objects.filter(user__in=users, unsubscribed_all=True).values_list(
            "user_id", flat=True
        )
    )
    defaults = dict(
        AlertDefault.objects.filter(team_id=domain.team_id, user__in=users).values_list(
            "user_id", "mode"
        )
    )

    def mode_of(u: User) -> str:
        if u.pk in chosen:
            return chosen[u.pk]
        if u.pk in unsubscribed:
            return AlertSetting.Mode.OFF
        return defaults.get(u.pk, AlertSetting.Mode.IMMEDIATE)

    return [u for u in users.order_by("pk") if mode_of(u) == mode]


class Change(models.Model):
    """One regression of one domain: an event log that doubles as the alert queue."""

    class State(models.TextChoices):
        SUSPECTED = "suspected", "Suspected (waiting for the re-check)"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed (did not hold at the re-check)"
        RECOVERED = "recovered", "Recovered"

    OPEN = (State.SUSPECTED, State.CONFIRMED)
    # Set by changes_context for an alert's templates: the changes that follow from this one.
    consequences: list[Change]

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    domain = models.ForeignKey(Domain, models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=[(k.value, k.value) for k in rules.Kind])
    key = models.CharField(max_length=400)
    subject = models.CharField(max_length=300, blank=True)
    mechanism = models.CharField(max_length=20, blank=True)
    check_id = models.CharField(max_length=20, blank=True)
    before = models.CharField(max_length=100, blank=True)
    after = models.CharField(max_length=100, blank=True)
    summary = models.TextField(blank=True)
    fix = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUSPECTED)
    # Why it was dismissed, or (a change raised from TLS reports) what the reports said since
    # it closed: a text, so large session counts never cut it short.
    note = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)  # first seen
    first_seen_run = models.ForeignKey(
        CheckRun, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_run = models.ForeignKey(
        CheckRun, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    recovered_run = models.ForeignKey(
        CheckRun, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recovered_at = models.DateTimeField(null=True, blank=True)
    # A confirmed change that a run saw fixed: it recovers (and says so by email) only when a
    # re-check at least the confirmation delay later agrees, so a flapping check stays quiet.
    recovery_seen_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    reprobe_requested_at = models.DateTimeField(null=True, blank=True)
    # A problem the domain had when its team removed it, carried over to the domain added
    # again (AlertState._carry_over): whoever was told of it then was told of this one.
    carried_from = models.ForeignKey(
        "RemovedProblem", models.SET_NULL, null=True, blank=True, related_name="carried"
    )

    class Meta:
        constraints = [
            # At most one open change per problem: two runs of an unchanged broken domain
            # cannot raise it twice, even when they are processed at the same moment.
            models.UniqueConstraint(
                fields=["domain", "key"],
                condition=models.Q(state__in=["suspected", "confirmed"]),
                name="one_open_change_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["state", "created"]),
            models.Index(fields=["domain", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.domain.name}: {self.kind} {self.subject} ({self.state})"

    @property
    def reprobe_due_at(self) -> datetime:
        return self.created + confirm_delay()

    def evidence_lines(self, limit: int = 8) -> list[str]:
        """The evidence as a few plain lines for emails: what was asked, what came back."""
        ev = self.evidence or {}
        lines: list[str] = []
        if self.kind == rules.Kind.RECORD_GONE:
            for label, part in (("Before", ev.get("before") or {}), ("Now", ev.get("now") or {})):
                if part:
                    answers = ", ".join(part.get("answers") or []) or "no record"
                    lines.append(
                        f"{label}: {part.get('query', '')} → {part.get('rcode', '')} {answers}"
                    )
        elif self.kind == rules.Kind.MECHANISM:
            lines += [
                f"{f.get('id')} ({f.get('status')}): {f.get('summary')}"
                for f in ev.get("findings", [])
            ]
        elif self.kind == rules.Kind.MX_COVERAGE:
            lines.append(f"MX before: {', '.join(ev.get('mx_before') or []) or 'unknown'}")
            lines.append(f"MX now: {', '.join(ev.get('mx_now') or ev.get('mx') or [])}")
            lines.append(f"Policy mx patterns: {', '.join(ev.get('patterns') or [])}")
        elif self.kind == rules.Kind.SCORE:
            lines.append(f"Score before: {self.before}, now: {self.after}")
            if lost := ev.get("points_lost"):
                # Which categories cost how many points now, as the domain page lists them.
                lines.append(f"Points lost now: {', '.join(lost)}")
        elif isinstance(ev.get("leaf"), dict):
            lines += _certificate_lines(ev)
        else:
            for k, v in ev.items():
                if isinstance(v, (str, int, float, bool)) and v != "":
                    lines.append(f"{k}: {v}")
                elif isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                    lines.append(f"{k}: {', '.join(v)}")
        return [line[:300] for line in lines[:limit]]

    @property
    def headline(self) -> str:
        """The first sentence of the summary: short enough for a subject line."""
        return first_sentence(self.summary)

    @property
    def subject_headline(self) -> str:
        """The headline as a subject says it: an expiry warning's threshold clause shortened
        to "21-day warning" (the text says it whole). At 101 characters or more the subject's
        middle cut took 'expires in' out (s36b Z31: 'The certificate of mta-sts.a.test … 20
        days (2026-12-22), within the 21-day warning threshold'); the cut keeps the last 59,
        which now always hold 'expires in <n> days (<date>), <t>-day warning'."""
        line = self.headline
        if self.kind == rules.Kind.CERT_EXPIRY and ", within the " in line:
            line = f"{line.split(', within the ', 1)[0]}, {self.before}-day warning"
        return line

    @property
    def consequence_line(self) -> str:
        """How an alert names it under the change it follows from (changes_context): its
        headline without the reason after a colon, which is that change's own sentence
        ("mx1.example.com at 192.0.2.1 does not pass MTA-STS validation"). A name alone
        before the colon ("mta-sts.example.com: ...") says nothing: the whole headline then."""
        before = self.headline.split(": ")[0]
        return before if " " in before else self.headline

    @property
    def recovered_line(self) -> str:
        """How a recovery email names it: "Fixed: <headline>", or "<name> exists in DNS
        again" for a name that had left the DNS (rules.recovered_line)."""
        return rules.recovered_line(self.kind, self.key, self.subject, self.headline)

    @property
    def fix_lines(self) -> list[str]:
        return self.fix.splitlines()

    def refresh_from(self, obs: rules.Observation | None) -> None:
        """Take the confirming run's evidence, keeping what only the first sighting knew (the
        record as it was before, the fix built from it)."""
        if obs is None:
            return
        self.summary = obs.summary or self.summary
        self.fix = obs.fix or self.fix
        self.evidence = {**self.evidence, **{k: v for k, v in obs.evidence.items() if v}}
        self.after = obs.after or self.after

    @classmethod
    def overdue(cls, now: datetime) -> models.QuerySet[Change]:
        """Suspected changes, and confirmed ones seen fixed, whose re-probe should have
        decided them by now."""
        cutoff = now - confirm_delay() - REPROBE_GRACE
        oldest = cutoff - REPROBE_GIVE_UP
        return cls.objects.filter(
            models.Q(state=cls.State.SUSPECTED, created__lte=cutoff, created__gt=oldest)
            | models.Q(
                state=cls.State.CONFIRMED, recovery_seen_at__lte=cutoff, recovery_seen_at__gt=oldest
            )
        ).filter(
            models.Q(reprobe_requested_at=None)
            | models.Q(reprobe_requested_at__lte=now - REPROBE_AGAIN_AFTER)
        )


def _certificate_lines(ev: dict[str, Any]) -> list[str]:
    """A certificate finding's evidence (an MX probe's facts): the server and the certificate
    it presented, not the bookkeeping of the TLS session. The second certificate's handshake
    (checks/starttls.py) speaks no SMTP past STARTTLS, so its "ehlo_ok: False" would mislead."""
    leaf = ev["leaf"]
    label = ev.get(rules.SECOND_CERTIFICATE)
    which = f"{label} certificate (what senders offering only RSA get)" if label else "Certificate"
    key = " ".join(str(p) for p in (leaf.get("key_type"), leaf.get("key_size")) if p)
    lines = [
        f"Server: {ev.get('host', '')} [{ev.get('address', '')}] port {ev.get('port', 25)}, "
        f"{ev.get('tls_version', '')} {ev.get('cipher', '')}".rstrip(),
        f"{which}: {leaf.get('subject', '')}, issued by {leaf.get('issuer', '')}"
        + (f", {key}-bit key" if key else "")
        + (f", serial {leaf['serial']}" if leaf.get("serial") else ""),
        f"Valid from {leaf.get('not_before', '?')} until {leaf.get('not_after', '?')}",
    ]
    if leaf.get("sans"):
        lines.append(f"Names: {', '.join(str(n) for n in leaf['sans'])}")
    if ev.get("verify_error"):
        detail = ev.get("verify_detail") or ""
        lines.append(f"Validation: {ev['verify_error']}" + (f" ({detail})" if detail else ""))
    return lines


# A problem of a removed domain that its team never adds again is forgotten after this long.
KEEP_REMOVED_PROBLEMS = timedelta(days=400)
# What a removed domain's problem keeps of its Change, and gives the Change it is carried to.
CARRIED_FIELDS = (
    "kind",
    "key",
    "subject",
    "mechanism",
    "check_id",
    "before",
    "after",
    "summary",
    "fix",
    "evidence",
    "created",
    "confirmed_at",
)


class RemovedProblem(models.Model):
    """A problem a domain still had when its team removed it, that someone was told of (an
    alert, a digest). Removing a domain deletes its changes and their emails; kept here with
    the team and the name, it is carried over to the domain when the team adds it again
    (AlertState._carry_over, at its first run), so its fix is told, once, to whoever was told
    of the problem, and the problem still there is not told again (s25n). Nothing else of
    the removed domain is kept."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    name = models.CharField(max_length=253)  # the domain's A-label
    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=400)
    subject = models.CharField(max_length=300, blank=True)
    mechanism = models.CharField(max_length=20, blank=True)
    check_id = models.CharField(max_length=20, blank=True)
    before = models.CharField(max_length=100, blank=True)
    after = models.CharField(max_length=100, blank=True)
    summary = models.TextField(blank=True)
    fix = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The rubric of the removed domain's last confirmed state: a finding the checks of a later
    # release no longer make is no fix (as AlertState._observe reads a new score version).
    score_version = models.PositiveSmallIntegerField(null=True, blank=True)
    removed_at = models.DateTimeField(default=timezone.now)
    told_users = models.ManyToManyField(User, blank=True, related_name="+")
    told_addresses = models.ManyToManyField(TeamAlertAddress, blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["team", "name"])]

    def __str__(self) -> str:
        return f"{self.name} (removed): {self.kind} {self.subject}"

    @classmethod
    def keep(cls, domain: Domain) -> list[RemovedProblem]:
        """Before `domain` is deleted: its open problems that someone was told of."""
        now = timezone.now()
        cls.objects.filter(removed_at__lt=now - KEEP_REMOVED_PROBLEMS, carried=None).delete()
        open_changes = list(domain.changes.filter(state=Change.State.CONFIRMED))
        if not open_changes:
            # What an earlier removal kept and this domain took back is done with too: told
            # fixed, or closed, it must not be carried over once more (s25a V15: a fix told
            # after the domain came back was told again when it was removed and added again).
            cls.objects.filter(carried__domain=domain).delete()
            return []
        users: dict[int, set[int]] = {}
        addresses: dict[int, set[int]] = {}
        # Only emails that reached their reader (told(reached=True)): an alert still waiting
        # or being retried goes with the domain (Notification.domain, CASCADE) and is never
        # sent, so its reader was not told and must hear no "fixed" once it is added again.
        told = Notification.telling(open_changes, reached=True)
        for change_id, user_id, address_id in told.values_list(
            "change_id", "notification__user_id", "notification__team_address_id"
        ):
            if user_id is not None:
                users.setdefault(change_id, set()).add(user_id)
            if address_id is not None:
                addresses.setdefault(change_id, set()).add(address_id)
        for change in open_changes:  # told before an earlier removal
            if change.carried_from is not None:
                users.setdefault(change.pk, set()).update(
                    change.carried_from.told_users.values_list("pk", flat=True)
                )
                addresses.setdefault(change.pk, set()).update(
                    change.carried_from.told_addresses.values_list("pk", flat=True)
                )
        baseline = (
            AlertState.objects.filter(domain=domain).values_list("baseline", flat=True).first()
        )
        version = (baseline or {}).get("score_version")
        kept = []
        for change in open_changes:
            if not users.get(change.pk) and not addresses.get(change.pk):
                continue  # told to nobody: nobody waits for its fix
            problem = cls.objects.create(
                team_id=domain.team_id,
                name=domain.name,
                removed_at=now,
                score_version=version if isinstance(version, int) else None,
                **{f: getattr(change, f) for f in CARRIED_FIELDS},
            )
            problem.told_users.set(users.get(change.pk, set()))
            problem.told_addresses.set(addresses.get(change.pk, set()))
            kept.append(problem)
        # What earlier removals kept of these problems is in the new rows now.
        cls.objects.filter(carried__domain=domain).delete()
        return kept


@receiver(pre_delete, sender=Domain, dispatch_uid="alerts.keep_removed_problems")
def _domain_removed(sender: type[Domain], instance: Domain, **kw: Any) -> None:
    # Only a domain removed as such (the page's Remove, the admin, a queryset of domains): not
    # one going with its team, whose problems nobody can add again.
    origin = kw.get("origin")
    if isinstance(origin, Domain) or (
        isinstance(origin, models.QuerySet) and origin.model is Domain
    ):
        RemovedProblem.keep(instance)


@dataclass
class Outcome:
    confirmed: list[Change] = field(default_factory=list)
    recovered: list[Change] = field(default_factory=list)
    dismissed: list[Change] = field(default_factory=list)
    suspected: list[Change] = field(default_factory=list)
    baseline_moved: bool = False
    # Not compared at all: our own resolver was down (or did not validate) meanwhile.
    held: bool = False


@dataclass(frozen=True)
class Untested:
    """A suspicion its re-check (the run just before) dismissed because it could not test it."""

    pk: int
    first_seen: datetime  # its Change.created


@dataclass
class EarlierSightings:
    """What AlertState._earlier_sightings found of the problems a run raises."""

    # Keys raised before and not dismissed: suspected, confirmed or recovered.
    told: set[str] = field(default_factory=set)
    # Key -> the latest suspicion of it dismissed so, of those this run may see again.
    untested: dict[str, Untested] = field(default_factory=dict)


class AlertState(models.Model):
    """Per domain: the last confirmed state the next run is compared with."""

    domain = models.OneToOneField(Domain, models.CASCADE, related_name="alert_state")
    # A copy (rules.Snapshot), not a reference: thinning old runs must not take it away.
    baseline = models.JSONField(default=dict, blank=True)
    baseline_run = models.ForeignKey(
        CheckRun, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_run = models.ForeignKey(CheckRun, models.SET_NULL, null=True, blank=True, related_name="+")
    last_run_created = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"alert state of {self.domain}"

    @classmethod
    def observe(cls, run: CheckRun) -> Outcome:
        """Take a stored run into account: decide suspected changes, recover fixed ones, raise
        new suspicions, and queue the emails. Safe to call twice for one run."""
        outcome = Outcome()
        if run.status != CheckRun.Status.DONE:
            return outcome  # a run that could not complete is no evidence at all
        from mailsec.tasks import resolver_fault

        fault = resolver_fault()
        with transaction.atomic():
            cls.objects.get_or_create(domain_id=run.domain_id)
            # One run of a domain at a time through here (PostgreSQL row lock; SQLite's
            # IMMEDIATE transactions already serialize writers).
            state = (
                cls.objects.select_for_update()
                .select_related("domain")
                .get(domain_id=run.domain_id)
            )
            if state.last_run_created and run.created <= state.last_run_created:
                return outcome  # already seen, or older than what we have seen
            if fault and rules.explained_by_our_resolver(
                fault, state.baseline_snapshot(), rules.Snapshot.from_run(run)
            ):
                # Our resolver is down or does not validate (mailsec.tasks.check_vantage), and
                # this run shows what that makes every domain show; a re-probe through it would
                # confirm it. No evidence either way: nothing raised, confirmed, dismissed or
                # seen fixed, and the baseline stays. Suspicions wait; the first run once it
                # is well again (the sweep's re-probe, or the next scheduled check) decides.
                log.info(
                    "alerts: run %s of %s not compared: our resolver is %s",
                    run.code,
                    run.domain_id,
                    fault,
                )
                outcome.held = True
                return outcome
            state._observe(run, outcome)
        return outcome

    def baseline_snapshot(self) -> rules.Snapshot | None:
        return rules.Snapshot.from_dict(self.baseline) if self.baseline else None

    def _observe(self, run: CheckRun, outcome: Outcome) -> None:
        domain = self.domain
        current = rules.Snapshot.from_run(run)
        previous_run_at = self.last_run_created
        # The reference is the run just before this one (a checks release's first run becomes
        # it at once; any run that raised nothing and found nothing newly uncheckable does).
        reference_is_previous = self.last_run_id is not None and (
            self.baseline_run_id == self.last_run_id
        )
        self.last_run, self.last_run_created = run, run.created
        if not self.baseline:
            # The first run is the reference; nothing to compare it with.
            self._move_baseline(run, current, outcome)
            self.save()
            self._carry_over(run, current)
            return
        baseline = rules.Snapshot.from_dict(self.baseline)
        # A release changed the checks (the score version moves with them, docs/scoring.md):
        # what this run sees differently may be the checks, not the domain. Open changes that
        # still hold are followed; nothing new is raised but what the DNS or time changed (a
        # record gone, a certificate past its end, an MX host outside the policy:
        # rules.release_facts), nothing is called fixed, and this run becomes the reference
        # (keeping a record the baseline had that it could not look up:
        # rules.keep_unanswered_records).
        new_checks = not baseline.same_rubric(current)
        drop = settings.ALERT_SCORE_DROP
        now = timezone.now()

        window = timedelta(days=settings.ALERT_SCORE_WINDOW_DAYS)
        recheck: list[Change] = []  # confirmed changes seen fixed once: re-check to recover
        for change in domain.changes.filter(state__in=Change.OPEN).order_by("created"):
            if change.kind == rules.Kind.SCORE:
                closed = self._close_score_change(change, current, drop, now - window)
                if closed:
                    self._dismiss(change, now, closed)
                    outcome.dismissed.append(change)
                    continue
            verdict, obs = rules.evaluate(
                change.kind,
                change.key,
                change.before,
                current,
                drop,
                change.evidence,
                change.subject,
            )
            due = run.created >= change.reprobe_due_at
            if (
                verdict == rules.Verdict.CLEAR
                and change.state != Change.State.SUSPECTED
                and not new_checks
                and rules.certificate_unseen(change.kind, change.key, current)
            ):
                # A told expiry whose host answered no handshake now: not seen, not fixed
                # (s41r2). A release's run still closes it below without a word.
                verdict = rules.Verdict.UNKNOWN
            if verdict == rules.Verdict.MOOT:
                # Nothing was fixed: e.g. the domain stopped receiving mail (null MX).
                self._dismiss(change, now, rules.moot_reason(current, change.mechanism))
                outcome.dismissed.append(change)
                continue
            if (
                new_checks
                and verdict == rules.Verdict.CLEAR
                and not rules.seen_fixed(change.kind, change.key, current)
            ):
                # The checks changed in this release: a finding they no longer make (or name
                # differently) is no proof of a fix, so no "fixed" email. One they still make,
                # now passing, or a renewed certificate, is followed as a fix as ever.
                self._dismiss(change, now, "the checks changed in this release")
                outcome.dismissed.append(change)
                continue
            cause = (
                self._cause(change, current)
                if due and verdict == rules.Verdict.HOLDS and change.state == Change.State.SUSPECTED
                else None
            )
            if cause == rules.Verdict.UNKNOWN:
                # A roll-up whose every cause the re-check could not test: decided as what
                # could not be checked is (below), not confirmed with no cause (s42c).
                verdict = rules.Verdict.UNKNOWN
            if change.state == Change.State.SUSPECTED:
                if verdict == rules.Verdict.CLEAR:
                    self._dismiss(change, now, "gone at the re-check")
                    outcome.dismissed.append(change)
                elif (
                    verdict == rules.Verdict.HOLDS
                    and change.kind == rules.Kind.CERT_EXPIRY
                    and rules.threshold_passed(change.key, current)
                ):
                    # The certificate reached a tighter threshold since: that one is raised
                    # by this run, and this one is not told late.
                    self._dismiss(change, now, THRESHOLD_PASSED)
                    outcome.dismissed.append(change)
                elif due and verdict == rules.Verdict.UNKNOWN and change.note == SEEN_AGAIN:
                    # Seen by two runs the delay apart, each re-check unable to test it: the
                    # two runs' word confirms it, told as by the run that saw it again.
                    change.state, change.confirmed_run, change.confirmed_at = (
                        Change.State.CONFIRMED,
                        change.first_seen_run,
                        now,
                    )
                    change.save()
                    outcome.confirmed.append(change)
                elif due and verdict == rules.Verdict.UNKNOWN:
                    # Never confirmed by "could not check" alone; the next scheduled run
                    # compares with the same baseline again, so a real problem is found again.
                    self._dismiss(change, now, UNTESTED)
                    outcome.dismissed.append(change)
                elif due and verdict == rules.Verdict.HOLDS and cause == rules.Verdict.CLEAR:
                    # What the check saw is gone and what holds of it now is a new reason:
                    # raised again below by this run, so its own re-check decides.
                    self._dismiss(change, now, CAUSE_GONE)
                    outcome.dismissed.append(change)
                elif due and verdict == rules.Verdict.HOLDS:
                    change.refresh_from(obs)
                    change.state, change.confirmed_run, change.confirmed_at = (
                        Change.State.CONFIRMED,
                        run,
                        now,
                    )
                    change.save()
                    outcome.confirmed.append(change)
            elif (
                verdict == rules.Verdict.HOLDS
                and change.recovery_seen_at is None
                and domain.verified_at is not None
                and change.confirmed_at is not None
                and change.confirmed_at <= domain.verified_at
                and not Notification.told_anyone(change)
            ):
                # Confirmed while the domain was not verified (a run under way when control
                # was lost), or just before it was lost with its emails skipped since: told
                # to nobody, and never raised again while open. Still there now that it is
                # monitored again: confirmed anew by this run, so it is told (at once, or in
                # the digest, which reads confirmed_at). One told before the lapse is no news
                # (s24a U09: a second alert for the same open problem after re-verifying).
                change.refresh_from(obs)
                change.confirmed_run, change.confirmed_at = run, now
                change.save()
                outcome.confirmed.append(change)
            elif self._follow_fix(change, verdict, run, now):
                if change.state == Change.State.RECOVERED:
                    outcome.recovered.append(change)
                else:
                    recheck.append(change)

        open_keys = set(domain.changes.filter(state__in=Change.OPEN).values_list("key", flat=True))
        found = (
            rules.release_facts(baseline, current)
            if new_checks
            else rules.detect(baseline, current, drop, self._best_recent_score(current, window))
        )
        # What came before of the problems this run finds, read in one query however many
        # it finds (a domain with a dozen MX hosts whose certificates all expired at once).
        # A suspicion the previous run, its re-check, could not test is followed by this run
        # even when the comparison above did not raise it: that run became the reference, and
        # what it could not check raises nothing against it (blind round s38d D01: an expiry
        # the old release saw, whose re-check was the new release's first run and timed out,
        # was never told).
        untested_reference = reference_is_previous and bool(baseline.errored_mechanisms())
        earlier = self._earlier_sightings(
            {obs.key for obs in found if obs.key not in open_keys},
            run,
            previous_run_at,
            outcome.dismissed,
            every_untested=untested_reference,
        )
        new: list[Change] = []
        for obs in found:
            if obs.key in open_keys:
                continue
            if obs.kind == rules.Kind.CERT_EXPIRY and obs.key in earlier.told:
                continue  # this threshold of this certificate was already told (one per threshold)
            open_keys.add(obs.key)
            untested = earlier.untested.get(obs.key)
            seen_before = None if untested is None else untested.first_seen
            # First seen = when the run began: the re-check is due `delay` after it. Seen
            # again: the previous run was this problem's re-check and could not test it, and
            # this run sees it again, the delay after it was first seen. Not told yet: its own
            # re-check decides, as for any suspicion (s33h Z01: seen fixed there, a flapping
            # host, nothing), except that a second re-check that cannot test it confirms it on
            # the two runs' word (s36b Z36: a server refusing the quick second connection kept
            # every suspicion from being confirmed, and it was never told). It keeps the first
            # sighting's time (the email says "another check N minutes later"); first_seen_run
            # is this run, the one that saw it again.
            new.append(
                Change(
                    domain=domain,
                    kind=obs.kind,
                    key=obs.key,
                    subject=obs.subject[:300],
                    mechanism=obs.mechanism,
                    check_id=obs.check_id,
                    before=obs.before[:100],
                    after=obs.after[:100],
                    summary=obs.summary,
                    fix=obs.fix,
                    evidence=obs.evidence,
                    first_seen_run=run,
                    created=run.created if seen_before is None else seen_before,
                    note="" if seen_before is None else SEEN_AGAIN,
                )
            )
        new += self._seen_again_unraised(earlier, open_keys, run, current, drop)
        if new:
            # One INSERT (the primary keys come back on PostgreSQL and SQLite alike); Change
            # has no save() of its own nor signal receivers that it would skip.
            outcome.suspected += Change.objects.bulk_create(new)

        # The confirmed state moves on only when nothing is in doubt: no suspicion waiting, and
        # nothing newly uncheckable (an error hides what the baseline must remember).
        # A record the baseline found that this run could not look up stays in it, so that
        # a release's run becomes the reference at once (s36n; before, s36b held the old
        # release's reference while the lookups failed, and every other regression waited).
        settled = not domain.changes.filter(state=Change.State.SUSPECTED).exists()
        if settled and (
            new_checks or not (current.errored_mechanisms() - baseline.errored_mechanisms())
        ):
            # Not while a suspicion waits: its re-check is judged against this baseline.
            self._move_baseline(run, rules.keep_unanswered_records(baseline, current), outcome)
        self.save()

        if outcome.suspected or recheck:
            from mailsec.alerts.tasks import schedule_confirmation

            first = (outcome.suspected or recheck)[0]
            transaction.on_commit(lambda: schedule_confirmation(first))
        if outcome.confirmed:
            Notification.queue(domain, outcome.confirmed, Notification.Kind.ALERT)
        if outcome.recovered:
            Notification.queue(domain, outcome.recovered, Notification.Kind.RECOVERY)

    def _cause(self, change: Change, current: rules.Snapshot) -> rules.Verdict | None:
        """What `current` says of the causes of a suspected mechanism verdict or score drop
        that holds in it: the other problems the run that raised it raised with it (a failing
        finding, an expiring certificate, a record gone). None when it is not such a roll-up,
        was raised alone (nothing beside it: followed as before), or any cause still holds.

        CLEAR: it holds for a reason the run that raised it did not see, every cause gone
        (blind round s39d H05: mx1's expired certificate made STARTTLS fail; before the
        re-check it was replaced by one with 5 days left, and the re-check's STARTTLS warning
        and lower score confirmed the roll-ups on that run's word ("STARTTLS ... now has
        warnings"), the 7-day warning told again in a second email a check later). Gone means
        none of them holds and at least one is clear: one the re-check could not test (the
        policy host's validation of an MX that refused the re-check's connection) is no sign
        that the roll-up holds for it (round s41h S16).

        UNKNOWN: every cause came back untested (mx1 greeting the re-check with 421, or
        refusing it: its certificate unseen, rules.Snapshot.unreached). What holds the roll-up
        down now was not seen with it, so it is not confirmed on the re-check's word with no
        cause (s42c: "STARTTLS ... now failing" told alone, what made it fail told a check
        later in a second email); it is decided as what could not be checked is."""
        if change.kind not in (rules.Kind.MECHANISM, rules.Kind.SCORE):
            return None
        beside = list(
            self.domain.changes.filter(first_seen_run_id=change.first_seen_run_id)
            .exclude(pk=change.pk)
            .exclude(kind__in=[rules.Kind.MECHANISM, rules.Kind.SCORE])
        )
        if change.first_seen_run_id is None or not beside:
            return None
        drop = settings.ALERT_SCORE_DROP
        verdicts = {
            rules.evaluate(c.kind, c.key, c.before, current, drop, c.evidence, c.subject)[0]
            for c in beside
        }
        if verdicts == {rules.Verdict.UNKNOWN}:
            return rules.Verdict.UNKNOWN
        if rules.Verdict.CLEAR not in verdicts or not verdicts <= {
            rules.Verdict.CLEAR,
            rules.Verdict.UNKNOWN,
        }:
            return None
        if self.domain.changes.filter(
            key=change.key,
            state=Change.State.DISMISSED,
            note=CAUSE_GONE,
            dismissed_at__gte=change.created,
        ).exists():
            # Already down for a new reason at the re-check that raised this one: three runs
            # have seen it down, each re-check for another reason (a node refusing the
            # re-checks, the other presenting an expired certificate), and suspecting it anew
            # each time never told it (review s41r2). Confirmed now.
            return None
        return rules.Verdict.CLEAR

    def _earlier_sightings(
        self,
        keys: set[str],
        run: CheckRun,
        previous_run_at: datetime | None,
        dismissed_now: list[Change],
        every_untested: bool = False,
    ) -> EarlierSightings:
        """Of the problems `keys` this run finds and that are not open, in one query: those
        raised before and not dismissed (a certificate's threshold is told once), and those
        the previous run, their re-check, dismissed because it could not test them, when this
        run is at least the confirmation delay after they were first seen, with when they
        were (the latest such sighting of each). Only the run just before (not this one,
        which could not test them either: `dismissed_now`): a run between that saw one fixed,
        or did not see it, leaves this one a first sighting. With `every_untested`, those of
        other keys too (the untested ones this run's comparison did not raise:
        _seen_again_unraised)."""
        earlier = EarlierSightings()
        if not keys and (not every_untested or previous_run_at is None):
            return earlier
        wanted = models.Q(key__in=keys) & ~models.Q(state=Change.State.DISMISSED)
        if previous_run_at is not None:
            untested = models.Q(
                state=Change.State.DISMISSED,
                note=UNTESTED,
                dismissed_at__gte=previous_run_at,
                created__lte=run.created - confirm_delay(),
            )
            wanted |= untested if every_untested else untested & models.Q(key__in=keys)
        rows = (
            self.domain.changes.filter(wanted)
            .exclude(pk__in=[c.pk for c in dismissed_now])
            .values_list("pk", "key", "state", "created")
        )
        for pk, key, state, created in rows:
            if state != Change.State.DISMISSED:
                earlier.told.add(key)
            elif key not in earlier.untested or created > earlier.untested[key].first_seen:
                earlier.untested[key] = Untested(pk, created)
        return earlier

    def _seen_again_unraised(
        self,
        earlier: EarlierSightings,
        open_keys: set[str],
        run: CheckRun,
        current: rules.Snapshot,
        drop: int,
    ) -> list[Change]:
        """The suspicions the previous run dismissed as untested (earlier.untested) that
        this run's comparison did not raise and that hold in it: suspected again as seen
        again, as the comparison's own would be (one query, only when there are such). Not a
        certificate's expiry threshold: expiring_certificates raises every threshold a run
        sees from that run alone, whatever the reference could check, so one it did not raise
        is a threshold the certificate has passed since (review s38i: "expires in 20 days,
        within the 21-day warning threshold" was told at 5 days left, beside the 7-day one)."""
        ids = {u.pk for key, u in earlier.untested.items() if key not in open_keys}
        if not ids:
            return []
        again: list[Change] = []
        for dismissed in (
            self.domain.changes.filter(pk__in=ids)
            .exclude(kind=rules.Kind.CERT_EXPIRY)
            .order_by("created")
        ):
            # One pk per key, none open (ids): nothing here can be open already.
            verdict, obs = rules.evaluate(
                dismissed.kind,
                dismissed.key,
                dismissed.before,
                current,
                drop,
                dismissed.evidence,
                dismissed.subject,
            )
            if verdict != rules.Verdict.HOLDS:
                continue  # fixed, moot, or still not testable: nothing seen again
            open_keys.add(dismissed.key)
            change = Change(
                domain=self.domain,
                # What the problem is (the fields a removed domain keeps of it), first seen then.
                **{f: getattr(dismissed, f) for f in CARRIED_FIELDS if f != "confirmed_at"},
                first_seen_run=run,
                note=SEEN_AGAIN,
            )
            change.refresh_from(obs)
            again.append(change)
        return again

    def _carry_over(self, run: CheckRun, current: rules.Snapshot) -> list[Change]:
        """The first run of a domain its team removed and added again: the problems it had
        then that someone was told of (RemovedProblem) become its open changes again, so a
        fix is told to them once, and the problem still there is no news (this run, the
        reference, holds it). One still there, or that this run could not check, is open as
        it was; one this run sees fixed is followed as any fix (a re-check must agree before
        the "fixed" email); one that no longer applies (null MX) is gone without a word, as
        is one the checks of a later release no longer report."""
        domain = self.domain
        drop = settings.ALERT_SCORE_DROP
        open_keys = set(domain.changes.filter(state__in=Change.OPEN).values_list("key", flat=True))
        carried: list[Change] = []
        # Those not carried over are done with, not kept for a later re-add: removed and added
        # again, the domain took a problem raised anew meanwhile back as open and told its
        # fix a second time (s25a, a TLS-report type told "no longer reported" twice).
        done: list[int] = []
        for problem in RemovedProblem.objects.filter(
            team_id=domain.team_id, name=domain.name, carried=None
        ).order_by("removed_at", "pk"):
            if problem.key in open_keys:
                done.append(problem.pk)
                continue  # raised anew meanwhile (a TLS report): that one is told
            verdict, _ = rules.evaluate(
                problem.kind,
                problem.key,
                problem.before,
                current,
                drop,
                problem.evidence,
                problem.subject,
            )
            if verdict == rules.Verdict.MOOT:
                done.append(problem.pk)
                continue
            fixed = verdict == rules.Verdict.CLEAR
            new_checks = problem.score_version not in (None, current.score_version)
            if fixed and new_checks and not rules.seen_fixed(problem.kind, problem.key, current):
                done.append(problem.pk)
                continue
            open_keys.add(problem.key)
            carried.append(
                Change.objects.create(
                    domain=domain,
                    carried_from=problem,
                    state=Change.State.CONFIRMED,
                    recovery_seen_at=run.created if fixed else None,
                    **{f: getattr(problem, f) for f in CARRIED_FIELDS},
                )
            )
        RemovedProblem.objects.filter(pk__in=done).delete()
        recheck = [c for c in carried if c.recovery_seen_at is not None]
        if recheck:
            from mailsec.alerts.tasks import schedule_confirmation

            transaction.on_commit(lambda: schedule_confirmation(recheck[0]))
        return carried

    @staticmethod
    def _follow_fix(change: Change, verdict: str, run: CheckRun, now: datetime) -> bool:
        """A confirmed change on its way to "fixed": seen fixed once, it waits for a re-check
        at least the confirmation delay later. True when the change recovered, or now needs
        that re-check."""
        seen = change.recovery_seen_at
        due = seen is not None and run.created >= seen + confirm_delay()
        if verdict == rules.Verdict.CLEAR and seen is None:
            change.recovery_seen_at = run.created
            change.save(update_fields=["recovery_seen_at"])
            return True
        if verdict == rules.Verdict.CLEAR and due:
            change.state, change.recovered_run, change.recovered_at = (
                Change.State.RECOVERED,
                run,
                now,
            )
            change.save()
            return True
        if seen is not None and (
            verdict == rules.Verdict.HOLDS or (verdict == rules.Verdict.UNKNOWN and due)
        ):
            # It came back (no "fixed" email, no new alert), or the re-check could not test
            # it: re-probing until it can would hammer the servers; the next scheduled run
            # that sees it fixed starts over.
            change.recovery_seen_at = None
            change.save(update_fields=["recovery_seen_at"])
        return False

    def _move_baseline(self, run: CheckRun, snap: rules.Snapshot, outcome: Outcome) -> None:
        self.baseline, self.baseline_run = snap.to_dict(), run
        outcome.baseline_moved = True

    @staticmethod
    def _close_score_change(
        change: Change, current: rules.Snapshot, drop: int, kept_since: datetime
    ) -> str:
        """Why an open score change closes without an email, or "". Scores of two rubrics are
        not comparable; a further drop below the level already told is a new change; a level
        held through the window is the owner's new normal (an open score change would
        otherwise hide every later drop)."""
        made_with = (change.evidence or {}).get("score_version")
        if made_with not in (None, current.score_version):
            return "the scoring rubric changed"
        if change.state != Change.State.CONFIRMED:
            return ""
        verdict, _ = rules.evaluate(
            change.kind, change.key, change.before, current, drop, change.evidence
        )
        told = int(change.after) if change.after.isdigit() else None
        further = told is not None and current.score is not None and told - current.score >= drop
        if verdict == rules.Verdict.HOLDS and further:
            return f"dropped further, below {told}"
        if change.confirmed_at and change.confirmed_at < kept_since:
            return "kept as the new level"
        return ""

    def _best_recent_score(self, current: rules.Snapshot, window: timedelta) -> int | None:
        """The best comparable score (same rubric, same categories left out) within the
        window before `current`: what a score drop is measured from. The baseline follows
        every settled run, so against it a slide of a few points a check never reached
        ALERT_SCORE_DROP."""
        since = current.taken_at - window
        # Not from before the last score change closed: a recovery or a dismissal starts
        # afresh (else a score wobbling around the threshold alerts and recovers in turn).
        closed = (
            Change.objects.filter(domain_id=self.domain_id, kind=rules.Kind.SCORE)
            .exclude(state__in=Change.OPEN)
            .aggregate(last=models.Max(Coalesce("recovered_at", "dismissed_at")))["last"]
        )
        if closed is not None and closed > since:
            since = closed
        runs = CheckRun.objects.filter(
            domain_id=self.domain_id,
            status=CheckRun.Status.DONE,
            created__gte=since,
            created__lt=current.taken_at,
            score__isnull=False,
        )
        if current.score_version is not None:
            runs = runs.filter(score_version=current.score_version)
        # A few dozen runs at most, compared here: runs stored before score_detail said which
        # categories it left out have no such key.
        comparable = [
            score
            for score, detail, mechanisms in runs.values_list("score", "score_detail", "mechanisms")
            if current.comparable_score(
                rules.Snapshot(
                    mechanisms=mechanisms or {},
                    findings=[],
                    score=score,
                    taken_at=current.taken_at,
                    score_version=current.score_version,
                    not_checked=rules.not_checked_of(detail),
                    checks_release=(detail or {}).get("checks_release"),
                )
            )
        ]
        return max(comparable, default=None)

    @staticmethod
    def _dismiss(change: Change, now: datetime, note: str) -> None:
        change.state, change.dismissed_at, change.note = Change.State.DISMISSED, now, note
        change.save()


def sent_to(recipient: User | TeamAlertAddress, prefix: str = "") -> models.Q:
    """The Notification lookup for what reached `recipient`'s mailbox: a person's, or every
    row of a team's extra address (one mailbox two teams added hears once: a digest made on
    one row told the other team's changes too) and what reached it through a row removed
    since (_digests_stay_with_the_mailbox keeps those, with no row: s26a, an address removed
    and added again was told again what it had been told, and never told its fix)."""
    if isinstance(recipient, TeamAlertAddress):
        return models.Q(**{f"{prefix}team_address__email": recipient.email}) | models.Q(
            **{
                f"{prefix}team_address__isnull": True,
                f"{prefix}user__isnull": True,
                f"{prefix}to_address": recipient.email,
            }
        )
    return models.Q(**{f"{prefix}user": recipient})


def addressed_to(recipient: User | TeamAlertAddress, prefix: str = "") -> dict[str, Any]:
    """The Notification field naming `recipient` (a person or a team's extra address), as
    keyword arguments for a create or a filter; `prefix` for a lookup through a relation."""
    if isinstance(recipient, TeamAlertAddress):
        return {f"{prefix}team_address": recipient}
    return {f"{prefix}user": recipient}


def _digests_stay_with_the_mailbox(
    collector: Any, field: Any, sub_objs: Iterable[Notification], using: str
) -> None:
    """on_delete of Notification.team_address. An address several teams added for their
    digest gets one digest a day, made on its first row (tasks.send_digests), and those
    digests are the mailbox's history (sent_to: when its last digest went, what it was told).
    When that row goes (its team removes the address, or is deleted), they move to the
    mailbox's next row rather than going with it: otherwise the other teams' problems told
    in them were never told fixed, and a second digest went the same day (s25v1).

    An alert or digest that reached the mailbox (sent, or handed to the mail server: what
    told(reached=True) counts) with no other row to move to is kept with no row at all, its
    to_address naming the mailbox (sent_to reads it): added again, the address is not told
    again as new what it was told, and hears the fix of what it was told (s26a). Not when the
    row goes with its team, whose domains go too. Everything else of the row goes with it
    (CASCADE): an email still waiting or being retried is never sent."""
    rows = list(collector.data.get(TeamAlertAddress, ()))
    going = {row.pk for row in rows}
    teams_going = {team.pk for team in collector.data.get(Team, ())}
    row_team = {row.pk: row.team_id for row in rows}
    told = (Notification.Kind.ALERT, Notification.Kind.DIGEST)
    kept: list[Notification] = []
    heirs: dict[str, TeamAlertAddress | None] = {}
    moved: dict[int, list[Notification]] = {}
    rest: list[Notification] = []
    for n in sub_objs:
        heir = None
        if n.kind == Notification.Kind.DIGEST and n.to_address:
            if n.to_address not in heirs:
                heirs[n.to_address] = (
                    TeamAlertAddress.objects.filter(email=n.to_address.lower())
                    .exclude(pk__in=going)
                    .order_by("pk")
                    .first()
                )
            heir = heirs[n.to_address]
        if heir is not None:
            moved.setdefault(heir.pk, []).append(n)
        elif (
            n.kind in told
            and (n.status == Notification.Status.SENT or n.handed_over_at is not None)
            and row_team.get(n.team_address_id) not in teams_going
        ):
            kept.append(n)
        else:
            rest.append(n)
    for heir_pk, notifications in moved.items():
        heir_row = next(h for h in heirs.values() if h is not None and h.pk == heir_pk)
        collector.add_field_update(field, heir_row, notifications)
    if kept:
        collector.add_field_update(field, None, kept)
    if rest:
        models.CASCADE(collector, field, rest, using)


class Notification(models.Model):
    """One email to one person, or to one of a team's extra addresses (TeamAlertAddress),
    and what became of it."""

    class Kind(models.TextChoices):
        ALERT = "alert", "Alert"
        RECOVERY = "recovery", "Recovery"
        DIGEST = "digest", "Daily digest"
        WEEKLY = "weekly", "Weekly summary"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Exactly one of the two: a person, or a team's extra address.
    user = models.ForeignKey(
        User, models.CASCADE, null=True, blank=True, related_name="alert_notifications"
    )
    team_address = models.ForeignKey(
        TeamAlertAddress,
        _digests_stay_with_the_mailbox,
        null=True,
        blank=True,
        related_name="notifications",
    )
    domain = models.ForeignKey(
        Domain, models.CASCADE, null=True, blank=True, related_name="notifications"
    )  # empty for a digest, which may cover several domains
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, default="email")
    changes = models.ManyToManyField(Change, related_name="notifications")
    to_address = models.EmailField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set just before the message is handed to the mail server, cleared by each claim: a row
    # stuck in "sending" with it set may have gone out, one without it surely did not.
    handed_over_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Digests: the day they are for (the reader's local day: make_digest's `now` is in
    # their zone, tasks.send_digests), and the end of the period they cover. Weekly
    # summaries: the Monday of their week where the reader is (weekly.due), and when they
    # were made.
    digest_day = models.DateField(null=True, blank=True)
    covers_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "digest_day"],
                condition=models.Q(kind="digest"),
                name="one_digest_per_user_per_day",
            ),
            models.UniqueConstraint(
                fields=["user", "digest_day"],
                condition=models.Q(kind="weekly"),
                name="one_weekly_summary_per_user_per_week",
            ),
            models.UniqueConstraint(
                fields=["team_address", "digest_day"],
                condition=models.Q(kind="digest"),
                name="one_digest_per_team_address_per_day",
            ),
            # A person's, or a team's extra address's; or neither: what reached an address
            # removed since, kept as its mailbox's (to_address) history.
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team_address__isnull=True)
                | models.Q(user__isnull=True, team_address__isnull=False)
                | (
                    models.Q(user__isnull=True, team_address__isnull=True)
                    & ~models.Q(to_address="")
                ),
                name="notification_to_a_person_an_address_or_a_removed_one",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user or self.to_address} ({self.status})"

    @property
    def recipient(self) -> User | TeamAlertAddress:
        """Whom it is for: the person, or the team's extra address."""
        recipient = self.user or self.team_address
        assert recipient is not None  # none only for a removed address's, never sent again
        return recipient

    @classmethod
    def queue(cls, domain: Domain, changes: Iterable[Change], kind: str) -> list[Notification]:
        """One email per person who wants immediate alerts for `domain`, and per extra
        address of its team that does (TeamAlertAddress.receiving), sent after commit."""

        changes = list(changes)
        out = []
        immediate = AlertSetting.Mode.IMMEDIATE
        everyone: list[User | TeamAlertAddress] = [
            *recipients(domain, immediate),
            *TeamAlertAddress.receiving(domain, immediate),
        ]
        for recipient in everyone:
            mine = changes
            if kind == cls.Kind.RECOVERY:
                # "Fixed" only to whoever was told of the problem: not to someone who had alerts
                # off then, joined the team since, or whose domain was not verified then.
                told = cls.told(recipient, changes)
                mine = [c for c in changes if c.pk in told]
                if not mine:
                    continue
            out.append(cls._queue_one(recipient, domain, kind, mine))
        return out

    @classmethod
    def _queue_one(
        cls, recipient: User | TeamAlertAddress, domain: Domain, kind: str, changes: list[Change]
    ) -> Notification:
        """One email about `changes` of `domain` to `recipient`, sent after commit."""
        from mailsec.alerts.tasks import enqueue_send

        n = cls.objects.create(
            **addressed_to(recipient), domain=domain, kind=kind, to_address=recipient.email
        )
        n.changes.set(changes)
        # robust: the emails are saved; a broker refusing one hand-off must neither keep the
        # other members' from being handed over nor fail the task that saved them (it would
        # retry and log a failure). The one refused stays pending for alerts.tasks.sweep.
        transaction.on_commit(lambda: enqueue_send(n), robust=True)
        return n

    @classmethod
    def told(
        cls, user: User | TeamAlertAddress, changes: Iterable[Change], reached: bool = False
    ) -> set[int]:
        """The ids of `changes` that `user` (or a team's extra address) was told of as problems: in an alert email, or in a
        digest made before the change recovered (a later digest names it only as fixed).
        An email skipped because it was no longer wanted told nothing, nor did one given up
        before the mail server had it (make_digest reads such a digest so too); one given up
        because it may have been sent (release_stuck) counts. `reached`: only emails the mail
        server has (or may have) had, not one still waiting to be sent or retried."""
        changes = list(changes)
        rows = cls.telling(changes, reached=reached).filter(sent_to(user, "notification__"))
        rows = rows.values_list(
            "change_id",
            "notification__kind",
            "notification__covers_until",
            "change__recovered_at",
        )
        # A problem carried over from before its domain was removed (RemovedProblem): told
        # to whoever its alerts and digests then told.
        carried = [c.pk for c in changes if c.carried_from_id is not None]
        told_then = "told_addresses__email" if isinstance(user, TeamAlertAddress) else "told_users"
        whom = user.email if isinstance(user, TeamAlertAddress) else user
        return {
            change_id
            for change_id, kind, covers_until, recovered_at in rows
            if kind == cls.Kind.ALERT
            or recovered_at is None
            or (covers_until is not None and covers_until < recovered_at)
        } | set(
            Change.objects.filter(
                pk__in=carried, **{f"carried_from__{told_then}": whom}
            ).values_list("pk", flat=True)
            if carried
            else []
        )

    @classmethod
    def telling(cls, changes: Iterable[Change], reached: bool = False) -> models.QuerySet[Any]:
        """The links of emails to `changes` that told them as problems (told() reads them per
        reader): alerts and digests, not skipped, nor given up before the mail server had
        them. `reached`: only those the mail server has (or may have) had (told())."""
        rows = (
            cls.changes.through.objects.filter(
                change_id__in=[c.pk for c in changes],
                notification__kind__in=[cls.Kind.ALERT, cls.Kind.DIGEST],
            )
            .exclude(notification__status=cls.Status.SKIPPED)
            .exclude(
                notification__status=cls.Status.FAILED,
                notification__next_attempt_at__isnull=True,
                notification__handed_over_at__isnull=True,
            )
        )
        if reached:
            rows = rows.filter(
                models.Q(notification__status=cls.Status.SENT)
                | models.Q(notification__handed_over_at__isnull=False)
            )
        return rows

    @classmethod
    def told_anyone(cls, change: Change) -> bool:
        """Whether anyone (a person, a team's extra address) was told of `change` as a problem:
        an alert or a digest naming it that was not skipped, nor given up before the mail
        server had it (what told() counts, for any recipient), or told before its domain was
        removed and added again (RemovedProblem)."""
        problem = change.carried_from
        if problem is not None and (problem.told_users.exists() or problem.told_addresses.exists()):
            return True
        return (
            cls.objects.filter(changes=change, kind__in=[cls.Kind.ALERT, cls.Kind.DIGEST])
            .exclude(status=cls.Status.SKIPPED)
            .exclude(
                status=cls.Status.FAILED,
                next_attempt_at__isnull=True,
                handed_over_at__isnull=True,
            )
            .exists()
        )

    # --- digests --------------------------------------------------------------------------

    @classmethod
    def digest_events(
        cls, user: User | TeamAlertAddress, since: datetime, until: datetime
    ) -> tuple[list[Change], list[Change]]:
        """(confirmed, recovered) changes in (since, until] of the user's digest domains (a
        team's extra address: its team's, TeamAlertAddress.digest_domains)."""
        if isinstance(user, TeamAlertAddress):
            digest = [d.pk for d in user.digest_domains()]
        else:
            # The mode the page shows, the per-team default included (AlertSetting.modes_for).
            domains = list(
                Domain.objects.filter(team__memberships__user=user, verified_at__isnull=False)
                .distinct()
                .only("id", "team_id")
            )
            modes = AlertSetting.modes_for(user, domains)
            digest = [d.pk for d in domains if modes[d.pk] == AlertSetting.Mode.DIGEST]
        base = Change.objects.filter(domain_id__in=digest).select_related("domain")
        confirmed = base.filter(confirmed_at__gt=since, confirmed_at__lte=until)
        # Problems seen in TLS reports too: one that reports stopped showing is told as
        # "no longer reported" (docs/reports.md), as an immediate recovery email tells it.
        recovered = base.filter(recovered_at__gt=since, recovered_at__lte=until)
        return list(confirmed.order_by("domain__name", "confirmed_at")), list(
            recovered.order_by("domain__name", "recovered_at")
        )

    @classmethod
    def _digest_since(cls, user: User | TeamAlertAddress, now: datetime) -> datetime:
        """Where `user`'s next digest starts: from the last digest that was told (sent) or was
        not to be (skipped: digests turned off): one given up after failed sends told nothing,
        so its changes are told again. Earlier digests are settled by now (every retry falls
        within the day). With none told yet, from where the first digest began (a day before
        it), else a day back from `now` (make_digest: the digest's hour); never more than a
        week back."""
        digests = cls.objects.filter(
            sent_to(user), kind=cls.Kind.DIGEST, covers_until__isnull=False
        )
        told = (
            digests.filter(status__in=[cls.Status.SENT, cls.Status.SKIPPED])
            .order_by("-covers_until")
            .first()
        )
        first = digests.order_by("covers_until").first()
        if told is not None and told.covers_until is not None:
            since = told.covers_until
        else:
            since = (first.covers_until if first and first.covers_until else now) - timedelta(
                days=1
            )
        return max(since, now - timedelta(days=7))  # never a month of news in one email

    @classmethod
    def tell_what_the_digest_owed(cls, user: User, domains: list[Domain]) -> list[Notification]:
        """`user` switched `domains` from the daily digest to "email me at once": the problems
        confirmed since their last digest and still open were due in the next digest, which
        now leaves these domains out, and no alert told them (they were on the digest then).
        One alert email per domain tells them now, sent after commit (s23a T11: a problem
        confirmed at 06:33, a switch before the 07:00 digest, and nobody told that person)."""

        from mailsec.alerts.tasks import next_digest_cut

        if not user.email:
            return []
        now = timezone.now()
        # The window of the digest that owed them (make_digest's since for the hourly task's
        # until), in the person's zone: not 24 hours back from the switch, which left out a
        # problem of just after yesterday's hour before today's run, and took in one of the
        # evening before that no digest owed (the domain had "No emails" then).
        since = cls._digest_since(user, next_digest_cut(user, now))
        owed = Change.objects.filter(
            domain__in=[d for d in domains if d.is_verified],
            confirmed_at__gt=since,
            confirmed_at__lte=now,
            recovered_at__isnull=True,
        ).order_by("domain_id", "confirmed_at")
        told = cls.told(user, owed)
        by_domain: dict[int, list[Change]] = {}
        for change in owed:
            if change.pk not in told:
                by_domain.setdefault(change.domain_id, []).append(change)
        out = []
        for domain in domains:
            mine = by_domain.get(domain.pk)
            if not mine:
                continue
            out.append(cls._queue_one(user, domain, cls.Kind.ALERT, mine))
        return out

    @classmethod
    def make_digest(
        cls, user: User | TeamAlertAddress, now: datetime, until: datetime | None = None
    ) -> Notification | None:
        """Today's digest for `user` (or a team's extra address), or None when there is
        nothing to tell or it exists. It tells what was confirmed or fixed since the last
        digest up to `until` (the day's ALERT_DIGEST_HOUR where its reader is: the hourly
        task's cut, tasks.send_digests; `now` without one): what comes after the hour waits
        for the next day's digest, so one made late (after a beat outage) tells the same
        but for a problem fixed meanwhile, which it leaves out (nothing is left to do)."""
        until = now if until is None else min(until, now)
        # From the hour, not from when the task ran: a first digest begins a day before its
        # hour, so a change between yesterday's hour and a late or :17 run is not left out.
        since = cls._digest_since(user, until)
        confirmed, recovered = cls.digest_events(user, since, until)
        # A problem confirmed and fixed since the last digest leaves nothing to do: it is
        # neither new nor "fixed" (no email told of it). One confirmed before that is "fixed"
        # only when this person was told of it (an alert email, an earlier digest): not when
        # they joined the team since or had its emails off then, whatever the change's kind.
        # Notifications are kept as long as their changes (nothing prunes them; both go with
        # their domain or person), so told() always knows.
        confirmed = [c for c in confirmed if c.recovered_at is None or c.recovered_at > now]
        # Nor is a problem its reader was told of already new: an alert told it before they
        # took the digest (s25n: the next digest told it again, as a new problem); it is
        # among "Not fixed yet" when the digest has other news of its domain. Only an alert the
        # mail server had: one still waiting or being retried is skipped when it is sent (they
        # no longer get it at once: still_wanted), and it told nothing (s25v1).
        already = cls.told(user, confirmed, reached=True)
        confirmed = [c for c in confirmed if c.pk not in already]
        told = cls.told(user, recovered)
        recovered = [c for c in recovered if c.pk in told]
        back = cls._back_since(recovered)
        recovered = [c for c in recovered if c.pk not in back]
        if not confirmed and not recovered or not user.email:
            return None
        day: date = now.date()
        try:
            with transaction.atomic():
                n = cls.objects.create(
                    **addressed_to(user),
                    kind=cls.Kind.DIGEST,
                    to_address=user.email,
                    digest_day=day,
                    covers_until=until,
                )
                n.changes.set([*confirmed, *recovered])
        except IntegrityError:
            return None  # another beat made today's digest already
        return n

    @staticmethod
    def _back_since(recovered: list[Change]) -> set[int]:
        """The changes of `recovered` whose problem, fixed, is back: the same problem of its
        domain confirmed again after that fix and still open. A digest tells it as it is now
        (a new problem, or one already told), not "Fixed" as well, the same words under both
        headings (s36b Z19: told at 07:00, fixed at 09:22, back at 12:22, and the next digest
        said both). One query, only when there is a fix to tell."""
        if not recovered:
            return set()
        again: dict[tuple[int, str], datetime] = {}
        for domain_id, key, at in Change.objects.filter(
            domain_id__in={c.domain_id for c in recovered},
            key__in={c.key for c in recovered},
            state=Change.State.CONFIRMED,
            confirmed_at__isnull=False,
        ).values_list("domain_id", "key", "confirmed_at"):
            again[(domain_id, key)] = max(at, again.get((domain_id, key), at))
        return {
            c.pk
            for c in recovered
            if c.recovered_at is not None
            and again.get((c.domain_id, c.key), c.recovered_at) > c.recovered_at
        }

    # --- sending --------------------------------------------------------------------------

    def claim(self) -> bool:
        """pending/failed → sending, at most once at a time: a duplicate task sends nothing."""
        now = timezone.now()
        updated = Notification.objects.filter(
            pk=self.pk, status__in=[self.Status.PENDING, self.Status.FAILED]
        ).update(
            status=self.Status.SENDING,
            claimed_at=now,
            handed_over_at=None,
            attempts=models.F("attempts") + 1,
        )
        if updated:
            self.refresh_from_db()
        return bool(updated)

    def still_wanted(self) -> str:
        """Why this email should no longer go out ("" when it should)."""
        if self.user is None and self.team_address is None:
            # What a removed address had been handed, kept (_digests_stay_with_the_mailbox)
            # should its send fail after the hand-over: not to be retried.
            return "the address was removed"
        if self.team_address is not None:
            return self._still_wanted_by_address(self.team_address)
        if self.user is not None and not self.user.is_active:
            # Deactivated between the tries (recipients() and the digest and weekly tasks
            # take active accounts only): a retry sends nothing either (s42u).
            return "the account was deactivated"
        if self.kind == self.Kind.DIGEST:
            if not AlertSetting.objects.filter(
                user=self.user,
                mode=AlertSetting.Mode.DIGEST,
                domain__in=self.changes.values("domain_id"),
                # Only domains still theirs: a person removed from the team meanwhile hears
                # nothing more about its domains.
                domain__team__memberships__user=self.user,
                domain__verified_at__isnull=False,
            ).exists():
                return "the daily digest was turned off"  # e.g. unsubscribed since it was queued
            return ""
        if self.kind == self.Kind.WEEKLY:
            from mailsec.alerts.weekly import summary_wanted

            return summary_wanted(self.user)
        assert self.domain is not None
        if not self.domain.is_verified:
            return "the domain is no longer verified"
        if not self.domain.team.memberships.filter(user=self.user).exists():
            return "the person left the team"
        if AlertSetting.mode_for(self.user, self.domain) != AlertSetting.Mode.IMMEDIATE:
            return "alerts for this domain were turned off or set to the daily digest"
        return ""

    def _still_wanted_by_address(self, address: TeamAlertAddress) -> str:
        """still_wanted for a team's extra address: what TeamAlertAddress.receiving and
        digest_domains ask, asked again at sending time (it may have unsubscribed, been
        switched to the other mode, or become a member's address meanwhile)."""
        if self.kind == self.Kind.DIGEST:
            # The mailbox's digest (every team's row that gets it: digest_domains), so one
            # team stopping its emails since leaves the other teams' news to tell; the email
            # then leaves out that team's (emails._readable).
            wanted = {d.pk for d in address.digest_domains()}
            if not self.changes.filter(domain_id__in=wanted).exists():
                if address.unsubscribed_at is not None:
                    return "the address unsubscribed"
                return "the address no longer gets a daily digest of these domains"
            return ""
        if address.unsubscribed_at is not None:
            return "the address unsubscribed"
        assert self.domain is not None
        if address not in TeamAlertAddress.receiving(self.domain, AlertSetting.Mode.IMMEDIATE):
            return "the address no longer gets this domain's alerts at once"
        return ""

    def hand_over(self) -> bool:
        """Note that this attempt is about to give the message to the mail server; False when
        the row is no longer this attempt's (the sweep released it, another worker claimed
        it): then nothing may be sent."""
        now = timezone.now()
        updated = Notification.objects.filter(
            pk=self.pk, status=self.Status.SENDING, attempts=self.attempts
        ).update(handed_over_at=now)
        self.handed_over_at = now
        return bool(updated)

    def mark_sent(self, subject: str) -> bool:
        """Record that the mail server accepted attempt `self.attempts`. A conditional UPDATE,
        so it can be repeated, also after the sweep gave the row up as "may have been sent";
        never one of a later attempt. False when there was nothing to record."""
        now = timezone.now()
        updated = Notification.objects.filter(
            pk=self.pk,
            attempts=self.attempts,
            status__in=[self.Status.SENDING, self.Status.FAILED],
        ).update(
            status=self.Status.SENT, sent_at=now, subject=subject, error="", next_attempt_at=None
        )
        if updated:
            self.status, self.sent_at, self.subject, self.error = self.Status.SENT, now, subject, ""
        return bool(updated)

    def mark_skipped(self, reason: str) -> None:
        self.status, self.error = self.Status.SKIPPED, reason
        self.save(update_fields=["status", "error"])

    def mark_failed(self, error: str) -> timedelta | None:
        """Record a failed attempt. Returns the wait before the next one, None when given up.
        The mail server did not take it (a send that raised): nothing was handed over, which
        told() reads; only release_stuck leaves a "may have been sent" row handed over."""
        self.status, self.error = self.Status.FAILED, error[:2000]
        self.handed_over_at = None
        wait = (
            RETRY_BACKOFF[min(self.attempts - 1, len(RETRY_BACKOFF) - 1)]
            if self.attempts < MAX_SEND_ATTEMPTS
            else None
        )
        self.next_attempt_at = timezone.now() + wait if wait else None
        self.save(update_fields=["status", "error", "next_attempt_at", "handed_over_at"])
        return wait

    @classmethod
    def due_for_retry(cls, now: datetime) -> models.QuerySet[Notification]:
        return cls.objects.filter(
            models.Q(status=cls.Status.FAILED, next_attempt_at__lte=now)
            | models.Q(status=cls.Status.PENDING, created__lte=now - timedelta(minutes=2))
        )

    @classmethod
    def release_stuck(cls, now: datetime) -> int:
        """A worker that died mid-send. Before it handed the message over, nothing went out:
        try again. After, the mail server may have accepted it and we cannot know (the worker
        that knew is gone): at most once, so it is given up with a reason rather than sent
        twice. A duplicate alert teaches people to ignore alerts, and that window (the SMTP
        conversation and one UPDATE) is seconds; a send that fails there raises and is retried
        as usual, and a send whose bookkeeping failed is recorded by its own task."""
        stuck = cls.objects.filter(
            status=cls.Status.SENDING, claimed_at__lte=now - SENDING_STUCK_AFTER
        )
        maybe_sent = stuck.filter(handed_over_at__isnull=False).update(
            status=cls.Status.FAILED,
            next_attempt_at=None,
            error="the worker stopped while handing the email to the mail server: it may "
            "have been sent, so it is not sent again",
        )
        unsent = stuck.filter(handed_over_at__isnull=True)
        # Each claim counted an attempt: a message whose worker keeps dying (one that makes
        # it run out of memory, say) is given up like one the mail server keeps refusing.
        given_up = unsent.filter(attempts__gte=MAX_SEND_ATTEMPTS).update(
            status=cls.Status.FAILED,
            next_attempt_at=None,
            error=f"gave up: the worker stopped before sending, {MAX_SEND_ATTEMPTS} times",
        )
        retried = unsent.filter(attempts__lt=MAX_SEND_ATTEMPTS).update(
            status=cls.Status.FAILED,
            error="the worker stopped before sending",
            next_attempt_at=now,
        )
        return maybe_sent + given_up + retried


# How an alert orders its changes: the most specific cause first. A fail finding names what
# broke (the certificate of mx1 expired); a mechanism's "was good and now failing" is that
# finding rolled up, so it comes after the findings it rolls up, not before them.
CHANGE_ORDER = {
    rules.Kind.RECORD_GONE: 0,
    rules.Kind.MX_COVERAGE: 1,
    rules.Kind.FINDING: 2,
    # A certificate near its expiry is the cause of the mechanism's warning it rolls up into:
    # the subject leads with it (docs/webapp.md).
    rules.Kind.CERT_EXPIRY: 3,
    rules.Kind.MECHANISM: 4,
    rules.Kind.SCORE: 5,
}
# Changes that can follow from another one of the same alert (_follows_from).
CAUSES = {
    rules.Kind.RECORD_GONE,
    rules.Kind.MX_COVERAGE,
    rules.Kind.FINDING,
    rules.Kind.CERT_EXPIRY,
}
CONSEQUENCES = {rules.Kind.MECHANISM, rules.Kind.FINDING}


def _change_rank(c: Change) -> tuple[int, int, int, str]:
    if c.kind.startswith(REPORTS_KIND_PREFIX):
        # TLS-report changes after our checks' (they tell what senders saw), in their own
        # order: failure types by failed sessions, the day's failure rate last.
        from reports.alerts import change_rank

        return (9, *change_rank(c))
    # An MX host failing MTA-STS validation is a consequence of what its own (SMTP)
    # findings say of it: the host's certificate, its name. It comes after them.
    return (
        CHANGE_ORDER.get(c.kind, 9),  # other apps' kinds: last
        int(c.check_id == rules.MX_VALIDATION_FINDING),
        0,
        c.subject,
    )


def _follows_from(c: Change, cause: Change) -> bool:
    """Whether `c` says again what `cause` says: the same fix (a mechanism's change takes
    its worst finding's), and for a finding, about the cause's host. One expired certificate
    is one SMTP-10 finding, an MTASTS-32 finding (that MX fails MTA-STS validation), and
    two mechanisms now failing: told as one problem with what follows from it."""
    fix = c.fix.strip()
    if c.kind not in CONSEQUENCES or cause.kind not in CAUSES or fix != cause.fix.strip():
        return False
    return bool(fix) and (
        c.kind == rules.Kind.MECHANISM or rules.host_subject(cause.subject) in c.summary
    )


def changes_context(changes: Iterable[Change]) -> dict[str, Any]:
    """Order and group changes for the alert templates: `changes` most specific first, and
    `leads`, those not following from an earlier one, each with its `consequences` (the
    changes that follow from it, told in a line each under it, not again in full). The
    headline, the subject's, is the first lead."""
    ordered = sorted(changes, key=_change_rank)
    leads: list[Change] = []
    for c in ordered:
        c.consequences = []
        cause = next((lead for lead in leads if _follows_from(c, lead)), None)
        if cause is None:
            leads.append(c)
        else:
            cause.consequences.append(c)
    return {"changes": ordered, "leads": leads, "headline": ordered[0] if ordered else None}
