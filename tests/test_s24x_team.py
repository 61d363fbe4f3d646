"""s24x: the team page's invitation form.

It suggested a viewer "for a client", yet a viewer sees every domain of the team: an MSP
inviting one client that way would show them all its other clients' domains. The page now
says what a viewer sees, and how to give a client only theirs (a team of its own). And
"Send invitation" came before the "Joins as" choice it sends: the choice now comes first."""

from __future__ import annotations

import re

from tests.conftest import BaseTestCase
from tests.pages import words


class InviteFormTestCase(BaseTestCase):
    def form(self) -> str:
        self.client.force_login(self.alice)
        page = self.client.get("/team/").content.decode()
        found = re.search(r'<form[^>]*action="/team/invite/".*?</form>', page, re.S)
        assert found is not None
        return found.group(0)

    def test_it_says_a_viewer_sees_every_domain_of_the_team(self) -> None:
        form = words(self.form())
        self.assertNotIn("for a client", form)
        self.assertIn("A viewer sees every domain of this team and changes nothing", form)
        # How to give a client only their own domains.
        self.assertIn("make a team holding only that client's domains", form)
        self.assertIn("invite them there", form)

    def test_the_choice_of_role_comes_before_the_button_that_sends(self) -> None:
        form = self.form()
        self.assertLess(form.index('name="email"'), form.index('name="role"'))
        self.assertLess(form.index('name="role"'), form.index("Send invitation"))

    def test_it_checks_ownership(self) -> None:
        # Only the owner is offered the form; a teammate is not.
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get("/team/"), 'action="/team/invite/"')
