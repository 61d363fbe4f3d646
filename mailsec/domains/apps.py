from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DomainsConfig(AppConfig):
    name = "mailsec.domains"
    label = "domains"

    def ready(self) -> None:
        from mailsec.accounts.models import Team
        from mailsec.domains import pagecache
        from mailsec.domains.models import CheckRun, Domain
        from mailsec.hosting.models import HostedPolicy

        # What the domain list and the domain page show (mailsec/domains/pagecache.py). A new
        # team or domain starts a new version too: SQLite hands out a rolled-back row's id
        # again, and its predecessor's pages must not be served for it.
        post_save.connect(pagecache.on_team, sender=Team)
        post_save.connect(pagecache.on_domain, sender=Domain)
        post_delete.connect(pagecache.on_domain, sender=Domain)
        post_save.connect(pagecache.on_hosted_policy, sender=HostedPolicy)
        post_delete.connect(pagecache.on_hosted_policy, sender=HostedPolicy)
        # Saved runs only: a receiver of CheckRun's post_delete would make Django load every
        # run it deletes (thin_runs, a domain's removal) instead of deleting them in one
        # statement. No page shows a deleted run that is not also a change of the domain.
        post_save.connect(pagecache.on_run, sender=CheckRun)
