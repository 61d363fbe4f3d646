from django.contrib import admin

from mailsec.alerts.models import AlertSetting, AlertState, Change, Notification


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["domain", "kind", "subject", "state", "created", "confirmed_at"]
    list_filter = ["state", "kind"]
    search_fields = ["domain__name", "subject"]
    raw_id_fields = ["domain", "first_seen_run", "confirmed_run", "recovered_run"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "domain", "kind", "status", "attempts", "created", "sent_at"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["user", "domain", "changes"]


@admin.register(AlertSetting)
class AlertSettingAdmin(admin.ModelAdmin):
    list_display = ["user", "domain", "mode"]
    raw_id_fields = ["user", "domain"]


@admin.register(AlertState)
class AlertStateAdmin(admin.ModelAdmin):
    list_display = ["domain", "baseline_run", "last_run_created"]
    raw_id_fields = ["domain", "baseline_run", "last_run"]
