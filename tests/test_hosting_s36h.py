"""Round s36h: Caddy's `ask` gate reads the name Caddy sends as one name, with at most the
one trailing dot of its absolute form (RFC 1034 §3.1). A name with an empty label
('mta-sts.example.org..', '.mta-sts.example.org', 'mta-sts..example.org') is no server name
(RFC 6066 §3: a host name of dotted labels) and gets no certificate: the gate stripped every
trailing dot, so 'mta-sts.example.org..' was read as ours (blind round s36h,
ask_gate_for_names_no_handshake_carries)."""

from __future__ import annotations

from tests.test_hosting import HostingCase, fake_dns


class AskGateNames(HostingCase):
    def ask(self, name: str) -> int:
        return self.client.get("/hosting/ask", {"domain": name}).status_code

    def test_it_refuses_names_with_an_empty_label(self) -> None:
        self.host()
        with fake_dns(points=True):
            for name in (
                "mta-sts.example.org..",
                "mta-sts.example.org...",
                ".mta-sts.example.org",
                "mta-sts..example.org",
            ):
                assert self.ask(name) == 403, name

    def test_it_still_takes_the_absolute_form_and_capitals(self) -> None:
        self.host()
        with fake_dns(points=True):
            for name in ("mta-sts.example.org", "mta-sts.example.org.", "MTA-STS.Example.ORG."):
                assert self.ask(name) == 200, name
