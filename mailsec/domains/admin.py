from django.contrib import admin

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


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin):
    list_display = ["domain", "status", "kind", "created", "score"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["domain"]
