"""Shared test fixtures and the base test case.

Run against the embedded default (SQLite, filesystem broker) or, as in CI, against
PostgreSQL and Redis by setting DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import WorkController
from django.contrib.auth.models import User
from django.test import TestCase
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import Browser, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.lab import acme
from tests.lab.control import Lab

if TYPE_CHECKING:
    from mailsec.accounts.models import Team

# The hermetic lab (tests/lab): a session-scoped `lab` fixture for tests that need it.
pytest_plugins = ["tests.lab.pytest_plugin"]

# Property tests: no per-example deadline anywhere (a loaded machine makes timings say
# nothing). In CI they run on fixed examples, so a run fails only for a change; run them
# locally, where the examples stay random, to find new failing inputs.
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, database=None)
hypothesis_settings.load_profile(
    "ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev"
)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"]


# Each phase's report of a test (setup, call, teardown), kept on the test for the fixtures
# whose teardown acts only when it failed: the browser's screenshots of the pages a failed
# test left open (tests/test_browser_s11_readiness.browser).
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report


class BaseTestCase(TestCase):
    """alice owns things, bob is her teammate, charlie is an outsider."""

    alice: User
    bob: User
    charlie: User
    team: Team  # alice's, with bob as a member
    charlies_team: Team

    @classmethod
    def setUpTestData(cls) -> None:
        from mailsec.accounts.models import Membership, Profile, Team

        super().setUpTestData()
        cls.alice = User.objects.create_user("alice", "alice@example.org")
        cls.bob = User.objects.create_user("bob", "bob@example.org")
        cls.charlie = User.objects.create_user("charlie", "charlie@example.org")
        cls.team = Team.create_for(cls.alice)
        Membership.objects.create(team=cls.team, user=cls.bob, role=Membership.Role.MEMBER)
        Profile.objects.create(user=cls.alice, current_team=cls.team)
        Profile.objects.create(user=cls.bob, current_team=cls.team)
        cls.charlies_team = Team.create_for(cls.charlie)
        Profile.objects.create(user=cls.charlie, current_team=cls.charlies_team)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """On SQLite, test in a file rather than in memory: the in-memory database is shared
    between threads in SQLite's shared-cache mode, whose table locks fail at once instead of
    waiting, so the test worker's writes would collide with the test's reads. On PostgreSQL,
    one test database per run, whose commits do not wait for the disk."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    elif not db.get("TEST", {}).get("NAME"):
        # One test database per run: two runs on one server (engineers beside CI) would
        # otherwise share test_<name>, and the second's set-up drops the first's tables.
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{os.getpid()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        # A test database is thrown away: its commits need not wait for the disk. On this
        # kind of machine a commit's WAL flush costs ~4.7 ms against ~0.08 ms without, and
        # transactional tests (live server, workers, threads) commit every save. The order of
        # what the product does — store, commit, then answer — is the same either way.
        options = db.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


# Rows that migrations and the post_migrate signal write once (content types, permissions)
# and no test changes: a flush between transactional tests keeps them, so it need not send
# post_migrate again to write them back (about 0.2 s of queries per flush).
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


def _cheap_flush_between_tests() -> None:
    """Between transactional tests (live server, threads, Celery workers) Django empties every
    table — on PostgreSQL with one TRUNCATE, which costs about a second for our ~60 tables
    (each gets new files) — and then sends post_migrate, which writes back the content types
    and permissions it just emptied. Here the flush deletes the rows the test left, in one
    statement (one round trip, not one per table), keeps KEPT_BY_FLUSH, and sends no
    post_migrate. Same end: the tables the tests use are empty, sequences not reset (as
    TRUNCATE without RESTART IDENTITY). Foreign keys are deferrable (Django creates them so),
    so the order of the deletes does not matter."""
    from django.core.management.commands import flush
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        deletes = " ".join(f"DELETE FROM {self.quote_name(table)};" for table in tables)
        return ["SET CONSTRAINTS ALL DEFERRED", f"DO $$BEGIN {deletes} END$$"]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]

    def flush_sql(
        style: Any, connection: Any, reset_sequences: bool = True, allow_cascade: bool = False
    ) -> list[str]:
        # django.core.management.sql.sql_flush, less the kept tables.
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        return connection.ops.sql_flush(
            style,
            [table for table in tables if table not in KEPT_BY_FLUSH],
            reset_sequences=reset_sequences,
            allow_cascade=allow_cascade,
        )

    flush.sql_flush = flush_sql  # type: ignore[assignment]
    flush.emit_post_migrate_signal = lambda *args, **kwargs: None  # type: ignore[assignment]


_cheap_flush_between_tests()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright, one per test module: starting Playwright's
    driver and the browser took about a second of CPU before every browser test when each had
    its own (some 200 of them). Each test still gets fresh contexts (cookies, storage, cache)
    and closes them (tests.test_browser_s11_readiness.browser).

    While it is open, Playwright's event loop runs in the test thread until the module ends:
    a test of the same module that runs after a browser test and calls asyncio.run or
    async_to_sync would meet a running loop. None does today: pytest-django runs a module's
    plain database tests before its transactional ones (every browser test is one).

    Not one per session (task s45n): the sync API marks the thread's loop as running after
    every call for as long as Playwright is open (playwright/_impl/_greenlets.py,
    wait_for_future; checked: asyncio.run and async_to_sync are then refused), so every later
    test of the worker that calls either (187 test files name one) would fail, and
    DJANGO_ALLOW_ASYNC_UNSAFE would stay set for all of them.
    Starting the driver and the browser and closing them measured 0.9-1.8 s (load 6-8 on 2
    CPUs), once for each of the 63 modules marked `browser`."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-system-deps.sh", pytrace=False)
    with pytest.MonkeyPatch.context() as env:
        # sync_playwright keeps an event loop running in this thread while it is open; the
        # ORM calls the module's tests make are plain synchronous code all the same.
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: LiveServer) -> LiveServer:
    """pytest-django's live server, started after the test database exists so that it stops
    before the database is dropped. Otherwise a session whose first database test uses the
    live server (e.g. one hosting lab test alone: the database comes from a function-scoped
    fixture, after the session-scoped server) drops the database first, while the server and
    Caddy's idle keep-alive connection to it, whose handler thread keeps its DB connection
    (CONN_MAX_AGE), are still up. In this order, fixtures built on the server (the `edge`
    with Caddy) stop first, closing their connections, then stopping the server joins its
    handler threads, which close their DB connections as they end."""
    return live_server


@pytest.fixture(scope="session")
def edge(lab: Lab, live_server: LiveServer) -> Iterator[acme.Edge]:
    """pebble + Caddy in front of this session's live server, for the whole session: one for
    every hosting test module (a second acme.start would wait on acme's lock for the first)."""
    parts = urlsplit(live_server.url)
    upstream = f"{parts.hostname}:{parts.port}"
    try:
        # acme.REFUSED_NAME: the one name pebble refuses, as an ACME CA refusing a hosted name
        # (tests/test_s42h_cert_refused_lab.py); no other test uses it.
        started = acme.start(
            lab,
            upstream=upstream,
            ask_url=f"http://{upstream}/hosting/ask",
            domain_blocklist=[acme.REFUSED_NAME],
        )
    except acme.AcmeError as e:
        pytest.fail(f"pebble/Caddy could not start: {e}", pytrace=False)
    yield started
    started.stop()


@pytest.fixture(scope="session", autouse=True)
def _no_system_resolver() -> Iterator[None]:
    """Tests never touch the internet: without a configured resolver the engine would read
    /etc/resolv.conf; in tests that fallback points at a loopback port where nothing listens."""
    import checks.dns

    original = checks.dns._system_resolvers
    checks.dns._system_resolvers = lambda: (("127.0.0.1", 9),)
    yield
    checks.dns._system_resolvers = original


@pytest.fixture(scope="session", autouse=True)
def _no_lookup_at_add() -> Iterator[None]:
    """The Domains page looks each name it adds up (mailsec.domains.existence): in tests that
    is 127.0.0.1:9 (above), which never answers, so every add would wait its whole bound. Off
    here; tests of it turn it on (tests/test_webapp_s36w.py)."""
    from mailsec.domains import existence

    original = existence.LOOKUP_SECONDS
    existence.LOOKUP_SECONDS = 0
    yield
    existence.LOOKUP_SECONDS = original


@pytest.fixture(autouse=True)
def _caa_allows_without_the_lab(request: pytest.FixtureRequest) -> Iterator[None]:
    """The hosting page and the certificate watch read CAA (mailsec.hosting.caa): in tests
    without the lab that is 127.0.0.1:9 (above), which never answers, so each certificate
    notice and records panel waited out the engine's 8 s timeout. Without the lab CAA reads as
    allowing our CA, as before CAA was read; lab tests and those marked `real_caa` (the CAA
    decision's own tests) read it as it is, and tests/test_hosting.py's fake_dns sets it."""
    if request.node.get_closest_marker("lab") or request.node.get_closest_marker("real_caa"):
        yield
        return
    from unittest import mock

    from mailsec.hosting import caa

    async def allowed(dns: object, name: str, identity: str) -> caa.CaaReading:
        return caa.CaaReading(caa.ALLOWED, "CAA not read in tests without the lab")

    with mock.patch.object(caa, "read", allowed):
        yield


@pytest.fixture
def unanswered_lookups_end_soon(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that reach a live lookup (the hosting page's records, a recheck of the
    challenge) with no resolver answering, and that need only that it failed: half a second
    (MAILSEC_CHECK_TIMEOUT) instead of the 8 s default. Nothing listens at that loopback port
    either way, so the answer is the same, TIMEOUT "no answer from our resolver within 0.5 s";
    each hosting page view had waited out the full 8 s."""
    monkeypatch.setenv("MAILSEC_CHECK_TIMEOUT", "0.5")


@pytest.fixture(scope="session", autouse=True)
def _private_embedded_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Give the test session its own filesystem broker, result folder and file cache, so a
    `make run` (or another test session) using ./var never takes the tests' messages.
    With REDIS_URL set the configured Redis is used as is."""
    from django.conf import settings
    from django.test.utils import override_settings

    from mailsec.celery import app

    if settings.REDIS_URL:
        _forget_rate_counters()
        yield
        return
    root = tmp_path_factory.mktemp("embedded")
    for sub in ("queue", "control", "results", "cache"):
        (root / sub).mkdir()
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "control_folder": str(root / "control"),
    }
    app.conf.result_backend = f"file://{root / 'results'}"
    # forget connections, producers and the result backend made with the old folders
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": root / "cache",
    }
    with override_settings(CACHES={"default": cache}):
        yield


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Passwords in tests hash with MD5: the production hasher (PBKDF2, a million rounds) is
    slow on purpose, 0.3–0.7 s a password on this machine, paid at every set_password and
    password sign-in of the account tests. What is tested is what the forms and flows do with a
    password, not the hasher; production settings keep PBKDF2 (mailsec/settings.py)."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty cache. Cached pages, fragments and rate-limit counters
    are keyed by ids that come round again after each test's rollback (the first team of every
    test is team 1), so without this a test could pass, or fail, on what an earlier test left
    behind, and the parallel run's order would decide. With Redis this empties the run's own
    Redis database, the broker's keys included: no Celery worker outlives a test, and an
    autouse fixture is set up before the test's own (its worker declares its queues anew)."""
    from django.core.cache import cache

    cache.clear()


# 2027-01-15 12:05:30 UTC: 30 s into a minute, 5.5 minutes into ten minutes and into an hour,
# mid-day. Inside one window of every length the limiters count in (60, 600, 3600, 86400 s).
PINNED_WALL_TIME = 1_800_014_730.0


@pytest.fixture(autouse=True)
def _rate_windows_stand_still(request: pytest.FixtureRequest) -> Iterator[None]:
    """The rate limits' clock (mailsec.freecheck.ratelimit.wall_time) stands at one instant
    inside a window. The limits count in fixed windows, so a test that makes N requests and
    expects the first K allowed failed whenever its requests straddled a window's end (about
    1 % of runs for a test of 50 requests under load: tests/test_ratelimit_s41l_windows.py).
    A test moves the clock by patching wall_time itself; `real_clock` tests read the wall
    clock. Only the limiter's reads are pinned, never time.time."""
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    from unittest import mock

    from mailsec.freecheck import ratelimit

    with mock.patch.object(ratelimit, "wall_time", lambda: PINNED_WALL_TIME):
        yield


def _forget_rate_counters() -> None:
    """Rate-limit counters an earlier session left in Redis: each test session starts with a
    new database whose ids (teams, users) repeat, and counters keyed by them would carry
    over (a day's window, for domain adds)."""
    from django.core.cache import cache

    from mailsec.freecheck import ratelimit

    if not ratelimit.uses_cache():
        return
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    for key in client.scan_iter(match=f"*{ratelimit.KEY_PREFIX}:*"):
        client.delete(key)


@pytest.fixture
def celery_worker() -> Iterator[WorkController]:
    """A real Celery worker in a thread of this process, consuming `default` and `probes`
    from the configured broker (the filesystem broker, or Redis when REDIS_URL is set).

    Use with @pytest.mark.django_db(transaction=True) so the worker's writes are visible.
    """
    from mailsec.celery import app

    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        queues=["default", "probes"],
        shutdown_timeout=10.0,
    ) as worker:
        yield worker


ManageRunner = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def run_manage() -> ManageRunner:
    """Run `python manage.py ARGS` in a subprocess with exactly the environment given
    (PATH, HOME, LANG and TMPDIR are kept; nothing else leaks in from the test run)."""

    def run(
        *args: str, env: dict[str, str], timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env={**base, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
