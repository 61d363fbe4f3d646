from django.contrib import admin

from mailsec.freecheck.models import FreeCheck


@admin.register(FreeCheck)
class FreeCheckAdmin(admin.ModelAdmin):
    """Read-only: for looking into abuse reports and stuck runs, not for editing results."""

    list_display = ("domain", "status", "created", "finished", "client_hash")
    list_filter = ("status",)
    search_fields = ("domain", "=code", "=client_hash")
    readonly_fields = [f.name for f in FreeCheck._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
