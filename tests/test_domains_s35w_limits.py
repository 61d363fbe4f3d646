"""s35w item 4: the cap on a team's domains waiting to be verified (50) and on its adds a
day (100) stopped an MSP's first import, hundreds of clients' names pasted at once, at 50.
They are the operator's settings now, MAILSEC_MAX_UNVERIFIED and MAILSEC_ADDS_PER_DAY
(twice the first unless set), read when a domain is added, refusing bad values loudly; the
defaults are as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM
from tests.test_domains_s12_bulk import ADD_MANY, names, new_team_member


@override_settings(CACHES=LOCMEM)
class ConfiguredCapTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # A team of its own: the day's counter is kept outside the test's transaction.
        self.dana, self.dana_team = new_team_member("dana")
        self.client.force_login(self.dana)

    def waiting(self, team: Team) -> int:
        return team.domains.filter(verified_at=None).count()

    @override_settings(MAILSEC_MAX_UNVERIFIED=150, MAILSEC_ADDS_PER_DAY=300)
    def test_a_raised_cap_takes_an_msps_first_import_whole(self) -> None:
        r = self.client.post(ADD_MANY, {"names": names("client", 120)})
        summary = r.context["summary"]
        self.assertEqual(len(summary.added), 120)
        self.assertEqual(summary.over, [])
        self.assertEqual(self.waiting(self.dana_team), 120)
        self.assertContains(r, "30 more can be added now (at most 300 a day)")

    @override_settings(MAILSEC_MAX_UNVERIFIED=3)
    def test_a_lowered_cap_is_said_and_held_by_the_single_add(self) -> None:
        for i in range(3):
            Domain.objects.create(team=self.dana_team, name=f"w{i}.example.org")
        r = self.client.post("/domains/add/", {"name": "more.example.org"})
        self.assertContains(r, "Your team has 3 domains waiting to be verified", status_code=400)
        self.assertEqual(self.waiting(self.dana_team), 3)

    @override_settings(MAILSEC_MAX_UNVERIFIED=500, MAILSEC_ADDS_PER_DAY=4)
    def test_the_adds_a_day_are_a_setting_too(self) -> None:
        r = self.client.post(ADD_MANY, {"names": names("m", 6)})
        summary = r.context["summary"]
        self.assertEqual(len(summary.added), 4)
        self.assertEqual([o.name for o in summary.over], ["m4.example.org", "m5.example.org"])

    def test_the_defaults_are_as_before(self) -> None:
        from django.conf import settings

        self.assertEqual(settings.MAILSEC_MAX_UNVERIFIED, 50)
        self.assertEqual(settings.MAILSEC_ADDS_PER_DAY, 100)


PRINT_CAPS = (
    "from django.conf import settings as s; print(s.MAILSEC_MAX_UNVERIFIED, s.MAILSEC_ADDS_PER_DAY)"
)


def development_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{data_dir}/dev.sqlite3",
        "MAILSEC_DATA_DIR": str(data_dir),
        **extra,
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAILSEC_MAX_UNVERIFIED", "lots"),
        ("MAILSEC_MAX_UNVERIFIED", "0"),
        ("MAILSEC_ADDS_PER_DAY", "-1"),
        ("MAILSEC_ADDS_PER_DAY", "1e3"),
    ],
)
def test_a_bad_value_stops_the_start(run_manage, tmp_path: Path, name: str, value: str) -> None:
    done = run_manage("shell", "-c", PRINT_CAPS, env=development_env(tmp_path, **{name: value}))
    assert done.returncode != 0
    assert f"{name}={value!r}" in done.stderr


def test_the_adds_a_day_follow_a_raised_cap(run_manage, tmp_path: Path) -> None:
    done = run_manage(
        "shell", "-c", PRINT_CAPS, env=development_env(tmp_path, MAILSEC_MAX_UNVERIFIED="400")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "400 800"
