"""The free check tells the engine that mailsec hosts the domain's MTA-STS policy (s19f).

FreeCheck.run gives the engine CheckConfig.hosting_on when hosting is on for the domain (active,
on a verified domain), so the engine's own advice says so (tests/test_mtasts_s19f_hosting_on.py
for the words; tests/test_freecheck_s19w.py runs it in the lab). Never hosting_on_since: when
hosting was turned on is account data, and the engine would write it into the public report.
The engine is replaced here by one that keeps the configuration it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from checks.config import CheckConfig
from checks.findings import DomainReport
from mailsec.freecheck.models import FreeCheck, free_check_config

NAME = "example.org"


def config_of_a_run(domain: str = NAME) -> CheckConfig:
    """The configuration a free check of `domain` gives the engine."""
    given: list[CheckConfig] = []

    async def engine(name: str, config: CheckConfig, **kw: Any) -> DomainReport:
        given.append(config)
        return DomainReport(domain=name, score=100, score_version=1)

    check = FreeCheck.objects.create(domain=domain)
    with patch("mailsec.freecheck.models.check_domain", side_effect=engine):
        check.run()
    check.refresh_from_db()
    assert check.status == FreeCheck.State.DONE, check.error
    (config,) = given
    return config


@pytest.fixture
def hosted() -> Callable[..., None]:
    """hosted(state, verified): example.org's hosted policy in that state."""
    from mailsec.accounts.models import Team
    from mailsec.domains.models import Domain
    from mailsec.hosting.models import HostedPolicy

    owner = User.objects.create_user("s19f-owner", "s19f-owner@example.net")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name=NAME, verified_at=timezone.now()
    )
    policy = HostedPolicy.objects.create(domain=domain, name=NAME)
    policy.events.create(kind="enabled")

    def set_state(state: str, verified: bool = True) -> None:
        HostedPolicy.objects.filter(pk=policy.pk).update(state=state)
        Domain.objects.filter(pk=domain.pk).update(verified_at=timezone.now() if verified else None)

    return set_state


@pytest.mark.django_db
def test_a_free_check_of_a_hosted_domain_tells_the_engine_hosting_is_on(
    hosted: Callable[..., None],
) -> None:
    from mailsec.hosting.models import HostedPolicy

    hosted(HostedPolicy.State.ACTIVE)
    config = config_of_a_run()
    assert config.hosting_on and config.hosting_is_on
    assert config.hosting_on_since is None  # on, never since when
    # The rest of the free check's configuration is as before.
    assert config.max_connections == free_check_config().max_connections


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "verified"),
    [("disabling", True), ("off", True), ("active", False)],
    ids=["winding-down", "off", "domain-not-verified"],
)
def test_hosting_not_on_is_not_told(
    hosted: Callable[..., None], state: str, verified: bool
) -> None:
    hosted(state, verified)
    assert not config_of_a_run().hosting_is_on


@pytest.mark.django_db
def test_another_domain_is_not_told_hosting_is_on(hosted: Callable[..., None]) -> None:
    from mailsec.hosting.models import HostedPolicy

    hosted(HostedPolicy.State.ACTIVE)
    for other in ("example.net", f"mail.{NAME}"):
        assert not config_of_a_run(other).hosting_is_on, other


def test_free_check_config_says_hosting_is_on_only_when_asked(settings: Any) -> None:
    assert not free_check_config().hosting_is_on
    config = free_check_config(hosting_on=True)
    assert config.hosting_on and config.hosting_on_since is None
