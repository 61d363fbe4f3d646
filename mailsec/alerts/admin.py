from django.contrib import admin

from mailsec.alerts.models import AlertSetting, AlertState, Change, Notification, TeamAlertAddress


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["domain", "kind", "subject", "state", "created", "confirmed_at"]
    list_filter = ["state", "kind"]
    search_fields = ["domain__name", "subject"]
    raw_id_fields = ["domain", "first_seen_run", "confirmed_run", "recovered_run"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "to_address", "domain", "kind", "status", "attempts", "created"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["user", "team_address", "domain", "changes"]


@admin.register(TeamAlertAddress)
class TeamAlertAddressAdmin(admin.ModelAdmin):
    list_display = ["email", "team", "mode", "confirmed_at", "unsubscribed_at"]
    search_fields = ["email", "team__name"]
    raw_id_fields = ["team", "added_by", "muted_domains"]


@admin.register(AlertSetting)
class AlertSettingAdmin(admin.ModelAdmin):
    list_display = ["user", "domain", "mode"]
    raw_id_fields = ["user", "domain"]


@admin.register(AlertState)
class AlertStateAdmin(admin.ModelAdmin):
    list_display = ["domain", "baseline_run", "last_run_created"]
    raw_id_fields = ["domain", "baseline_run", "last_run"]
