"""A domain page's "Alert settings for <domain>" lands on the alerts page that shows that
domain's row (blind round s45g, H01).

The alerts page lists a team's domains 50 a page in the domain list's natural order; the link
was /alerts/#alerts-<code>, always page 1, so for the 51st domain on (an MSP's clients) the
anchor named no row on the page: the person landed at the top of page 1 without their domain."""

from __future__ import annotations

import html
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


def test_a_domain_of_another_of_ones_teams_offers_the_switch() -> None:
    """An MSP with a team per client (as docs/webapp.md, Teams, advises) opens a client's
    domain page while another team is current: the alerts page shows the current team's
    domains, so it says whose the domain is and offers the switch, which lands on its row."""
    mia, own, client = person("mia@harbor-s45g.test")
    cleo, theirs, _ = person("cleo@client-s45g.test")
    theirs.name = "Client Co"
    theirs.save()
    theirs.memberships.create(user=mia, role="member")
    now = timezone.now()
    Domain.objects.bulk_create(
        Domain(team=theirs, name=f"client{i}-s45g.test", verified_at=now) for i in range(1, 61)
    )
    domain = Domain.objects.get(team=theirs, name="client55-s45g.test")
    path = link_of(client, domain).partition("#")[0]
    page = client.get(path).content.decode()
    assert f'id="alerts-{domain.code}"' not in page  # mia's own team is the current one
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "client55-s45g.test is one of Client Co's domains" in text, text
    # The header's team switcher posts there too, without the domain: the note's own form.
    forms = re.findall(
        rf'<form[^>]*action="/team/{theirs.code}/switch/"[^>]*>(.*?)</form>', page, re.S
    )
    note = [f for f in forms if 'name="domain"' in f]
    assert note, "no switch to Client Co with the domain"
    fields = dict(re.findall(r'name="(next|domain)" value="([^"]*)"', note[0]))
    switched = client.post(f"/team/{theirs.code}/switch/", fields)
    assert switched["Location"] == f"/alerts/?domain={domain.code}#alerts-{domain.code}"
    landed = client.get(switched["Location"].partition("#")[0]).content.decode()
    assert f'id="alerts-{domain.code}"' in landed
    # The header's switcher, without a domain, still comes back to the alerts page itself.
    back = client.post(f"/team/{own.code}/switch/", {"next": "alerts"})
    assert back["Location"] == "/alerts/"
    # A domain= that is no UUID is not carried.
    odd = client.post(f"/team/{theirs.code}/switch/", {"next": "alerts", "domain": "x/../y"})
    assert odd["Location"] == "/alerts/"
