"""Does the sign-up's response time tell whether an address has an account?

    .venv/bin/python -m bench.signup_timing                       # SQLite (a temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python -m bench.signup_timing
    ... --smtp      # mail through Django's SMTP backend to a local aiosmtpd sink

On PostgreSQL it works in a database of its own, `<name>_signuptiming` next to the one
DATABASE_URL names, made from scratch and dropped at the end; on SQLite in a temporary file.

POST /accounts/signup/ with the Django test client, for a new address and for one that has an
account (made as a sign-up leaves it: a verified address, a profile and a team), in alternating
pairs (which one goes first is drawn at random), each on a fresh client with the rate-limit
counters emptied first (outside the timing), so every sample is a first sign-up that mails a
code. Each known account signs up once (its address's code limit is 3 a minute). Prints the
median and p90 of each, and the share of (new, known) pairs where the new one was slower: 0.5
when the two cannot be told apart, near 1 when a stranger can tell them by timing alone.

Both paths mail their code synchronously, in the request, through the configured backend
(allauth's adapter send_mail: for a new address from its email verification stage, for a
known one from mailsec.accounts.forms._start_sign_in_by_verification): the mail is no
difference. What differed was the database: a new address's sign-up wrote a user, its address,
a profile, a team and a membership in five commits; a known one's wrote only the session.

Figures (this machine, shared with other work, load average about 2; 300 pairs after 20
discarded, mail in locmem; ms, median / p90 of the wall clock, then the share of pairs where
the new address was slower, on the clock and on the CPU):

    before: a known address's sign-up made no rows
      SQLite      new 27.9 / 31.7   known 12.4 / 15.3   new slower 100 % (CPU 100 %)
      PostgreSQL  new 31.4 / 37.8   known 13.1 / 15.6   new slower 100 % (CPU 99 %)
    after: it makes the same rows with the same code and rolls them back (SignupForm)
      SQLite      new 25.1 / 32.1   known 23.5 / 31.3   new slower  55 % (CPU 53 %)
      PostgreSQL  new 39.2 / 50.4   known 39.9 / 48.5   new slower  50 % (CPU 49 %)
      PostgreSQL, mail to the SMTP sink (200 pairs):
                  new 48.7 / 59.9   known 49.1 / 61.0   new slower  51 % (CPU 49 %)

What is left on SQLite is the end of the transaction: the new address's rows are committed
(synchronous=FULL: a WAL write and an fsync, about 0.5 ms here), the known one's rolled back.
On PostgreSQL, a commit and a rollback cost the same round trip here.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def bench_database(url: str | None, scratch: Path) -> tuple[str, str | None]:
    """The URL to run in and, on PostgreSQL, the admin URL to drop it with at the end."""
    if not url or urlsplit(url).scheme == "sqlite":
        return f"sqlite:///{scratch / 'signup_timing.sqlite3'}", None
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit("signup_timing: DATABASE_URL must be PostgreSQL or SQLite.")
    name = parts.path.lstrip("/") + "_signuptiming"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name)), admin


def drop_database(url: str, admin: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    # aiosmtpd's Controller checks it is up by connecting to the port it was given: not 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def share_new_slower(new: list[float], known: list[float]) -> float:
    """How often a new address's sign-up took longer than a known one's, over all pairs of
    samples (the Mann-Whitney U over n*m): 0.5 = indistinguishable."""
    wins = sum((a > b) + 0.5 * (a == b) for a in new for b in known)
    return wins / (len(new) * len(known))


def make_known_accounts(count: int) -> list[str]:
    """Accounts as a sign-up leaves them: no password, a verified primary address, a team."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import User

    from mailsec.accounts.models import Profile

    addresses = []
    for n in range(count):
        email = f"known{n}@example.org"
        user = User.objects.create_user(f"known{n}", email)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        Profile.for_user(user).team()
        addresses.append(email)
    return addresses


def sign_up(email: str, outbox: list[Any]) -> tuple[float, float]:
    """Seconds for one first sign-up of `email` on a fresh client, limits emptied before:
    on the clock, and of this thread's CPU (what a loaded machine inflates least)."""
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    client = Client()
    sent = len(outbox)
    start, start_cpu = time.perf_counter(), time.thread_time()
    response = client.post("/accounts/signup/", {"email": email})
    elapsed, cpu = time.perf_counter() - start, time.thread_time() - start_cpu
    # A sample that did not go the way of a first sign-up would measure something else.
    if response.status_code != 302 or response["Location"] != "/accounts/code/":
        sys.exit(f"signup_timing: {email}: {response.status_code} {response.get('Location')}")
    if len(outbox) != sent + 1:
        sys.exit(f"signup_timing: {email}: {len(outbox) - sent} mails instead of one")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--smtp", action="store_true", help="mail to a local SMTP sink")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="signup_timing_"))
    url, admin = bench_database(os.environ.get("DATABASE_URL"), scratch)
    os.environ["DATABASE_URL"] = url
    os.environ["MAILSEC_DATA_DIR"] = str(scratch)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")

    import django

    django.setup()
    from django.core import mail
    from django.core.management import call_command
    from django.test.utils import override_settings, setup_test_environment

    # As the test runner: DEBUG off (no query log), mail kept in mail.outbox.
    setup_test_environment(debug=False)
    # Limits counted in memory, emptied before each sample: every sample is a first one.
    cache = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    override_settings(CACHES=cache).enable()
    sink: Any = None
    outbox: list[Any] = mail.outbox
    if args.smtp:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink

        class Counting(Sink):
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                received.append(envelope)
                return "250 OK"

        received: list[Any] = []
        port = free_port()
        sink = Controller(Counting(), hostname="127.0.0.1", port=port)
        sink.start()
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ).enable()
        outbox = received

    try:
        call_command("migrate", verbosity=0)
        total = args.warmup + args.pairs
        known = make_known_accounts(total)
        rng = random.Random(1)
        times: dict[str, list[float]] = {"new": [], "known": []}
        cpu_times: dict[str, list[float]] = {"new": [], "known": []}
        for n in range(total):
            pair = [("new", f"new{n}@example.org"), ("known", known[n])]
            rng.shuffle(pair)
            for kind, email in pair:
                elapsed, cpu = sign_up(email, outbox)
                if n >= args.warmup:
                    times[kind].append(elapsed * 1000)
                    cpu_times[kind].append(cpu * 1000)
    finally:
        if sink is not None:
            sink.stop()
        if admin is not None:
            drop_database(url, admin)
        shutil.rmtree(scratch, ignore_errors=True)

    engine = "PostgreSQL" if admin else "SQLite"
    mail_by = "SMTP sink" if args.smtp else "locmem"
    print(f"{engine}, mail by {mail_by}, {args.pairs} pairs (ms):")
    for label, figures in (("wall", times), ("cpu", cpu_times)):
        for kind, values in figures.items():
            print(
                f"  {label:4} {kind:6} median {statistics.median(values):6.2f}  "
                f"p10 {percentile(values, 0.1):6.2f}  p90 {percentile(values, 0.9):6.2f}"
            )
        slower = share_new_slower(figures["new"], figures["known"])
        print(f"  {label:4} new slower than known in {slower:.0%}")


if __name__ == "__main__":
    main()
