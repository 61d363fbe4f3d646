"""The account pages' fields name the help the template writes in the site's words
(templates/account/_field.html `help=`) in aria-describedby: Django names only a form field's
own help text, so "We email it a code to confirm it is yours" under the add-address field was
never read out when the input took focus."""

from __future__ import annotations

import re

from tests.conftest import BaseTestCase


class FieldHelpTestCase(BaseTestCase):
    def test_the_add_address_field_names_its_help(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get("/accounts/email/").content.decode()
        [field] = re.findall(r'<input[^>]*id="id_email"[^>]*>', page)
        described = re.search(r'aria-describedby="([^"]+)"', field)
        assert described is not None, field
        for id_ in described.group(1).split():
            assert f'id="{id_}"' in page
        assert 'id="id_email_helptext">We email it a code to confirm it is yours.' in page

    def test_with_an_error_it_names_the_error_too(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.post(
            "/accounts/email/", {"action_add": "", "email": "not an address"}
        ).content.decode()
        [field] = re.findall(r'<input[^>]*id="id_email"[^>]*>', page)
        assert 'aria-describedby="id_email_helptext id_email_error"' in field
        assert 'aria-invalid="true"' in field
        assert 'id="id_email_error"' in page
