"""Hosted MTA-STS end to end in the lab: pebble issues, Caddy asks the app and proxies to it,
Knot carries our policy zone (hostpol.lab.test, TSIG UPDATEs from the app), and an independent
MTA-STS client (postfix-mta-sts-resolver 1.5.1, unmodified, in a mount namespace whose
resolv.conf points at the lab, trusting the lab CA and pebble's root) reads what senders read.

Scenario files: tests/lab/scenarios/hostpol.toml (our zone and policy host `sts`),
hosted01..03.toml (customers whose mta-sts/_mta-sts names CNAME to us). Each test restores
the zones it touched.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import dns.message
import dns.query
import dns.rcode
import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Profile, Team
from mailsec.domains.models import Domain
from mailsec.hosting import service, tasks
from mailsec.hosting.models import HostedPolicy
from tests.lab import acme
from tests.lab.control import Lab

pytestmark = pytest.mark.lab

POLICY_ZONE = "hostpol.lab.test"
POLICY_HOST = "sts.hostpol.lab.test"
POLICY_PATH = "/.well-known/mta-sts.txt"

# Runs inside the namespace with the client's own resolver (c-ares on /etc/resolv.conf) and
# aiohttp on the default trust store (SSL_CERT_FILE).
ORACLE_SCRIPT = """
import asyncio, json, sys
from postfix_mta_sts_resolver.resolver import STSResolver

async def main(domains):
    resolver = STSResolver(loop=asyncio.get_running_loop(), timeout=10)
    out = {}
    for d in domains:
        status, data = await resolver.resolve(d)
        out[d] = [status.name, data[0] if data else None, data[1] if data else None]
    return out

print(json.dumps(asyncio.run(main(sys.argv[1:]))))
"""


@pytest.fixture
def hosting(lab: Lab, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Lab:
    """The engine and the hosting code pointed at the lab; our zone is hostpol.lab.test."""
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    knot_host, _, knot_port = lab.authoritative.rpartition(":")
    settings.MAILSEC_POLICY_HOST = POLICY_HOST
    settings.MAILSEC_POLICY_ZONE = POLICY_ZONE
    settings.MAILSEC_POLICY_DNS_SERVER = (knot_host, int(knot_port))
    settings.MAILSEC_POLICY_TSIG_NAME = lab.state["tsig"]["name"]
    settings.MAILSEC_POLICY_TSIG_SECRET = lab.state["tsig"]["secret"]
    settings.MAILSEC_POLICY_TSIG_ALGORITHM = lab.state["tsig"]["algorithm"]
    return lab


@pytest.fixture
def customer(hosting: Lab) -> Iterator[Callable[[str], Domain]]:
    """Make a verified lab domain for alice's team; restore its zones afterwards."""
    used: list[str] = []

    def make(name: str) -> Domain:
        used.append(name)
        alice = User.objects.create_user(f"alice-{name}", f"alice@{name}")
        team = Team.create_for(alice)
        Profile.objects.create(user=alice, current_team=team)
        return Domain.objects.create(team=team, name=name, verified_at=timezone.now())

    yield make
    for name in used:
        hosting.update(name, replace=[("@", 300, "MX", f"10 mx1.{name}.")])
        hosting.update(POLICY_ZONE, delete=[(f"{name}.{POLICY_ZONE}.",)])
        hosting.flush(name)
    hosting.flush(POLICY_ZONE)


def zone_txt(lab: Lab, domain: str) -> list[str]:
    """What Knot itself serves in our zone for `domain` (no resolver cache in between)."""
    host, _, port = lab.authoritative.rpartition(":")
    query = dns.message.make_query(f"{domain}.{POLICY_ZONE}.", "TXT")
    query.flags = 0
    response = dns.query.udp(query, host, port=int(port), timeout=2)
    if response.rcode() != dns.rcode.NOERROR:
        return []
    return [b"".join(r.strings).decode() for rrset in response.answer for r in rrset]


def https_get(
    lab: Lab, edge: acme.Edge, host: str, path: str = POLICY_PATH
) -> tuple[int, dict[str, str], bytes, dict[str, Any]]:
    """GET over TLS the way a sender does: the name resolved by the lab resolver, SNI and the
    certificate check on the name, trusting only pebble's root."""
    address = lab.dns_resolver().resolve(host, "A")[0].address
    context = ssl.create_default_context(cafile=str(edge.pebble_root))
    with (
        socket.create_connection((address, 443), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        cert = tls.getpeercert()
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        response = http.client.HTTPResponse(tls)  # type: ignore[arg-type]
        response.begin()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body, cert


def issuer_cn(cert: dict[str, Any]) -> str:
    return next(v for rdn in cert["issuer"] for k, v in rdn if k == "commonName")


def run_oracle(
    lab: Lab, edge: acme.Edge, domains: list[str], tmp_path: Path
) -> dict[str, list[Any]]:
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to run the MTA-STS oracle")
    lab.flush()  # the resolver must see our zone as it is now
    host, _, port = lab.resolver.rpartition(":")
    assert port == "53", "resolv.conf cannot carry a port: the lab resolver must be on 53"
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {host}\noptions edns0 trust-ad\n")
    script = tmp_path / "oracle.py"
    script.write_text(ORACLE_SCRIPT)
    env = {**os.environ, "SSL_CERT_FILE": str(edge.bundle)}
    command = (
        f"mount --bind {resolv} /etc/resolv.conf && exec {sys.executable} {script} "
        + " ".join(domains)
    )
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def enable_as_owner(domain: Domain) -> HostedPolicy:
    client = Client()
    client.force_login(domain.team.memberships.get().user)
    response = client.post(reverse("hosting:enable", args=[domain.code]))
    assert response.status_code == 302
    policy = HostedPolicy.objects.get(domain=domain)
    assert policy.published_id == policy.policy_id, policy.last_sync_error
    return policy


@pytest.mark.django_db(transaction=True)
def test_a_newly_hosted_domain_gets_a_certificate_on_first_request_and_its_policy_is_served(
    customer: Callable[[str], Domain], edge: acme.Edge, hosting: Lab
) -> None:
    domain = customer("hosted01.lab.test")
    policy = enable_as_owner(domain)
    assert zone_txt(hosting, "hosted01.lab.test") == [f"v=STSv1; id={policy.policy_id};"]

    started = time.monotonic()
    status, headers, body, cert = https_get(hosting, edge, "mta-sts.hosted01.lab.test")
    first = time.monotonic() - started
    assert status == 200
    assert headers["content-type"] == "text/plain"
    assert body == policy.text.encode()
    assert (
        body
        == b"version: STSv1\r\nmode: testing\r\nmx: mx1.hosted01.lab.test\r\nmax_age: 604800\r\n"
    )
    assert "Pebble" in issuer_cn(cert)
    assert ("DNS", "mta-sts.hosted01.lab.test") in cert["subjectAltName"]
    assert "certificate obtained successfully" in edge.log("caddy")

    started = time.monotonic()
    assert https_get(hosting, edge, "mta-sts.hosted01.lab.test")[0] == 200
    again = time.monotonic() - started
    print(f"first request (with issuance) {first * 1000:.0f} ms, next {again * 1000:.0f} ms")

    # nothing else of the app on that name, even with a valid certificate
    for path in ("/", "/accounts/login/", f"/hosting/{domain.code}/", POLICY_PATH + ".bak"):
        status, _, body, _ = https_get(hosting, edge, "mta-sts.hosted01.lab.test", path)
        assert status == 404 and b"<html" not in body.lower(), path

    # the owner's page sees every record in place (through the lab resolver)
    client = Client()
    client.force_login(domain.team.memberships.get().user)
    # (the page's records partial, which looks them up; the page itself gives only the values)
    page = client.get(reverse("hosting:records", args=[domain.code])).content.decode()
    # The two records that make hosting work; the lab's TLS-RPT record sends reports
    # elsewhere, not to this domain's address, so that row asks for our address to be added.
    assert page.count('class="status-pass">yes') == 2, page
    assert "does not send reports to us yet" in page

    # the certificate watch reads what Caddy serves: pebble's are valid for years
    days = service.watch_certificate(policy)
    assert days is not None and days > 365


@pytest.mark.django_db(transaction=True)
def test_a_name_that_is_not_hosted_gets_no_certificate(
    customer: Callable[[str], Domain], edge: acme.Edge, hosting: Lab
) -> None:
    # mta-sts.stranger.hostpol.lab.test points at our host, but nobody hosts it
    with pytest.raises(ssl.SSLError):
        https_get(hosting, edge, "mta-sts.stranger.hostpol.lab.test")
    # a verified domain that is not hosted (yet) is refused too
    customer("hosted03.lab.test")
    with pytest.raises(ssl.SSLError):
        https_get(hosting, edge, "mta-sts.hosted03.lab.test")
    assert "certificate obtained successfully" not in "".join(
        line for line in edge.log("caddy").splitlines() if "stranger" in line or "hosted03" in line
    )


@pytest.mark.django_db(transaction=True)
def test_postfix_mta_sts_resolver_accepts_the_hosted_policy(
    customer: Callable[[str], Domain], edge: acme.Edge, hosting: Lab, tmp_path: Path
) -> None:
    policy = enable_as_owner(customer("hosted01.lab.test"))
    got = run_oracle(hosting, edge, ["hosted01.lab.test"], tmp_path)["hosted01.lab.test"]
    assert got[0] == "VALID", got
    assert got[1] == policy.policy_id
    assert got[2]["mode"] == "testing"
    assert got[2]["mx"] == ["mx1.hosted01.lab.test"]
    assert int(got[2]["max_age"]) == 604800


@pytest.mark.django_db(transaction=True)
def test_mx_migration_adds_at_once_and_removes_only_after_max_age(
    customer: Callable[[str], Domain], edge: acme.Edge, hosting: Lab, tmp_path: Path
) -> None:
    name = "hosted02.lab.test"
    policy = enable_as_owner(customer(name))
    first = policy.policy_id
    seen = run_oracle(hosting, edge, [name], tmp_path)[name]
    assert seen[:2] == ["VALID", first] and seen[2]["mx"] == [f"mx1.{name}"]

    # the customer moves mail to mx2 (TSIG UPDATE of their zone, as their DNS host would)
    hosting.update(name, replace=[("@", 300, "MX", f"10 mx2.{name}.")])
    hosting.flush(name)
    t0 = timezone.now()
    assert service.sync(policy, now=t0)
    policy.refresh_from_db()
    second = policy.policy_id
    assert second != first
    # at once: the new MX is in the policy and the new id in our zone
    assert zone_txt(hosting, name) == [f"v=STSv1; id={second};"]
    seen = run_oracle(hosting, edge, [name], tmp_path)[name]
    assert seen[:2] == ["VALID", second]
    assert sorted(seen[2]["mx"]) == [f"mx1.{name}", f"mx2.{name}"]
    assert policy.events.filter(kind="mx-added").exists()
    assert policy.events.filter(kind="mx-leaving").exists()

    # just before max_age: the old MX is still listed (senders may hold the old policy)
    assert not service.sync(policy, now=t0 + timedelta(seconds=policy.max_age - 60))
    policy.refresh_from_db()
    assert policy.policy_id == second and f"mx1.{name}" in policy.text

    # after max_age (time travelled): mx1 leaves, with a new id, and senders see it
    assert service.sync(policy, now=t0 + timedelta(seconds=policy.max_age + 60))
    policy.refresh_from_db()
    third = policy.policy_id
    assert third not in (first, second)
    assert zone_txt(hosting, name) == [f"v=STSv1; id={third};"]
    seen = run_oracle(hosting, edge, [name], tmp_path)[name]
    assert seen[:2] == ["VALID", third] and seen[2]["mx"] == [f"mx2.{name}"]
    assert policy.events.filter(kind="mx-removed").exists()


@pytest.mark.django_db(transaction=True)
def test_safe_disable_serves_mode_none_for_max_age_then_releases(
    customer: Callable[[str], Domain], edge: acme.Edge, hosting: Lab, tmp_path: Path
) -> None:
    name = "hosted03.lab.test"
    domain = customer(name)
    policy = enable_as_owner(domain)
    assert run_oracle(hosting, edge, [name], tmp_path)[name][2]["mode"] == "testing"

    client = Client()
    client.force_login(domain.team.memberships.get().user)
    client.post(reverse("hosting:disable", args=[domain.code]))
    policy.refresh_from_db()
    t0 = policy.release_at - timedelta(seconds=policy.max_age)
    status, _, body, _ = https_get(hosting, edge, f"mta-sts.{name}")
    assert status == 200 and b"mode: none\r\n" in body
    seen = run_oracle(hosting, edge, [name], tmp_path)[name]
    assert seen[0] == "VALID" and seen[1] == policy.policy_id and seen[2]["mode"] == "none"

    # still mode none just before max_age has passed
    service.sync(policy, now=t0 + timedelta(seconds=policy.max_age - 60))
    policy.refresh_from_db()
    assert policy.state == HostedPolicy.State.DISABLING
    assert b"mode: none\r\n" in https_get(hosting, edge, f"mta-sts.{name}")[2]

    # then released: no policy, no TXT in our zone, and senders find no MTA-STS
    service.sync(policy, now=t0 + timedelta(seconds=policy.max_age + 1))
    policy.refresh_from_db()
    assert policy.state == HostedPolicy.State.OFF
    assert https_get(hosting, edge, f"mta-sts.{name}")[0] == 404
    assert zone_txt(hosting, name) == []
    assert run_oracle(hosting, edge, [name], tmp_path)[name][0] == "NONE"


def ask_as_caddy(live_server: Any, name: str) -> int:
    """Caddy's on-demand TLS question, asked the way Caddy asks it (plain HTTP from here)."""
    url = f"{live_server.url}/hosting/ask?domain={name}"
    with httpx.Client(timeout=30) as client:
        return client.get(url).status_code


@pytest.mark.django_db(transaction=True)
def test_another_team_takes_over_a_name_still_winding_down(
    customer: Callable[[str], Domain], edge: acme.Edge, hosting: Lab, tmp_path: Path
) -> None:
    name = "hosted03.lab.test"
    domain = customer(name)
    enable_as_owner(domain)
    domain.delete()
    retiring = HostedPolicy.objects.get(name=name)
    assert retiring.domain is None and b"mode: none\r\n" in retiring.text.encode()
    assert zone_txt(hosting, name) == [f"v=STSv1; id={retiring.policy_id};"]

    bob = User.objects.create_user(f"bob-{name}", f"bob@{name}")
    team = Team.create_for(bob)
    Profile.objects.create(user=bob, current_team=team)
    theirs = Domain.objects.create(team=team, name=name, verified_at=timezone.now())
    policy = enable_as_owner(theirs)
    assert not HostedPolicy.objects.filter(pk=retiring.pk).exists()
    # the retiring id was replaced by the new one, never withdrawn in between
    assert zone_txt(hosting, name) == [f"v=STSv1; id={policy.policy_id};"]
    seen = run_oracle(hosting, edge, [name], tmp_path)[name]
    assert seen[:2] == ["VALID", policy.policy_id] and seen[2]["mode"] == "testing"


@pytest.mark.django_db(transaction=True)
def test_a_deleted_domain_keeps_mode_none_served_until_max_age_then_releases(
    customer: Callable[[str], Domain],
    edge: acme.Edge,
    hosting: Lab,
    live_server: Any,
    tmp_path: Path,
) -> None:
    name = "hosted02.lab.test"
    domain = customer(name)
    policy = enable_as_owner(domain)
    service.set_mode(policy, HostedPolicy.Mode.ENFORCE)
    policy.refresh_from_db()
    enforced = policy.policy_id
    seen = run_oracle(hosting, edge, [name], tmp_path)[name]
    assert seen[:2] == ["VALID", enforced] and seen[2]["mode"] == "enforce"

    # the owner moves mail elsewhere and deletes the domain, through the domain page
    owner = Client()
    owner.force_login(domain.team.memberships.get().user)
    assert owner.post(reverse("domains:remove", args=[domain.code])).status_code == 302
    assert not Domain.objects.filter(pk=domain.pk).exists()
    policy = HostedPolicy.objects.get(name=name)
    assert policy.domain is None and policy.state == HostedPolicy.State.DISABLING
    assert policy.policy_id != enforced
    assert zone_txt(hosting, name) == [f"v=STSv1; id={policy.policy_id};"]

    # senders that cached the enforce policy see the new id and fetch mode none
    status, _, body, _ = https_get(hosting, edge, f"mta-sts.{name}")
    assert status == 200 and body == policy.text.encode() and b"mode: none\r\n" in body
    seen = run_oracle(hosting, edge, [name], tmp_path)[name]
    assert seen[:2] == ["VALID", policy.policy_id] and seen[2]["mode"] == "none"
    assert ask_as_caddy(live_server, f"mta-sts.{name}") == 200  # the certificate renews

    # time travel past release_at, then the beat's release task: nothing is left
    assert policy.release_at is not None
    later = policy.release_at + timedelta(seconds=1)
    with mock.patch.object(timezone, "now", return_value=later):
        assert tasks.sync_all() == 1
    assert not HostedPolicy.objects.filter(name=name).exists()
    assert zone_txt(hosting, name) == []
    assert https_get(hosting, edge, f"mta-sts.{name}")[0] == 404
    assert ask_as_caddy(live_server, f"mta-sts.{name}") == 403
    assert run_oracle(hosting, edge, [name], tmp_path)[name][0] == "NONE"
