"""How fast are the domain list and the domain page with 1,000 domains and a year of runs?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/webapp .venv/bin/python -m bench.web_bench

What it does (PostgreSQL only; it works in its own database, `<name>_webbench`, dropped and
made again, never in the one DATABASE_URL names):

1. Data, generated directly with bulk_create: a team of 1,000 domains, each with a year of
   runs shaped like the scheduler leaves them (every 6 hours for the last 90 days, one a day
   before that, as `thin_runs` keeps), every run carrying the findings of a real lab report of
   f01.lab.test (bench/web_f01_report.json, ~34 kB of JSON), varied: some runs warn or fail
   somewhere, so the chart has changes to mark and the list has worst findings to show.
   Each domain page's chart, panels and whole content are then pre-rendered into the cache,
   as the worker does when a run finishes (see mailsec.domains.views.warm_page_cache).
2. SQL queries per page, counted with CaptureQueriesContext, for teams of 10 / 100 / 1,000
   domains with 1 / 30 / 365 days of runs (lean findings in the smaller cells: the count
   cannot depend on the JSON's size), each page made again (as after a change) and then from
   the cache. The count must not grow with the data.
3. Load: gunicorn (sync workers) on 127.0.0.77, and 32 client threads with logged-in httpx
   sessions, in rounds: a bare Django view (same middleware, no queries), a signed-in bare
   view (reads the session and the user: the floor of every signed-in page), the domain list,
   domain pages (cycling through the 1,000 domains), each for a fixed time a round. p95 of
   each page / p95 of the bare view, all in the same run (goal <= 3x), pooled and per round.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).with_name("web_f01_report.json")
HOST, PORT = "127.0.0.77", 8077


# --- The database ---------------------------------------------------------------------------


def bench_database(url: str, reuse: bool) -> str:
    """Make `<name>_webbench` from scratch next to the database `url` names (or keep the one
    a previous run made, with --reuse); return its URL."""
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit("web_bench: DATABASE_URL must be PostgreSQL (the figures are PostgreSQL's).")
    name = parts.path.lstrip("/") + "_webbench"
    if not reuse:
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def existing_team(label: str) -> tuple[Any, Any, list[Any]] | None:
    """A team a previous run generated (--reuse), as make_team returns it."""
    from django.contrib.auth.models import User

    user = User.objects.filter(username=label).first()
    if user is None:
        return None
    team = user.profile.current_team
    return user, team, list(team.domains.order_by("name"))


# --- Data -----------------------------------------------------------------------------------


def run_times(now: datetime, days: int, per_day_recent: int, offset: timedelta) -> list[datetime]:
    """Oldest first: every 24/per_day_recent hours for 90 days, then one a day (thinned)."""
    step = timedelta(hours=24 / per_day_recent)
    times: list[datetime] = []
    t = now - offset
    recent_until = now - timedelta(days=min(days, 90))
    while t > recent_until:
        times.append(t)
        t -= step
    t = now - timedelta(days=90) - offset
    while t > now - timedelta(days=days):
        times.append(t)
        t -= timedelta(days=1)
    return sorted(times)


def variants(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The f01 report, and copies where something went wrong (mechanism verdict and score
    follow), so histories have changes in them."""
    base = {
        "findings": report["findings"],
        "mechanisms": report["mechanisms"],
        "score": report["score"],
    }
    out = [base]
    for mech, check_id, status, score in (
        ("spf", "SPF-30", "warn", 88),
        ("dmarc", "DMARC-10", "fail", 64),
        ("smtp", "SMTP-40", "error", 92),
    ):
        v = copy.deepcopy(base)
        v["findings"].append(
            {
                "id": check_id,
                "status": status,
                "mechanism": mech,
                "summary": f"Benchmark variation: {mech} {status}.",
                "subject": report["domain"],
                "evidence": {"note": "generated by bench/web_bench.py"},
                "fix": "",
            }
        )
        v["mechanisms"] = {**v["mechanisms"], mech: status}
        v["score"] = score
        out.append(v)
    return out


LEAN = [
    {
        "findings": [{"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "MX ok"}],
        "mechanisms": {"mx": "pass"},
        "score": 90,
    },
    {
        "findings": [{"id": "MX-03", "status": "warn", "mechanism": "mx", "summary": "MX meh"}],
        "mechanisms": {"mx": "warn"},
        "score": 70,
    },
]


def make_team(
    label: str, n_domains: int, days: int, per_day: int, shapes: list[dict[str, Any]]
) -> tuple[Any, Any, list[Any]]:
    from django.contrib.auth.models import User

    from mailsec.accounts.models import Profile, Team
    from mailsec.domains.models import CheckRun, Domain, worst_of

    user = User.objects.create_user(label, f"{label}@bench.example")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    now = datetime.now().astimezone()
    domains = Domain.objects.bulk_create(
        Domain(
            team=team,
            name=f"d{i:04d}.{label}.example",
            verified_at=now - timedelta(days=days),
            next_check_at=now + timedelta(hours=random.uniform(0, 6)),
        )
        for i in range(n_domains)
    )
    worst = [worst_of(s["findings"]) or {} for s in shapes]
    rng = random.Random(label)
    batch: list[CheckRun] = []
    last: dict[int, CheckRun] = {}

    def flush() -> None:
        CheckRun.objects.bulk_create(batch, batch_size=500)
        for r in batch:
            last[r.domain_id] = r  # oldest first, so the newest wins
        batch.clear()

    for d in domains:
        offset = timedelta(minutes=rng.uniform(0, 360))
        shape = 0
        for when in run_times(now, days, per_day, offset):
            if rng.random() < 0.03:  # now and then something changes, and stays a while
                shape = rng.randrange(len(shapes))
            s = shapes[shape]
            batch.append(
                CheckRun(
                    domain=d,
                    status=CheckRun.Status.DONE,
                    created=when,
                    started=when,
                    finished=when + timedelta(seconds=2),
                    score=s["score"],
                    score_version=1,
                    mechanisms=s["mechanisms"],
                    findings=[],  # filled per shape below, by one UPDATE in SQL
                    kind=f"b{shape}",
                    worst=worst[shape],
                    duration_ms=1800,
                )
            )
        if len(batch) >= 5000:
            flush()
    flush()
    # Serializing ~34 kB of JSON per row in Python is what made bulk_create slow (~85
    # rows/s); each shape's findings are serialized once and written by PostgreSQL.
    runs = CheckRun.objects.filter(domain__team=team)
    for i, s in enumerate(shapes):
        runs.filter(kind=f"b{i}").update(findings=s["findings"], kind="scheduled")
    # What CheckRun.finish() writes on the domain with its last run (Domain.last_run_fields),
    # one UPDATE per domain, as the worker does.
    for d in domains:
        Domain.objects.filter(pk=d.pk).update(**Domain.last_run_fields(last[d.pk]))
    return user, team, domains


# --- Query counts ---------------------------------------------------------------------------


def count_queries(user: Any, domain: Any) -> tuple[str, str]:
    """Queries of the list and of the domain page, each "made / cached": made again from the
    database (as after a change of what it shows), then served from the cache."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mailsec.domains import pagecache

    client = Client()
    client.force_login(user)
    cells = []
    for url in ("/domains/", f"/domains/{domain.code}/"):
        client.get(url)  # warm: the session's first use may write
        counts = []
        for fresh in (True, False):
            if fresh:
                pagecache.changed(team_id=domain.team_id, domain_id=domain.pk)
            with CaptureQueriesContext(connection) as ctx:
                r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
            counts.append(len(ctx.captured_queries))
        cells.append(f"{counts[0]} / {counts[1]}")
    return cells[0], cells[1]


# --- Load -----------------------------------------------------------------------------------


def start_server(env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "mailsec.wsgi:application",
        f"--bind={HOST}:{PORT}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--log-level=warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(200):
        try:
            socket.create_connection((HOST, PORT), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("web_bench: gunicorn did not start")


def load(
    cookies: dict[str, str], urls: list[str], clients: int, per_client: int
) -> tuple[list[float], int]:
    """`clients` threads, each its own logged-in httpx session, `per_client` requests each
    (URLs taken in turn from `urls`); returns the latencies in ms and the error count."""
    import httpx

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(n: int) -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with httpx.Client(base_url=f"http://{HOST}:{PORT}", cookies=cookies, timeout=60) as c:
            start.wait()
            for i in range(per_client):
                url = urls[(n * per_client + i) % len(urls)]
                t0 = time.perf_counter()
                r = c.get(url)
                mine.append((time.perf_counter() - t0) * 1000)
                bad += r.status_code != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=4, help="runs a day in the last 90 days")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=6, help="of load per page per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    ap.add_argument("--no-grid", action="store_true", help="skip the query-count grid")
    ap.add_argument("--reuse", action="store_true", help="keep the data of the previous run")
    args = ap.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    db_url = bench_database(url, args.reuse)
    os.environ["DATABASE_URL"] = db_url
    # The cache is Redis, as in production, in a database of its own, emptied first (it holds
    # fragments and sessions of the previous run). The broker stays embedded: no task runs.
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("WEB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    import redis

    redis.Redis.from_url(os.environ["WEB_BENCH_REDIS_URL"]).flushdb()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.web_settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    report = json.loads(REPORT.read_text())
    shapes = variants(report)

    t0 = time.perf_counter()
    made = existing_team("main") if args.reuse else None
    if made is None:
        made = make_team("main", args.domains, args.days, args.per_day, shapes)
    user, team, domains = made
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE") if connection.vendor == "postgresql" else None
        cur.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('domains_checkrun'))"
            " FROM domains_checkrun"
        )
        n_runs, size = cur.fetchone()
    print(
        f"data: {len(domains)} domains, {n_runs} runs ({size} with findings), "
        f"{args.days} days, generated in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )

    # What the worker does when each run finishes (domains.tasks.run_check): pre-render the
    # domain page's chart and panels into the cache.
    from mailsec.domains.models import Domain
    from mailsec.domains.views import warm_page_cache

    t0 = time.perf_counter()
    for d in Domain.objects.filter(team=team).select_related("last_run"):
        warm_page_cache(d)
    print(f"pre-rendered {len(domains)} domain pages in {time.perf_counter() - t0:.0f} s")

    if not args.no_grid:
        print(
            "\nSQL queries per page, made / from the cache (domain list; domain page):",
            flush=True,
        )
        print("| domains \\ days of runs | 1 | 30 | 365 |\n|---|---|---|---|")
        for n in (10, 100, 1000):
            cells = []
            for days in (1, 30, 365):
                if (n, days) == (args.domains, args.days):
                    u, d = user, domains[0]
                else:
                    label = f"g{n}x{days}"
                    cell = existing_team(label) if args.reuse else None
                    u, _, ds = cell or make_team(label, n, days, args.per_day, LEAN)
                    d = ds[0]
                lst, page = count_queries(u, d)
                cells.append(f"{lst}; {page}")
            print(f"| {n} | " + " | ".join(cells) + " |", flush=True)

    # Sessions for the clients: one logged-in session per client, as real users have.
    from django.test import Client

    sessions = []
    for _ in range(args.clients):
        c = Client()
        c.force_login(user)
        sessions.append(c.cookies["sessionid"].value)
    connection.close()

    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "bench.web_settings"}
    server = start_server(env, args.workers)
    try:
        pages = {
            "bare view": ["/bench/bare/"],
            "signed-in bare view": ["/bench/signed-in/"],
            "domain list": ["/domains/"],
            "domain page": [f"/domains/{d.code}/" for d in domains],
        }
        results: dict[str, list[float]] = {k: [] for k in pages}
        per_round: dict[str, list[float]] = {k: [] for k in pages}  # each round's p95
        errors = dict.fromkeys(pages, 0)
        for _ in range(2):  # warm-up: imports, template caches, connections
            for urls in pages.values():
                load({"sessionid": sessions[0]}, urls, 4, 3)
        for _ in range(args.rounds):
            for name, urls in pages.items():
                random.shuffle(urls)
                lat, err = _load_sessions(sessions, urls, args.seconds)
                results[name].extend(lat)
                per_round[name].append(p95(lat))
                errors[name] += err
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    base = p95(results["bare view"])
    floor = p95(results["signed-in bare view"])
    print(
        f"\n{args.clients} clients, gunicorn {args.workers} sync workers, "
        f"{args.rounds} rounds x {args.seconds:g} s per page:"
    )
    print(
        "| page | requests | errors | p50 ms | p95 ms | p95 / bare p95 | p95 / signed-in p95 |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    for name, lat in results.items():
        print(
            f"| {name} | {len(lat)} | {errors[name]} | {statistics.median(lat):.1f} | "
            f"{p95(lat):.1f} | {p95(lat) / base:.2f}x | {p95(lat) / floor:.2f}x |"
        )
    # One slow burst of the baseline (the machine's other work, a collection in the client)
    # moves the pooled ratio a lot; each round's ratio, and their median, show how steady it is.
    print(f"\nper round, p95 / that round's bare p95 ({args.rounds} rounds; median):")
    for name in ("domain list", "domain page"):
        ratios = [p / b for p, b in zip(per_round[name], per_round["bare view"], strict=True)]
        shown = " ".join(f"{r:.2f}" for r in ratios)
        print(f"- {name}: {shown}; median {statistics.median(ratios):.2f}x")


def _load_sessions(sessions: list[str], urls: list[str], seconds: float) -> tuple[list[float], int]:
    """Each client thread with its own session cookie asks for `urls` in turn, one request
    after another, for `seconds`: every page gets the same time under load, so the cheap
    baseline is measured over thousands of requests, not a burst of a few hundred."""
    import httpx

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = threading.Barrier(len(sessions))

    def client(n: int, session: str) -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with httpx.Client(
            base_url=f"http://{HOST}:{PORT}", cookies={"sessionid": session}, timeout=60
        ) as c:
            start.wait()
            deadline = time.perf_counter() + seconds
            i = n * 997  # clients start at different places in the list
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                r = c.get(urls[i % len(urls)])
                mine.append((time.perf_counter() - t0) * 1000)
                bad += r.status_code != 200
                i += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(n, s)) for n, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


if __name__ == "__main__":
    main()
