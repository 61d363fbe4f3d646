from django.contrib import admin
from django.http import HttpRequest

from mailsec.domains.models import CheckRun, Domain


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "verified_at", "next_check_at"]
    search_fields = ["name"]
    raw_id_fields = ["team"]
    # Written together by CheckRun.finish (Domain.last_run_fields), never by hand.
    readonly_fields = [
        "last_run",
        "last_score",
        "last_checked_at",
        "last_worst",
        "week_ago_score",
        "last_failed_at",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Domain | None = None) -> list[str]:
        # A domain's team and name are what its owner proved control of (and what its TLS
        # report addresses belong to): moving it to another team would hand that team the
        # reports and hosting without a proof. Remove it and let the other team add it.
        return [*self.readonly_fields, *(["team", "name"] if obj is not None else [])]


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin):
    list_display = ["domain", "status", "kind", "created", "score"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["domain"]
