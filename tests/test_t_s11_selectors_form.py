"""The DKIM selectors form with a mistake in it comes back with what was typed and the error
beside the field: a redirect to the domain page brought back an empty field (or the selectors
saved before) and a message at the top, so the owner typed every selector again."""

from __future__ import annotations

import re
from html import unescape

from django.test import override_settings
from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains import LOCMEM


def selectors_field(html: str) -> str:
    """The <input> of the selectors form, as the page has it."""
    found = re.search(r'<input[^>]*name="selectors"[^>]*>', html)
    assert found is not None
    return found.group(0)


def shown_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@override_settings(CACHES=LOCMEM)  # the domain page is cached: a real cache, as in production
class SelectorsFormTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now(), dkim_selectors="s1"
        )
        self.page = f"/domains/{self.domain.code}/"
        self.client.force_login(self.alice)

    def test_a_bad_selector_keeps_what_was_typed(self) -> None:
        self.client.get(self.page)  # the page in the cache, as after a visit
        typed = "google selector1 bad_sel!!"
        response = self.client.post(f"{self.page}selectors/", {"selectors": typed})
        assert response.status_code == 400
        html = response.content.decode()
        field = selectors_field(html)
        assert unescape(re.search(r'value="([^"]*)"', field).group(1)) == typed  # type: ignore[union-attr]
        assert 'aria-invalid="true"' in field
        # The error beside the field, naming the selector at fault, and tied to the field.
        error = re.search(r'<p class="field-error" id="([^"]+)">(.*?)</p>', html, re.S)
        assert error is not None
        assert "'bad_sel!!' is not a valid DKIM selector" in unescape(error.group(2))
        assert error.group(1) in field
        # The form posts with this request's CSRF token, not the cached page's stand-in.
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None and len(token.group(1)) > 32
        # Nothing saved.
        self.domain.refresh_from_db()
        assert self.domain.dkim_selectors == "s1"
        # The page as typed was not cached: the next visit shows what is saved.
        page = self.client.get(self.page).content.decode()
        assert 'value="s1"' in selectors_field(page)
        assert "bad_sel" not in shown_text(page)

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.post(f"{self.page}selectors/", {"selectors": "bad_sel!!"})
        assert response.status_code == 404
        assert "bad_sel" not in response.content.decode()

    def test_valid_selectors_still_save_and_redirect(self) -> None:
        response = self.client.post(f"{self.page}selectors/", {"selectors": "google, Selector1"})
        assert response.status_code == 302
        self.domain.refresh_from_db()
        assert self.domain.dkim_selectors == "google selector1"
        page = self.client.get(self.page).content.decode()
        field = selectors_field(page)
        assert 'value="google selector1"' in field and "aria-invalid" not in field

    def test_an_unverified_domain_is_told_the_error_at_the_top(self) -> None:
        """Its page has no selectors form (a tab left open from before control was lost)."""
        self.domain.verified_at = None
        self.domain.save(update_fields=["verified_at"])
        response = self.client.post(f"{self.page}selectors/", {"selectors": "bad_sel!!"})
        assert response.status_code == 400
        assert "'bad_sel!!' is not a valid DKIM selector" in shown_text(response.content.decode())
        self.domain.refresh_from_db()
        assert self.domain.dkim_selectors == "s1"
