"""How long does a filtered or sorted domain list take for a team of 1,000 or 5,000 domains?

    .venv/bin/python -m bench.domain_list_bench [--sizes 1000,5000] [--repeat 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.domain_list_bench

It works in a throw-away test database (`test_<name>`, as pytest-django makes it), with a
cache of its own in memory. For each team size it generates the team's domains directly
(`make_domains`: names of every kind, IDNs among them, and every status a row can show), then
asks the list through Django's test client for each filter and order the form offers, and
prints per request the SQL queries (counted with CaptureQueriesContext) and the median time
of `--repeat` requests (DEBUG off, as in production). The list of every domain by name is
cached as a whole (listing.page_html); it is asked with its cache emptied each time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from typing import Any

import idna

# Every filter and order of DomainListForm, alone and combined, with a second page.
QUERIES = (
    "",
    "?sort=score",
    "?sort=checked",
    "?q=shop",
    "?q=b%C3%BCcher",
    "?q=7",
    "?status=failing",
    "?status=attention",
    "?status=error",
    "?status=unverified",
    "?q=shop&status=failing&sort=score",
    "?status=attention&sort=checked&page=2",
)

# (share of the team, how its row looks): status of the worst finding, score, and the rest.
KINDS: tuple[tuple[float, dict[str, Any]], ...] = (
    (0.30, {"worst": {}, "score": 95}),
    (0.10, {"worst": {"status": "pass", "summary": "All checks passed."}, "score": 100}),
    (
        0.15,
        {
            "worst": {
                "status": "warn",
                "summary": "No TLS-RPT record: senders cannot tell you when TLS to your MX fails.",
            },
            "score": 70,
        },
    ),
    (
        0.10,
        {
            "worst": {
                "status": "fail",
                "summary": "The MTA-STS policy lists mx1.example.net, which is not one of the MX hosts.",
            },
            "score": 30,
        },
    ),
    (
        0.04,
        {
            "worst": {
                "status": "error",
                "summary": "The MX host did not answer within 30 seconds (port 25).",
            },
            "score": 60,
        },
    ),
    (
        0.03,
        {
            "worst": {
                "status": "info",
                "summary": "DMARC policy is quarantine; reject is stronger.",
            },
            "score": 88,
        },
    ),
    (0.03, {"worst": {"none_checked": True}, "score": None}),
    (
        0.03,
        {
            "worst": {
                "no_mail": True,
                "status": "pass",
                "summary": "Null MX: the domain says it receives no mail.",
            },
            "score": 40,
        },
    ),
    (
        0.03,
        {
            "worst": {
                "not_deployed": ["dane"],
                "status": "warn",
                "summary": "DKIM selector google has a 1024-bit key; use 2048 bits.",
            },
            "score": 55,
        },
    ),
    (
        0.05,
        {
            "worst": {"status": "warn", "summary": "SPF ends with ~all (soft fail)."},
            "score": 72,
            "failed": True,
        },
    ),
    (
        0.02,
        {
            "worst": {"status": "fail", "summary": "The certificate of mx2 expired 3 days ago."},
            "score": 20,
            "run_deleted": True,
        },
    ),
    (0.02, {"worst": None, "score": 50}),
    (0.05, {"never_checked": True}),
    (0.05, {"never_checked": True, "unverified": True}),
)


def domain_names(count: int, rnd: random.Random) -> list[str]:
    """`count` distinct A-label names as an MSP's list has them: numbered customers, shops,
    subdomains, and IDNs (A-labels) whose shown names have letters beyond ASCII."""
    shapes = (
        "customer{i}.example",
        "shop{i}.example.org",
        "mail.client{i}.example.net",
        "bücher{i}.example",
        "straße-{i}.example",
        "{i}-shop.example.com",
        "long-name-of-a-customer-number-{i}.example",
    )
    names = []
    for i in range(count):
        shape = rnd.choice(shapes)
        names.append(idna.encode(shape.format(i=i), uts46=True).decode())
    return names


def make_domains(team: Any, count: int, seed: int = 17) -> None:
    """`count` domains for `team`, written with bulk_create: every kind of row in KINDS, in
    the shares it gives, each checked once at some time in the last two weeks (a run to point
    at, as Domain.set_last_run leaves it)."""
    from django.utils import timezone

    from mailsec.domains.models import CheckRun, Domain

    rnd = random.Random(seed)
    now = timezone.now()
    shares = [share for share, _ in KINDS]
    domains = []
    # Rows standing for a domain whose last run was deleted (admin, SET_NULL): last_run is
    # NULL while the run's summary stays on the row.
    run_deleted = set()
    for name in domain_names(count, rnd):
        kind = rnd.choices([kind for _, kind in KINDS], weights=shares)[0]
        checked = not kind.get("never_checked")
        at = now - timedelta(minutes=rnd.randrange(0, 14 * 24 * 60)) if checked else None
        if kind.get("run_deleted"):
            run_deleted.add(name)
        domains.append(
            Domain(
                team=team,
                name=name,
                verified_at=None if kind.get("unverified") else now - timedelta(days=30),
                last_score=kind.get("score") if checked else None,
                last_checked_at=at,
                last_worst=kind.get("worst") if checked else None,
                week_ago_score=rnd.choice((None, 50, 80)) if checked else None,
                last_failed_at=now if kind.get("failed") else None,
            )
        )
    Domain.objects.bulk_create(domains, batch_size=500)
    pks = dict(Domain.objects.filter(team=team).values_list("name", "pk"))
    runs = [
        CheckRun(domain_id=pks[d.name], status=CheckRun.Status.DONE, finished=d.last_checked_at)
        for d in domains
        if d.last_checked_at is not None and d.name not in run_deleted
    ]
    CheckRun.objects.bulk_create(runs, batch_size=500)
    pointing = [
        Domain(pk=domain_id, last_run_id=run_id)
        for run_id, domain_id in CheckRun.objects.filter(domain__team=team).values_list(
            "pk", "domain_id"
        )
    ]
    Domain.objects.bulk_update(pointing, ["last_run_id"], batch_size=500)


def _setup() -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment(debug=False)
    return setup_databases(verbosity=0, interactive=False, serialized_aliases=[])


def measure(sizes: list[int], repeat: int) -> None:
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mailsec.accounts.models import Profile, Team

    print(f"database: {connection.vendor}; median of {repeat} requests, ms; SQL queries")
    for size in sizes:
        user = User.objects.create_user(f"bench{size}", f"bench{size}@example.org")
        team = Team.create_for(user)
        Profile.objects.create(user=user, current_team=team)
        started = time.perf_counter()
        make_domains(team, size)
        made = time.perf_counter() - started
        print(f"\nteam of {size} domains (made in {made:.1f} s)")
        client = Client()
        client.force_login(user)
        client.get("/domains/")  # the header's team count, the rows' cache
        for query in QUERIES:
            times = []
            for _ in range(repeat):
                if not query:
                    cache.clear()
                started = time.perf_counter()
                response = client.get(f"/domains/{query}")
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            if not query:
                cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                client.get(f"/domains/{query}")
            label = query or "(all, by name, cache emptied)"
            print(f"  {label:45} {statistics.median(times):7.1f} ms  {len(ctx):2d} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    from django.test.utils import teardown_databases

    old = _setup()
    try:
        measure([int(s) for s in args.sizes.split(",")], args.repeat)
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
