"""Review s41r2 of e5dd9c25 (the digest in the domain list's order): two domains of one
name, in two teams of the same person (an MSP's team and the client's own), tie on
name_sort_key, and the digest's groups came in the order of the changes it was given, so the
"same email on every database, whatever order the rows come in" that _group_by_domain
promises held only for distinct names. The team's domain added first (the lower primary key)
now comes first."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.alerts.emails import _group_by_domain
from mailsec.domains.models import Domain

pytestmark = pytest.mark.django_db


def test_s41r2_one_name_in_two_teams_keeps_one_order() -> None:
    owner = User.objects.create_user("owner", "owner@example.org")
    first = Domain.objects.create(team=Team.create_for(owner), name="client.example")
    second = Domain.objects.create(team=Team.create_for(owner), name="client.example")
    now = timezone.now()

    def change(domain: Domain, minutes: int, pk: int) -> SimpleNamespace:
        return SimpleNamespace(
            domain=domain,
            domain_id=domain.pk,
            kind="record-gone",
            created=now + timedelta(minutes=minutes),
            pk=pk,
        )

    orders = []
    for changes in (
        [change(first, 0, 1), change(second, 1, 2)],
        [change(second, 1, 2), change(first, 0, 1)],
    ):
        orders.append([g["domain"].pk for g in _group_by_domain(changes, {})])
    assert orders == [[first.pk, second.pk], [first.pk, second.pk]], orders
