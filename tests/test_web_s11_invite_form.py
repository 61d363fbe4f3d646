"""An invitation to an address we refuse comes back with the address as typed, to correct:
the browser's own check passes `friend@example` (no dot), ours does not, and a redirect to an
empty form made the owner type it all again with no word of what was wrong with it."""

from __future__ import annotations

import re
from html import unescape

from django.core import mail
from django.test import override_settings

from mailsec.accounts.models import Invite
from tests.conftest import BaseTestCase
from tests.test_accounts import LOCMEM


@override_settings(CACHES=LOCMEM)
class InviteFormTests(BaseTestCase):
    def test_a_refused_address_comes_back_as_typed(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post("/team/invite/", {"email": "friend@example"})
        assert response.status_code == 400
        html = response.content.decode()
        field = re.search(r'<input[^>]*name="email"[^>]*>', html)
        assert field is not None
        assert 'value="friend@example"' in field.group(0)
        shown = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
        assert "friend@example is not an email address we can send to" in shown
        assert not Invite.objects.exists() and mail.outbox == []

    def test_the_corrected_address_is_invited(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post("/team/invite/", {"email": "friend@example.org"})
        assert response.status_code == 302
        assert Invite.objects.filter(email="friend@example.org").exists()
        page = self.client.get("/team/").content.decode()
        field = re.search(r'<input[^>]*name="email"[^>]*>', page)
        assert field is not None and "friend@example.org" not in field.group(0)

    def test_only_the_owner_gets_the_form_back(self) -> None:
        self.client.force_login(self.bob)
        assert self.client.post("/team/invite/", {"email": "friend@example"}).status_code == 404
