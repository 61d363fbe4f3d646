from django.urls import path

from mailsec.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_settings, name="settings"),
    path("<uuid:code>/", views.set_mode, name="set_mode"),
    path("weekly/", views.set_weekly, name="set_weekly"),
    path("resubscribe/", views.resubscribe, name="resubscribe"),
    path("team/<uuid:code>/all/", views.set_all, name="set_all"),
    path("team/<uuid:code>/later/", views.set_default, name="set_default"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("team/<uuid:code>/addresses/", views.add_address, name="add_address"),
    path("addresses/<uuid:code>/remove/", views.remove_address, name="remove_address"),
    path("addresses/<uuid:code>/mode/", views.set_address_mode, name="set_address_mode"),
    path("address/<str:token>/", views.confirm_address, name="confirm_address"),
]
