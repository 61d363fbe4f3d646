"""The domain page says what the certificate watch last read when it was no valid certificate
(task s39i, item 1). On the real stack (run once, task s39i), while the ACME CA
refuses a hosted name, Caddy holds every handshake open on its retries: the watch reads "could
not check" each time and tells nobody, and the page showed nothing about the certificate (only
a validity date, and there is none), so the owner who looks had no sign of it. The page now
says it: a bad reading as a warning, one that could not be made as a plain note. A valid
reading adds nothing beside the validity date."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import HostingCase


class CertReadingOnThePage(HostingCase):
    def page_after(self, error: str) -> str:
        policy = self.host()
        HostedPolicy.objects.filter(pk=policy.pk).update(
            cert_error=error, cert_checked_at=timezone.now() - timedelta(hours=3)
        )
        self.client.force_login(self.alice)
        response = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        assert response.status_code == 200
        return response.content.decode()

    def test_it_shows_a_reading_that_could_not_be_made(self) -> None:
        page = self.page_after("could not check: no complete answer within 16 s")
        assert 'id="cert-reading"' in page
        assert "mta-sts.example.org" in page.split('id="cert-reading"')[1].split("</p>")[0]
        assert "no complete answer within 16 s" in page
        assert "could not read" in page.lower()
        # The certificate watch reads on its own schedule (twice a day), not at a domain check.
        reading = page.split('id="cert-reading"')[1].split("</p>")[0]
        assert "next check" not in reading and "at the last check" not in reading
        assert "twice a day" in reading

    def test_it_shows_a_bad_reading_as_a_warning(self) -> None:
        page = self.page_after("certificate not accepted: certificate has expired")
        reading = page.split('id="cert-reading"')[1].split("</p>")[0]
        assert "certificate has expired" in reading
        assert 'class="status-warn"' in page.split('id="cert-reading"')[0].rsplit("<p", 1)[1]

    def test_it_adds_nothing_for_a_valid_reading(self) -> None:
        page = self.page_after("")
        assert 'id="cert-reading"' not in page
