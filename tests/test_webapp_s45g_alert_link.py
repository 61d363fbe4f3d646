"""A domain page's "Alert settings for <domain>" lands on the alerts page that shows that
domain's row (blind round s45g, H01).

The alerts page lists a team's domains 50 a page in the domain list's natural order; the link
was /alerts/#alerts-<code>, always page 1, so for the 51st domain on (an MSP's clients) the
anchor named no row on the page: the person landed at the top of page 1 without their domain."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain

pytestmark = pytest.mark.django_db


def person(email: str) -> tuple[User, Team, Client]:
    user = User.objects.create_user(email.split("@")[0], email)
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    client = Client()
    client.force_login(user)
    return user, team, client


def link_of(client: Client, domain: Domain) -> str:
    page = client.get(f"/domains/{domain.code}/").content.decode()
    link = re.search(r'href="([^"]*)"[^>]*>\s*Alert settings for', page)
    assert link, "no Alert settings link"
    return link.group(1).replace("&amp;", "&")


@pytest.mark.parametrize(("index", "page"), [(0, 1), (49, 1), (50, 2), (59, 2)])
def test_the_link_lands_on_the_page_holding_the_domains_row(index: int, page: int) -> None:
    _, team, client = person("mara@harbor-s45g.test")
    now = timezone.now()
    Domain.objects.bulk_create(
        Domain(team=team, name=f"client{i}-s45g.test", verified_at=now) for i in range(1, 61)
    )
    domain = Domain.objects.get(team=team, name=f"client{index + 1}-s45g.test")
    link = link_of(client, domain)
    path, _, fragment = link.partition("#")
    assert fragment == f"alerts-{domain.code}"
    landed = client.get(path).content.decode()
    assert f'id="alerts-{domain.code}"' in landed
    # A Save of that row comes back to the same page of the list, to the row.
    saved = client.post(f"/alerts/{domain.code}/", {"mode": "digest", "next": _next(landed)})
    expected = "/alerts/" + (f"?page={page}" if page > 1 else "") + f"#alerts-{domain.code}"
    assert saved["Location"] == expected


def _next(page: str) -> str:
    found = re.search(r'name="next" value="([^"]*)"', page)
    return found.group(1).replace("&amp;", "&") if found else ""


def test_a_domain_named_that_is_not_the_teams_changes_nothing() -> None:
    _, team, client = person("mara@harbor-s45g.test")
    _, theirs, _ = person("charlie@other-s45g.test")
    now = timezone.now()
    Domain.objects.bulk_create(
        Domain(team=team, name=f"client{i}-s45g.test", verified_at=now) for i in range(1, 61)
    )
    other = Domain.objects.create(team=theirs, name="zz-other-s45g.test", verified_at=now)
    for query in (f"?domain={other.code}", "?domain=not-a-uuid", "?domain="):
        r = client.get(f"/alerts/{query}")
        assert r.status_code == 200, query
        page = r.content.decode()
        assert "client1-s45g.test" in page and "client60-s45g.test" not in page, query
        assert "zz-other-s45g.test" not in page
    # An explicit page wins over the domain named.
    last = Domain.objects.get(team=team, name="client60-s45g.test")
    r = client.get(f"/alerts/?domain={last.code}&page=1")
    assert f'id="alerts-{last.code}"' not in r.content.decode()
