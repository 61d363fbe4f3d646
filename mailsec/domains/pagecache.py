"""Whole parts of the domain list and the domain page, cached under a version that changes
with what they show.

A version is a random token in the cache, one per team (its domain list) and one per domain
(its page). Whatever changes what a page shows deletes the token, at once and again when the
change is committed (`changed`); the next request makes a new token before it reads the
database, so a page made from rows read before the commit is never served after it.
Each cached entry also carries the period it was made in (a minute for the list, which says
"3 minutes ago"; an hour for a domain page, which shows only absolute times) and is made again
in the next one, so a change that reaches the database without passing through `changed` (a
run deleted in the admin sets `last_run` to NULL by a bare UPDATE) shows within that period.

Callers of `changed`: signals on Team, Domain, CheckRun and HostedPolicy
(mailsec/domains/apps.py), and the bare UPDATEs of a run's life cycle in CheckRun and the
check task.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

VERSION_SECONDS = 86400


def _version_key(kind: str, pk: int) -> str:
    return f"page-version:{kind}:{pk}"


def changed(*, team_id: int | None = None, domain_id: int | None = None) -> None:
    """The team's domain list, or the domain's page, no longer shows the truth once the
    current transaction commits."""
    changed_many(
        team_ids=() if team_id is None else (team_id,),
        domain_ids=() if domain_id is None else (domain_id,),
    )


def changed_many(*, team_ids: Iterable[int] = (), domain_ids: Iterable[int] = ()) -> None:
    """As `changed`, for a batch: each team's list and each domain's page, their versions
    deleted together (a team's once, however many of its domains changed)."""
    keys = [_version_key("team", pk) for pk in dict.fromkeys(team_ids)]
    keys += [_version_key("domain", pk) for pk in dict.fromkeys(domain_ids)]
    if not keys:
        return
    # Now, for the code that made the change (it reads its own writes), and again once they
    # are committed: a request that read the rows before the commit may have stored them under
    # a version made in between.
    _delete(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _delete(keys), robust=True)


def _delete(keys: list[str]) -> None:
    # Called from saves and from a run's life cycle: a cache that does not answer must not
    # fail them (the period of each entry bounds what it leaves stale).
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("could not drop the cached pages %s", keys, exc_info=True)


def cached(kind: str, pk: int, name: str, period: int, make: Callable[[], Any]) -> Any:
    """The entry `name` of the team's or domain's pages, in the active time zone: from the
    cache when it was made under the current version in the current period (of `period`
    seconds), else made by `make()` (which reads the database) and stored."""
    version_key = _version_key(kind, pk)
    entry_key = f"page:{kind}:{pk}:{name}"
    # One entry per time zone: the pages show times in the reader's (Profile.time_zone).
    zone = timezone.get_current_timezone_name()
    if zone != "UTC":
        entry_key += f"@{zone}"
    stamp = int(time.time() // period)
    found = cache.get_many([version_key, entry_key])
    version = found.get(version_key)
    entry = found.get(entry_key)
    if version is not None and entry is not None and entry[:2] == (version, stamp):
        return entry[2]
    if version is None:
        # Made before the database is read: a change committed after this point deletes it,
        # and what is made below is then never served again.
        version = uuid.uuid4().hex
        if not cache.add(version_key, version, VERSION_SECONDS):
            version = cache.get(version_key) or version
    value = make()
    cache.set(entry_key, (version, stamp, value), period)
    return value


def on_team(sender: Any, instance: Any, **kwargs: Any) -> None:
    changed(team_id=instance.pk)


def on_domain(sender: Any, instance: Any, **kwargs: Any) -> None:
    changed(team_id=instance.team_id, domain_id=instance.pk)


def on_run(sender: Any, instance: Any, **kwargs: Any) -> None:
    changed(domain_id=instance.domain_id)


def on_hosted_policy(sender: Any, instance: Any, **kwargs: Any) -> None:
    # The pages of every domain of that name: detached (its domain deleted, or its team lost
    # control), or still held by a team turning hosting off (task s43f), the pages of the
    # other teams' domains of that name say it is still served until its release
    # (HostedPolicy.left_for), and must stop saying it when it is released, taken over or
    # kept (Keep hosting). One query; another team's domain of the name is rare.
    from mailsec.domains.models import Domain

    others = Domain.objects.filter(name=instance.name).values_list("pk", flat=True)
    own = () if instance.domain_id is None else (instance.domain_id,)
    changed_many(domain_ids=[*own, *others])
