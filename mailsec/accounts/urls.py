from django.urls import path

from mailsec.accounts import views

app_name = "accounts"

urlpatterns = [
    # Under allauth's prefix, but not one of its URLs: see views.confirm_code.
    path("accounts/code/", views.confirm_code, name="confirm_code"),
    path("account/", views.account, name="account"),
    path("account/time-zone/", views.set_time_zone, name="time_zone"),
    path("team/", views.team, name="team"),
    path("team/new/", views.create_team, name="team_create"),
    path("team/rename/", views.rename_team, name="team_rename"),
    path("team/invite/", views.invite, name="invite_create"),
    path("team/invites/<str:token>/revoke/", views.revoke_invite, name="invite_revoke"),
    path("team/members/<uuid:code>/remove/", views.remove_member, name="member_remove"),
    path("team/members/<uuid:code>/role/", views.set_member_role, name="member_role"),
    path("team/members/<uuid:code>/owner/", views.hand_over, name="hand_over"),
    path("team/<uuid:code>/switch/", views.switch_team, name="switch_team"),
    path("team/<uuid:code>/delete/", views.delete_team, name="team_delete"),
    path("invite/<str:token>/", views.accept_invite, name="invite"),
]
