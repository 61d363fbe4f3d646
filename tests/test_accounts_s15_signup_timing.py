"""Sign-up must not tell by its time whether an address has an account.

Before: a new address's sign-up wrote a user, its address, a profile, a team and a membership;
a known address's sign-up (mailsec.accounts.forms.SignupForm) wrote none of them, and took half
as long (bench/signup_timing.py: SQLite 28 against 12 ms, PostgreSQL 31 against 13, the new
one slower in every pair). Now the known address's sign-up makes the same rows with the same
code, reads what the new one reads after, and rolls them back.

No timed test: what takes the time is asserted instead, the same SQL statements (their shape,
literals aside) and the same mail, for both."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from mailsec.accounts.models import Membership, Profile, Team
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
KNOWN = "known@example.org"
NEW = "new@example.org"
WRITES = ("INSERT", "UPDATE", "DELETE")
# Transaction control differs by design: one ends in a release (a commit outside tests), the
# other in a rollback.
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def shape(sql: str) -> str:
    """A statement without its values: addresses, ids, codes, dates and made-up usernames."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    return re.sub(r"\b\d+\b", "?", sql)


@override_settings(CACHES=LOCMEM)
class SignupBase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # As a sign-up leaves an account: a verified address, a profile, a team.
        known = User.objects.create_user("known", KNOWN)
        EmailAddress.objects.create(user=known, email=KNOWN, verified=True, primary=True)
        Profile.for_user(known).team()

    def sign_up(self, email: str) -> tuple[Counter[str], list[Any]]:
        """The statements (by shape) and the mails of a first sign-up of `email`."""
        cache.clear()
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            r = Client().post("/accounts/signup/", {"email": email})
        self.assertRedirects(r, "/accounts/code/", fetch_redirect_response=False)
        statements = Counter(
            shape(q["sql"]) for q in queries.captured_queries if not q["sql"].startswith(CONTROL)
        )
        return statements, list(mail.outbox)


class SignupWorkTestCase(SignupBase):
    def test_both_write_the_same_rows(self) -> None:
        new, _ = self.sign_up(NEW)
        known, _ = self.sign_up(KNOWN)
        writes = {
            kind: Counter({s: n for s, n in c.items() if s.startswith(WRITES)})
            for kind, c in (("new", new), ("known", known))
        }
        self.assertEqual(writes["known"], writes["new"])
        tables = sorted(
            re.search(r'^\w+ (?:INTO )?"(\w+)"', s)[1] for s in writes["new"].elements()
        )
        self.assertEqual(
            tables,
            [
                "account_emailaddress",
                "accounts_membership",
                "accounts_profile",
                "accounts_profile",
                "accounts_team",
                "auth_user",
                "django_session",
            ],
        )

    def test_both_run_the_same_statements(self) -> None:
        new, _ = self.sign_up(NEW)
        known, _ = self.sign_up(KNOWN)
        self.assertEqual(known, new)

    def test_both_send_one_mail_in_the_request(self) -> None:
        # Both through the adapter's send_mail to the configured backend, before the answer.
        for email in (NEW, KNOWN):
            _, mails = self.sign_up(email)
            self.assertEqual([m.to for m in mails], [[email]])

    def test_the_known_sign_up_leaves_no_rows(self) -> None:
        models = (User, EmailAddress, Profile, Team, Membership)
        before = [m.objects.count() for m in models]
        self.sign_up(KNOWN)
        self.assertEqual([m.objects.count() for m in models], before)
        self.assertFalse(EmailAddress.objects.filter(email__endswith=".invalid").exists())
        self.assertFalse(User.objects.filter(email__endswith=".invalid").exists())

    def test_a_new_sign_up_still_makes_its_account_and_team(self) -> None:
        self.sign_up(NEW)
        user = User.objects.get(email=NEW)
        self.assertEqual(Profile.objects.get(user=user).current_team.role_of(user), "owner")
        self.assertEqual(EmailAddress.objects.get(email=NEW).user, user)


LONG_LOCAL = "k" * 69  # with "@example.org", a stand-in "@<16 hex>.invalid" made a 101-char team


@override_settings(CACHES=LOCMEM)
class LongAddressTestCase(BaseTestCase):
    def team_names(self, email: str) -> list[str]:
        """The team names a first sign-up of `email` saves (kept or rolled back)."""
        names: list[str] = []

        def saved(sender: type[Team], instance: Team, **kw: Any) -> None:
            names.append(instance.name)

        cache.clear()
        pre_save.connect(saved, sender=Team, dispatch_uid="s15-team-names")
        try:
            r = Client().post("/accounts/signup/", {"email": email})
        finally:
            pre_save.disconnect(sender=Team, dispatch_uid="s15-team-names")
        self.assertRedirects(r, "/accounts/code/", fetch_redirect_response=False)
        return names

    def test_a_known_long_address_makes_a_team_name_that_fits(self) -> None:
        # PostgreSQL refused the stand-in's longer team name (varchar 100): a 500 for a known
        # address only, which told that it has an account.
        known = f"{LONG_LOCAL}@example.org"
        user = User.objects.create_user("long", known)
        EmailAddress.objects.create(user=user, email=known, verified=True, primary=True)
        Profile.for_user(user).team()
        [stand_in] = self.team_names(known)
        [new] = self.team_names(f"{'n' * 69}@example.org")
        self.assertEqual(len(stand_in), len(new))
        self.assertEqual(len(stand_in), len(known) + len("'s team"))

    def test_an_address_longer_than_a_team_name_gets_a_shortened_one(self) -> None:
        email = f"{'a' * 64}@{'b' * 60}.example"
        [name] = self.team_names(email)
        self.assertEqual(len(name), 100)
        self.assertTrue(name.startswith("a" * 64 + "@") and name.endswith("…'s team"))
        user = User.objects.get(email=email)
        self.assertEqual(Profile.objects.get(user=user).current_team.name, name)


@override_settings(CACHES=LOCMEM)
class DeactivatedHolderTestCase(SignupBase):
    def test_an_address_held_only_by_a_deactivated_account_writes_as_a_new_one(self) -> None:
        # allauth answers it by mail ("you already have an account") and wrote nothing else.
        User.objects.filter(email=KNOWN).update(is_active=False)
        new, _ = self.sign_up(NEW)
        models = (User, EmailAddress, Profile, Team, Membership)
        before = [m.objects.count() for m in models]
        known, mails = self.sign_up(KNOWN)
        self.assertEqual([m.objects.count() for m in models], before)
        self.assertEqual([m.to for m in mails], [[KNOWN]])
        writes = [
            Counter({s: n for s, n in c.items() if s.startswith(WRITES)}) for c in (new, known)
        ]
        self.assertEqual(writes[1], writes[0])
