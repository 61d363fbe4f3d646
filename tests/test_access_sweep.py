"""Access control, URL by URL: every pattern the project answers is classified here, and each
one that names an object of a team is requested by an outsider (404, nothing changed, no probe
started) and by someone signed out (sent to sign in). A new URL that is not classified fails
test_every_url_pattern_is_classified: whoever adds it decides who may reach it.

A viewer of the team (read-only) gets every page a member gets, and every team-scoped POST
is refused them with nothing changed and no probe started, except the few that are their own
(VIEWER_MAY_POST); their pages show no form posting to a refused URL. An htmx POST (Check now
pressed on a page opened before they were made a viewer) is refused with a fragment saying so
(200: htmx 2 swaps no 4xx answer), a plain one with the 403 page.

Also: an unverified domain is not checked, hosted, nor are its reports shown; a teammate
removed from the team loses access at once."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

import checks.engine
from mailsec.accounts.models import Invite, Membership, Profile
from mailsec.alerts.emails import unsubscribe_token
from mailsec.alerts.models import AlertSetting, Change, TeamAlertAddress
from mailsec.alerts.tasks import confirm_change
from mailsec.api.models import ApiKey
from mailsec.domains.models import CheckRun, Domain
from mailsec.domains.tasks import run_check, tick
from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from reports.models import RawReport, ReportAddress, TlsReport
from tests.conftest import BaseTestCase

# The sample report, about the domain the tests monitor.
SAMPLE = (
    (Path(__file__).parent / "data" / "tlsrpt" / "sample.json")
    .read_bytes()
    .replace(b"acme.test", b"acme.test")
)
# A private cache: rate-limit counters and cached pages don't leak between tests.
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGIN_URL = "/accounts/login/"

# --- The classification ------------------------------------------------------------------------
# Every URL pattern's name (namespace:name) is in exactly one of these (admin's are classified
# by their namespace). Adding a URL means adding it here, with the access it is meant to have.

# Anyone may use these, and they name no object of a team.
PUBLIC = {
    "home": "the landing page",
    "healthz": "the load balancer's probe",
    "freecheck": "the free check's form",
    "freecheck-api": "the free check's API, by domain name; no stored object of a team",
    "api:no_such_endpoint": "the team API's JSON 404 for any other path under /api/v1/",
    "scoring-rubric": "the public scoring rubric",
    "accounts:confirm_code": "sign-up and sign-in codes (allauth's flow)",
}
# allauth's own pages: signing in, up and out, codes, passwords, and allauth.mfa's two-factor
# sign-in (each the signed-in person's own; tests/test_accounts_s21_mfa.py sends the signed-out
# to sign in). None takes an id here.
ALLAUTH_PREFIX = ("account_", "mfa_")

# Public, with an identifier that is itself the authorisation (each has a test below showing
# that it reaches no team's objects without that exact token).
PUBLIC_BY_TOKEN = {
    "freecheck-report": "a free check's permalink (a FreeCheck, never a monitored run)",
    "freecheck-results": "the htmx partial of a free check's permalink",
    "freecheck-again": "Check again now on a free check's permalink (a fresh FreeCheck)",
    "reports:receive": "TLS-RPT intake (RFC 8460 §5.4): the token is published in DNS",
    "reports:receive_slash": "the same intake with a trailing slash (a URI published with one)",
    "alerts:unsubscribe": "one-click unsubscribe (RFC 8058): a signed token",
    "accounts:invite": "an invitation link: POST needs the invited address's account",
    "alerts:confirm_address": "a team's extra alert address confirms by the token mailed to it",
}

# Signed in, no object id: the view works on the signed-in person's current team.
SIGNED_IN = {
    "domains:index": ("get",),
    "domains:add": ("post",),
    "domains:add_many": ("get", "post"),
    # The current team's domains only (the sweep below: an outsider's export is their own).
    "domains:export_csv": ("get",),
    # The current team's challenge records still to publish (s35q); a viewer reads them too.
    "domains:records_csv": ("get",),
    # Verify all (s25m): the current team's unverified domains; a viewer is refused (403).
    "domains:verify_all": ("post",),
    # TLS reports of every domain of the person's teams (s35t): their own teams' only.
    "reports:all_domains": ("get",),
    "alerts:settings": ("get",),
    "alerts:set_weekly": ("post",),
    "alerts:resubscribe": ("post",),
    "accounts:account": ("get",),
    # The person's own time zone (Profile.time_zone); nothing of the team.
    "accounts:time_zone": ("post",),
    "accounts:team": ("get",),
    "accounts:invite_create": ("post",),
    "accounts:team_rename": ("post",),
    # A new team of the person's own (the form, and making it): nothing of the current team's.
    "accounts:team_create": ("get", "post"),
    # A new API key of the current team: its owner only (mailsec.api.views.key_create).
    "api:key_create": ("post",),
}

# The team API (mailsec.api): no session, no cookie; a team's API key in the Authorization
# (or X-Api-Key) header is the authorisation, and it reaches its own team's domains only. The
# name in the URL is looked up in the key's team alone: another team's is a 404 like a name
# that does not exist (ApiKeyUrlsTestCase below; tests/test_api_s20.py for the rest).
BY_API_KEY = {
    "api:domains": "the key's team's domains",
    "api:domain": "one of the key's team's domains, by name",
    "api:history": "the score history of one of the key's team's domains, by name",
}


@dataclass
class Owned:
    """A URL naming an object of alice's team, the methods its view answers, and (htmx) whether
    htmx requests it too."""

    methods: tuple[str, ...]
    kwargs: Callable[[OwnedObjects], dict[str, Any]]
    query: Callable[[OwnedObjects], str] = lambda o: ""
    htmx: bool = False


@dataclass
class OwnedObjects:
    domain: Domain
    run: CheckRun
    address: ReportAddress
    raw: RawReport
    report: TlsReport
    policy: HostedPolicy
    invite: Invite
    bobs_membership: Membership
    team_address: TeamAlertAddress
    api_key: ApiKey


def domain_code(o: OwnedObjects) -> dict[str, Any]:
    return {"code": o.domain.code}


def token(o: OwnedObjects) -> dict[str, Any]:
    return {"token": o.address.token}


OWNED: dict[str, Owned] = {
    "domains:details": Owned(("get",), domain_code),
    "domains:verify": Owned(("post",), domain_code),
    "domains:remove": Owned(("post",), domain_code),
    "domains:selectors": Owned(("post",), domain_code),
    "domains:check": Owned(("post",), domain_code, htmx=True),
    "domains:compare": Owned(("get",), domain_code),
    "domains:progress": Owned(
        ("get",), lambda o: {"code": o.domain.code, "run_code": o.run.code}, htmx=True
    ),
    "alerts:set_mode": Owned(("post",), domain_code),
    # One mode for every domain of the team, or for its domains added later (the person's own).
    "alerts:set_all": Owned(("post",), lambda o: {"code": o.domain.team.code}),
    "alerts:set_default": Owned(("post",), lambda o: {"code": o.domain.team.code}),
    "hosting:page": Owned(("get",), domain_code),
    # The records' live state: loaded by htmx into the page, or opened as a link without it.
    "hosting:records": Owned(("get",), domain_code, htmx=True),
    # Every event of the hosted policy, paged (the hosting page shows the latest 30).
    "hosting:events": Owned(("get",), domain_code),
    "hosting:enable": Owned(("post",), domain_code),
    "hosting:update": Owned(("post",), domain_code),
    "hosting:suggest": Owned(("post",), domain_code),
    "hosting:sync": Owned(("post",), domain_code),
    "hosting:enforce": Owned(("post",), domain_code),
    "hosting:disable": Owned(("post",), domain_code),
    "reports:dashboard": Owned(("get",), token),
    "reports:report": Owned(("get",), lambda o: {**token(o), "report_id": o.report.public_id}),
    "reports:raw_json": Owned(("get",), lambda o: {**token(o), "raw_id": o.raw.public_id}),
    "reports:export_csv": Owned(("get",), token),
    "accounts:invite_revoke": Owned(("post",), lambda o: {"token": o.invite.token}),
    "accounts:member_remove": Owned(("post",), lambda o: {"code": o.bobs_membership.code}),
    # A teammate made a member or a viewer: the team's owner only.
    "accounts:member_role": Owned(("post",), lambda o: {"code": o.bobs_membership.code}),
    # A teammate made the team's owner (the owner becomes a member): the owner only. The
    # sweep's post has no confirm, so the owner gets the question and nothing changes.
    "accounts:hand_over": Owned(("post",), lambda o: {"code": o.bobs_membership.code}),
    "accounts:switch_team": Owned(("post",), lambda o: {"code": o.domain.team.code}),
    # Deleting the team (s25m): its owner only; the sweep's post types no name, so the owner
    # gets the form again and nothing is deleted. Its GET, the owner's page asking to
    # confirm, is 404 to a viewer too (the sweep's pages are those a viewer may read):
    # tests/test_accounts_s25m.py asks it as member, viewer and outsider.
    "accounts:team_delete": Owned(("post",), lambda o: {"code": o.domain.team.code}),
    # The team's extra alert addresses: its owner adds, removes and sets them.
    "alerts:add_address": Owned(("post",), lambda o: {"code": o.domain.team.code}),
    "alerts:remove_address": Owned(("post",), lambda o: {"code": o.team_address.code}),
    "alerts:set_address_mode": Owned(("post",), lambda o: {"code": o.team_address.code}),
    # The team's API keys: its owner revokes them.
    "api:key_revoke": Owned(("post",), lambda o: {"code": o.api_key.code}),
}
# Query strings naming a second object, tried as well: a run of the domain, compared runs.
OWNED_VARIANTS: dict[str, Callable[[OwnedObjects], str]] = {
    "domains:details": lambda o: f"?run={o.run.code}",
    "domains:compare": lambda o: f"?from={o.run.code}&to={o.run.code}",
}
# What the forms post: valid values, so a view could only refuse for want of access.
FORM_DATA = {
    "mode": "off",
    "selectors": "s1",
    "pattern": "*.example.net",
    "max_age": "86400",
    "extra": "",
    "role": "viewer",
    "time_zone": "Europe/Berlin",
    "name": "Client team",
}
# What a viewer of the team may post: their own alert emails (per domain, for all of the
# team's, for domains added later, the weekly summary, undoing "unsubscribe from all"),
# switching teams and making a team of their own. Leaving the team (member_remove of their
# own membership) is theirs too (ViewerTestCase); the sweep's member_remove names bob's,
# which only the owner removes.
VIEWER_MAY_POST = {
    "alerts:set_mode",
    "alerts:set_all",
    "alerts:set_default",
    "alerts:set_weekly",
    "alerts:resubscribe",
    "accounts:switch_team",
    "accounts:time_zone",
    "accounts:team_create",
}
# The owner's own changes: refused to anyone else in the team, a viewer as a member, with the
# 404 they always answered (the viewer's 403 is for changes a member may make).
OWNER_ONLY = {
    "accounts:invite_create",
    "accounts:team_rename",
    "accounts:invite_revoke",
    "accounts:member_remove",
    "accounts:member_role",
    "accounts:hand_over",
    "accounts:team_delete",
    "alerts:add_address",
    "alerts:remove_address",
    "alerts:set_address_mode",
    "api:key_create",
    "api:key_revoke",
}
# Deliberately not 404: htmx keeps polling through a 404, so the progress partial answers a
# run that is gone or not the person's with 286 (stop polling) and a sentence that names
# nothing (domains.views.progress).
HTMX_STOP_POLLING = {"domains:progress"}
# Django's admin: staff only (admin_view sends everyone else to its sign-in page), except the
# sign-in and sign-out pages themselves.
ADMIN_NAMESPACE = "admin"
ADMIN_PUBLIC = {"admin:login", "admin:logout"}


@dataclass
class Pattern:
    name: str
    route: str
    params: tuple[str, ...]


def url_patterns() -> list[Pattern]:
    """Every pattern the project answers, with its namespaced name and its parameters (those
    of the resolvers it is included under too)."""

    def walk(
        patterns: list[URLPattern | URLResolver], prefix: str, params: tuple[str, ...], ns: str
    ) -> Iterator[Pattern]:
        for p in patterns:
            own = tuple(p.pattern.regex.groupindex)
            if isinstance(p, URLResolver):
                inner = f"{ns}:{p.namespace}" if ns and p.namespace else p.namespace or ns
                yield from walk(p.url_patterns, prefix + str(p.pattern), params + own, inner)
            else:
                route = prefix + str(p.pattern)
                name = f"{ns}:{p.name}" if ns and p.name else p.name or f"{ns}:<{route}>"
                yield Pattern(name, route, params + own)

    return list(walk(get_resolver().url_patterns, "", (), ""))


def classification(p: Pattern) -> str:
    if p.name.startswith(f"{ADMIN_NAMESPACE}:"):
        return "admin"
    if p.name in PUBLIC or p.name.startswith(ALLAUTH_PREFIX):
        return "public"
    if p.name in PUBLIC_BY_TOKEN:
        return "public by token"
    if p.name in SIGNED_IN:
        return "signed in"
    if p.name in OWNED:
        return "owned"
    if p.name in BY_API_KEY:
        return "api key"
    return ""


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the sessions (signing in writes one)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model is not Session
    }


class ProbeCalled(AssertionError):
    pass


@contextmanager
def probes_recorded() -> Iterator[list[str]]:
    """Record every network look-up a view could start (hosting's DNS facts, the challenge
    look-up, the engine), answering with harmless stand-ins; nothing leaves the machine."""
    calls: list[str] = []

    async def live_mx(dns: object, domain: str) -> lookups.MxLookup:
        calls.append(f"live_mx {domain}")
        return lookups.MxLookup(["mx1.acme.test"])

    async def points_at_us(dns: object, name: str) -> tuple[bool, str]:
        calls.append(f"points_at_us {name}")
        return True, "stub"

    async def sts_record(dns: object, domain: str, policy_id: str, zone: str) -> Any:
        calls.append(f"sts_record {domain}")
        return lookups.RecordState("txt", "stub")

    async def tlsrpt_record(dns: object, domain: str) -> list[str] | None:
        calls.append(f"tlsrpt_record {domain}")
        return []

    def look_up_challenge(domain: Domain, *_: Any) -> Any:
        calls.append(f"challenge {domain.name}")
        raise ProbeCalled(f"the challenge of {domain.name} was looked up")

    def engine(name: str, *args: object, **kwargs: object) -> Any:
        calls.append(f"engine {name}")
        raise ProbeCalled(f"{name} was checked")

    with (
        mock.patch.object(lookups, "live_mx", live_mx),
        mock.patch.object(lookups, "points_at_us", points_at_us),
        mock.patch.object(lookups, "sts_record", sts_record),
        mock.patch.object(lookups, "tlsrpt_record", tlsrpt_record),
        mock.patch.object(Domain, "_look_up_challenge", look_up_challenge),
        mock.patch.object(checks.engine, "check_domain_sync", engine),
    ):
        yield calls


class SweepCase(BaseTestCase):
    """alice's team monitors acme.test (verified, checked, hosted, with a TLS report) and has
    invited dana; bob is her teammate, vera a viewer of the team (read-only), charlie an
    outsider."""

    o: OwnedObjects
    vera: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.vera = User.objects.create_user("vera", "vera@example.org")
        Membership.objects.create(team=cls.team, user=cls.vera, role=Membership.Role.VIEWER)
        Profile.objects.create(user=cls.vera, current_team=cls.team)
        now = timezone.now()
        domain = Domain.objects.create(team=cls.team, name="acme.test", verified_at=now)
        run = CheckRun.objects.create(
            domain=domain,
            status=CheckRun.Status.DONE,
            score=80,
            score_version=1,
            mechanisms={"mx": "pass"},
            findings=[{"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "MX ok"}],
            finished=now,
        )
        domain.set_last_run(run)
        address = ReportAddress.for_domain(domain)
        raw, _ = RawReport.store(address, gzip.compress(SAMPLE), source=RawReport.HTTPS)
        raw.process()
        raw.refresh_from_db()
        assert raw.report is not None
        with probes_recorded():
            policy = service.enable(domain, now=now)
        cls.o = OwnedObjects(
            domain=domain,
            run=run,
            address=address,
            raw=raw,
            report=raw.report,
            policy=policy,
            invite=cls.team.invite("dana@example.org", cls.alice),
            bobs_membership=Membership.objects.get(team=cls.team, user=cls.bob),
            team_address=TeamAlertAddress.objects.create(team=cls.team, email="t@example.net"),
            api_key=ApiKey.create_for(cls.team, "sweep", cls.alice)[0],
        )

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def owned_urls(self, name: str) -> list[str]:
        url = reverse(name, kwargs=OWNED[name].kwargs(self.o))
        variant = OWNED_VARIANTS.get(name)
        return [url] + ([url + variant(self.o)] if variant else [])

    def request(self, method: str, url: str, htmx: bool = False) -> HttpResponse:
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        data = FORM_DATA if method == "post" else {}
        return getattr(self.client, method)(url, data, **extra)

    def assertLoginRedirect(self, r: HttpResponse, url: str) -> None:
        if "HX-Redirect" in r:
            self.assertTrue(r["HX-Redirect"].startswith(LOGIN_URL + "?next="), url)
        else:
            self.assertEqual(r.status_code, 302, url)
            self.assertTrue(r["Location"].startswith(LOGIN_URL + "?next="), (url, r["Location"]))


@override_settings(CACHES=LOCMEM)
class ClassificationTestCase(SweepCase):
    def test_every_url_pattern_is_classified(self) -> None:
        unclassified = [f"{p.name} ({p.route})" for p in url_patterns() if not classification(p)]
        self.assertEqual(unclassified, [], "classify these in tests/test_access_sweep.py")

    def test_only_owned_and_token_urls_take_an_identifier(self) -> None:
        # Public and signed-in pages work on no object named in the URL; anything that takes
        # an id must be checked against its owner's team (OWNED), be a token (tested below) or
        # be looked up in the team of the request's API key (BY_API_KEY).
        for p in url_patterns():
            if p.params and classification(p) not in (
                "owned",
                "public by token",
                "api key",
                "admin",
            ):
                self.fail(f"{p.name} ({p.route}) takes {p.params} but is {classification(p)}")

    def test_the_classification_names_only_urls_that_exist(self) -> None:
        names = {p.name for p in url_patterns()}
        listed = {*PUBLIC, *PUBLIC_BY_TOKEN, *SIGNED_IN, *OWNED, *BY_API_KEY, *ADMIN_PUBLIC}
        self.assertEqual(listed - names, set())


@override_settings(CACHES=LOCMEM)
class OwnedUrlsTestCase(SweepCase):
    def test_the_owner_reaches_every_owned_url(self) -> None:
        # Else the sweep below would prove nothing: a URL filled wrongly is a 404 for anyone.
        self.client.force_login(self.alice)
        with probes_recorded():
            for name, owned in OWNED.items():
                for url in self.owned_urls(name):
                    for method in owned.methods:
                        with self.subTest(name=name, url=url, method=method):
                            try:
                                with transaction.atomic():
                                    r = self.request(method, url)
                                    raise _Undo
                            except _Undo:
                                pass
                            self.assertNotEqual(r.status_code, 404)
                            self.assertLess(r.status_code, 500)

    def test_an_outsider_reaches_no_owned_url_and_changes_nothing(self) -> None:
        self.client.force_login(self.charlie)
        before = snapshot()
        with probes_recorded() as probes, self.captureOnCommitCallbacks() as queued:
            for name, owned in OWNED.items():
                for url in self.owned_urls(name):
                    for method in ("get", "post"):
                        for htmx in (False, True) if owned.htmx else (False,):
                            with self.subTest(name=name, url=url, method=method, htmx=htmx):
                                r = self.request(method, url, htmx=htmx)
                                if method not in owned.methods:
                                    self.assertIn(r.status_code, (404, 405))
                                elif htmx and name in HTMX_STOP_POLLING:
                                    self.assertEqual(r.status_code, 286)
                                    self.assertNotContains(r, "acme.test", status_code=286)
                                else:
                                    self.assertEqual(r.status_code, 404)
        self.assertEqual(probes, [])
        self.assertEqual(queued, [])
        self.assertEqual(snapshot(), before)

    def test_someone_signed_out_is_sent_to_sign_in(self) -> None:
        before = snapshot()
        with probes_recorded() as probes:
            for name, owned in OWNED.items():
                for url in self.owned_urls(name):
                    for method in owned.methods:
                        for htmx in (False, True) if owned.htmx else (False,):
                            with self.subTest(name=name, url=url, method=method, htmx=htmx):
                                self.assertLoginRedirect(self.request(method, url, htmx), url)
            for name, methods in SIGNED_IN.items():
                for method in methods:
                    with self.subTest(name=name, method=method):
                        url = reverse(name)
                        self.assertLoginRedirect(self.request(method, url), url)
        self.assertEqual(probes, [])
        self.assertEqual(snapshot(), before)

    def test_a_teammate_removed_from_the_team_loses_access_at_once(self) -> None:
        self.client.force_login(self.bob)
        # Seen while in the team: the pages are in the cache now.
        with probes_recorded():
            for name in ("domains:details", "reports:dashboard", "hosting:page"):
                self.assertContains(self.client.get(self.owned_urls(name)[0]), "acme.test")
        Membership.objects.filter(team=self.team, user=self.bob).delete()
        with probes_recorded() as probes:
            for name, owned in OWNED.items():
                if name == "accounts:member_remove":
                    continue  # bob's own membership, gone: "no longer in the team" is the answer
                for url in self.owned_urls(name):
                    for method in owned.methods:
                        with self.subTest(name=name, url=url, method=method):
                            self.assertEqual(self.request(method, url).status_code, 404)
        self.assertEqual(probes, [])
        for name, methods in SIGNED_IN.items():
            if "get" in methods:
                r = self.client.get(reverse(name))
                self.assertEqual(r.status_code, 200, name)
                self.assertNotContains(r, "acme.test", msg_prefix=name)
                self.assertNotContains(r, str(self.o.domain.code), msg_prefix=name)

    def test_signed_in_pages_show_an_outsider_none_of_the_team(self) -> None:
        self.client.force_login(self.charlie)
        for name, methods in SIGNED_IN.items():
            if "get" in methods:
                r = self.client.get(reverse(name))
                self.assertEqual(r.status_code, 200, name)
                for secret in ("acme.test", str(self.o.domain.code), "bob@example.org"):
                    self.assertNotContains(r, secret, msg_prefix=name)


def form_targets(r: HttpResponse) -> set[str]:
    """Where the page's forms and htmx requests post to."""
    body = b"".join(r.streaming_content) if r.streaming else r.content  # type: ignore[attr-defined]
    return set(re.findall(r'(?:action|hx-post)="([^"]+)"', body.decode()))


@override_settings(CACHES=LOCMEM)
class ViewerTestCase(SweepCase):
    def refused_posts(self) -> list[tuple[str, str, bool]]:
        """(name, URL, htmx) of every POST the sweep knows but the viewer's own ones."""
        posts = []
        for name, owned in OWNED.items():
            if "post" in owned.methods and name not in VIEWER_MAY_POST:
                for url in self.owned_urls(name):
                    for htmx in (False, True) if owned.htmx else (False,):
                        posts.append((name, url, htmx))
        for name, methods in SIGNED_IN.items():
            if "post" in methods and name not in VIEWER_MAY_POST:
                posts.append((name, reverse(name), False))
        return posts

    def test_the_lists_name_post_urls_that_exist(self) -> None:
        posts = {n for n, o in OWNED.items() if "post" in o.methods}
        posts |= {n for n, methods in SIGNED_IN.items() if "post" in methods}
        self.assertEqual((VIEWER_MAY_POST | OWNER_ONLY) - posts, set())
        self.assertEqual(VIEWER_MAY_POST & OWNER_ONLY, set())

    def test_a_viewer_changes_nothing_of_the_team(self) -> None:
        self.client.force_login(self.vera)
        before = snapshot()  # after signing in, which stamps last_login
        refused = self.refused_posts()
        self.assertGreater(len(refused), 20)
        with probes_recorded() as probes, self.captureOnCommitCallbacks() as queued:
            for name, url, htmx in refused:
                with self.subTest(name=name, url=url, htmx=htmx):
                    r = self.request("post", url, htmx=htmx)
                    if name in OWNER_ONLY:
                        self.assertEqual(r.status_code, 404)
                    elif htmx:
                        # Swapped into the page where the answer would show: a fragment.
                        self.assertContains(r, "read-only access to this team")
                        self.assertNotContains(r, "<html")
                    else:
                        self.assertContains(r, "read-only access to this team", status_code=403)
        self.assertEqual(probes, [])
        self.assertEqual(queued, [])
        self.assertEqual(snapshot(), before)

    def test_a_viewer_gets_every_page_without_forms_that_change_the_team(self) -> None:
        refused = {url for _, url, _ in self.refused_posts()}
        # As bob, a member, the same pages post to these: the check below can see them.
        self.client.force_login(self.bob)
        with probes_recorded():
            seen = form_targets(self.client.get(self.owned_urls("domains:details")[0]))
            seen |= form_targets(self.client.get(self.owned_urls("hosting:page")[0]))
            seen |= form_targets(self.client.get(reverse("domains:index")))
        for name in ("domains:check", "domains:remove", "domains:selectors", "hosting:sync"):
            self.assertIn(self.owned_urls(name)[0], seen, name)
        self.assertIn(reverse("domains:add"), seen)
        self.client.force_login(self.vera)
        pages = [
            (name, url, htmx)
            for name, owned in OWNED.items()
            if "get" in owned.methods
            for url in self.owned_urls(name)
            for htmx in ((False, True) if owned.htmx else (False,))
        ]
        pages += [(name, reverse(name), False) for name, m in SIGNED_IN.items() if "get" in m]
        with probes_recorded():
            for name, url, htmx in pages:
                with self.subTest(name=name, url=url, htmx=htmx):
                    r = self.request("get", url, htmx=htmx)
                    if name == "domains:progress" and not htmx:
                        # Opened as a page, the progress partial leads to the domain's page
                        # (s42p), which the viewer reads as any other.
                        details = self.owned_urls("domains:details")[0]
                        self.assertRedirects(r, details, fetch_redirect_response=False)
                        r = self.client.get(details)
                    self.assertEqual(r.status_code, 200)
                    self.assertEqual(form_targets(r) & refused, set())
        r = self.client.get(self.owned_urls("domains:details")[0])
        self.assertContains(r, "You have read-only access to this team.")
        self.assertContains(r, "acme.test")

    def test_a_viewers_own_things_stay_theirs(self) -> None:
        self.client.force_login(self.vera)
        with probes_recorded() as probes:
            for name in sorted(VIEWER_MAY_POST):
                url = reverse(name, kwargs=OWNED[name].kwargs(self.o)) if name in OWNED else None
                with self.subTest(name=name):
                    try:
                        with transaction.atomic():
                            r = self.request("post", url or reverse(name))
                            raise _Undo
                    except _Undo:
                        pass
                    self.assertEqual(r.status_code, 302, name)
        self.assertEqual(probes, [])
        # Leaving the team is theirs too.
        own = Membership.objects.get(team=self.team, user=self.vera)
        r = self.client.post(reverse("accounts:member_remove", args=[own.code]))
        self.assertEqual(r.status_code, 302)
        self.assertIsNone(self.team.role_of(self.vera))


@override_settings(CACHES=LOCMEM)
class ApiKeyUrlsTestCase(SweepCase):
    def api_urls(self) -> dict[str, str]:
        urls = {}
        for name in BY_API_KEY:
            kwargs = {"name": self.o.domain.name} if name != "api:domains" else {}
            urls[name] = reverse(name, kwargs=kwargs)
        return urls

    def test_a_session_is_no_key_and_an_outsiders_key_reaches_nothing(self) -> None:
        alices = ApiKey.create_for(self.team, "alice's", None)[1]
        charlies = ApiKey.create_for(self.charlies_team, "charlie's", None)[1]
        urls = self.api_urls()
        self.assertEqual(set(urls), set(BY_API_KEY))
        for name, url in urls.items():
            with self.subTest(name=name):
                # Her own key reaches it, so the answers below are the scope's.
                self.assertContains(
                    self.client.get(url, HTTP_AUTHORIZATION=f"Bearer {alices}"), "acme.test"
                )
                for who in (None, self.alice, self.charlie):
                    if who is None:
                        self.client.logout()
                    else:
                        self.client.force_login(who)
                    r = self.client.get(url)
                    self.assertEqual(r.status_code, 401, who)
                    self.assertNotContains(r, "acme.test", status_code=401)
                r = self.client.get(url, HTTP_AUTHORIZATION=f"Bearer {charlies}")
                self.assertEqual(r.status_code, 200 if name == "api:domains" else 404)
                self.assertNotContains(r, "acme.test", status_code=r.status_code)
                self.assertNotContains(r, str(self.o.domain.code), status_code=r.status_code)


class _Undo(Exception):
    """Rolls back what the owner's request changed (a removed domain, a new run)."""


@override_settings(CACHES=LOCMEM)
class AdminTestCase(SweepCase):
    def admin_urls(self) -> list[str]:
        values = {"app_label": "domains", "content_type_id": 1, "url": "domains/"}
        urls = []
        for p in url_patterns():
            if classification(p) != "admin" or p.name in ADMIN_PUBLIC:
                continue
            if p.name.endswith(f":<{p.route}>"):
                urls.append("/admin/domains/nothing-here/")  # the catch-all
                continue
            kwargs = {k: values.get(k, str(self.o.domain.pk)) for k in p.params}
            urls.append(reverse(p.name, kwargs=kwargs))
        return urls

    def test_admin_is_for_staff_only(self) -> None:
        urls = self.admin_urls()
        self.assertGreater(len(urls), 20)
        for who in (self.charlie, self.alice, None):
            if who is None:
                self.client.logout()
            else:
                self.client.force_login(who)
            before = snapshot()  # after signing in, which stamps last_login
            for url in urls:
                for method in ("get", "post"):
                    with self.subTest(who=who, url=url, method=method):
                        r = getattr(self.client, method)(url)
                        self.assertEqual(r.status_code, 302)
                        self.assertTrue(r["Location"].startswith("/admin/login/"), r["Location"])
            self.assertEqual(snapshot(), before)


@override_settings(CACHES=LOCMEM)
class PublicByTokenTestCase(SweepCase):
    def test_a_free_check_permalink_never_shows_a_monitored_run(self) -> None:
        for name in ("freecheck-report", "freecheck-results"):
            r = self.client.get(reverse(name, kwargs={"code": self.o.run.code}))
            self.assertEqual(r.status_code, 404, name)
        r = self.client.post(reverse("freecheck-again", kwargs={"code": self.o.run.code}))
        self.assertEqual(r.status_code, 404)

    def test_report_intake_only_takes_reports_and_shows_nothing(self) -> None:
        url = reverse("reports:receive", kwargs=token(self.o))
        self.client.force_login(self.charlie)
        r = self.client.get(url)
        self.assertEqual(r.status_code, 405)
        self.assertNotContains(r, "acme.test", status_code=405)

    def test_an_unsubscribe_token_must_be_signed(self) -> None:
        AlertSetting.set_mode(self.alice, self.o.domain, AlertSetting.Mode.IMMEDIATE)
        real = unsubscribe_token(self.alice, self.o.domain)
        forged = real[:-2] + ("AA" if not real.endswith("AA") else "BB")
        before = snapshot()
        for bad in (forged, "not-a-token", str(self.o.domain.code)):
            r = self.client.post(reverse("alerts:unsubscribe", kwargs={"token": bad}))
            self.assertEqual(r.status_code, 400, bad)
            self.assertNotContains(r, "acme.test", status_code=400)
        self.assertEqual(snapshot(), before)

    def test_an_invitation_is_accepted_only_by_the_invited_address(self) -> None:
        url = reverse("accounts:invite", kwargs={"token": self.o.invite.token})
        self.client.force_login(self.charlie)
        before = snapshot()
        self.assertEqual(self.client.post(url).status_code, 404)
        self.client.logout()
        r = self.client.post(url)
        self.assertEqual(r.status_code, 404)
        self.assertEqual(snapshot(), before)
        self.assertIsNone(self.team.role_of(self.charlie))


@override_settings(CACHES=LOCMEM)
class UnverifiedDomainTestCase(BaseTestCase):
    """alice's own domain, added and not verified (yet, or any more)."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.domain = Domain.objects.create(team=self.team, name="acme.test")
        self.client.force_login(self.alice)

    def test_it_is_never_due_for_a_check(self) -> None:
        Domain.objects.filter(pk=self.domain.pk).update(
            next_check_at=timezone.now() - timezone.timedelta(days=1)
        )
        self.assertNotIn(self.domain, Domain.due(timezone.now()))
        with probes_recorded() as probes, self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(tick(), 0)
        self.assertFalse(self.domain.runs.exists())
        self.assertEqual(probes, [])

    def test_check_now_is_refused(self) -> None:
        with probes_recorded() as probes, self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(reverse("domains:check", args=[self.domain.code]), follow=True)
        self.assertContains(r, "Verify the domain first")
        self.assertFalse(self.domain.runs.exists())
        self.assertEqual(probes, [])

    def test_it_cannot_be_hosted(self) -> None:
        with probes_recorded() as probes:
            r = self.client.post(reverse("hosting:enable", args=[self.domain.code]), follow=True)
        self.assertContains(r, "Verify the domain first")
        self.assertFalse(HostedPolicy.objects.exists())
        self.assertEqual(probes, [])

    def test_a_policy_of_a_domain_no_longer_verified_is_not_served(self) -> None:
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=timezone.now())
        self.domain.refresh_from_db()
        with probes_recorded():
            service.enable(self.domain)
        policy_url = "/.well-known/mta-sts.txt"
        host = "mta-sts.acme.test"
        self.assertEqual(self.client.get(policy_url, HTTP_HOST=host).status_code, 200)
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None)
        self.assertEqual(self.client.get(policy_url, HTTP_HOST=host).status_code, 404)
        with probes_recorded() as probes:
            r = self.client.get("/hosting/ask", {"domain": host}, REMOTE_ADDR="127.0.0.1")
        self.assertEqual(r.status_code, 403)
        self.assertEqual(probes, [])

    def test_its_team_sees_no_reports_for_it(self) -> None:
        # Reports sent to its address are kept (nothing is lost, and they are its team's
        # again once verified), but shown only for a verified domain, as its page shows the
        # reports card only then: a team that lost control of the name (another team
        # proved it) would otherwise keep reading that name's mail traffic.
        address = ReportAddress.for_domain(self.domain)
        raw, _ = RawReport.store(address, gzip.compress(SAMPLE), source=RawReport.HTTPS)
        raw.process()
        raw.refresh_from_db()
        assert raw.report is not None
        urls = [
            reverse("reports:dashboard", args=[address.token]),
            reverse("reports:report", args=[address.token, raw.report.public_id]),
            reverse("reports:raw_json", args=[address.token, raw.public_id]),
            reverse("reports:export_csv", args=[address.token]),
        ]
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=timezone.now())
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_a_re_check_of_a_fix_does_not_probe_it(self) -> None:
        # Seen fixed once while verified; control lost (another team proved it) before the
        # re-check that would confirm the fix came due.
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=timezone.now())
        change = Change.objects.create(
            domain=self.domain,
            kind="finding",
            key="finding:SMTP-10|mx1.acme.test",
            summary="The certificate of mx1.acme.test expired.",
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
            recovery_seen_at=timezone.now(),
        )
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None, next_check_at=None)
        with probes_recorded() as probes, self.captureOnCommitCallbacks(execute=True):
            confirm_change.apply(args=[str(change.code)])
        self.assertFalse(self.domain.runs.exists())
        self.assertEqual(probes, [])
        # Not asked again and again by the sweep of overdue re-checks.
        self.assertNotIn(change, Change.overdue(timezone.now() + timezone.timedelta(hours=1)))

    def test_a_run_queued_before_control_was_lost_does_not_probe_it(self) -> None:
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=timezone.now())
        with self.captureOnCommitCallbacks(execute=False):
            run, _ = self.domain.request_check(kind="scheduled")
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None, next_check_at=None)
        with probes_recorded() as probes:
            run_check.apply(args=[str(run.code)])
        self.assertEqual(probes, [])
        run.refresh_from_db()
        self.assertNotIn(run.status, (CheckRun.Status.PENDING, CheckRun.Status.RUNNING))


@override_settings(CACHES=LOCMEM)
class SameNameTestCase(SweepCase):
    def test_an_outsider_adding_the_same_name_gets_none_of_the_owners(self) -> None:
        self.client.force_login(self.charlie)
        # As domains:add makes it (whose form refuses the reserved .test).
        theirs = Domain.objects.create(team=self.charlies_team, name="acme.test")
        self.assertFalse(theirs.is_verified)
        self.assertIsNone(theirs.last_run)
        self.assertNotEqual(ReportAddress.for_domain(theirs), self.o.address)
        owners = (str(self.o.run.code), self.o.address.token, str(self.o.domain.code))
        with probes_recorded() as probes:
            for url in (
                reverse("domains:details", args=[theirs.code]),
                reverse("hosting:page", args=[theirs.code]),
                reverse("domains:index"),
                reverse("alerts:settings"),
            ):
                r = self.client.get(url)
                self.assertEqual(r.status_code, 200, url)
                for secret in owners:
                    self.assertNotContains(r, secret, msg_prefix=url)
        self.assertEqual(probes, [])
        # Not checked, not hosted, until charlie proves control.
        self.client.post(reverse("domains:check", args=[theirs.code]))
        self.assertFalse(theirs.runs.exists())
        with probes_recorded() as probes:
            self.client.post(reverse("hosting:enable", args=[theirs.code]))
        self.assertEqual(probes, [])
        self.assertEqual(HostedPolicy.objects.get(name="acme.test"), self.o.policy)
