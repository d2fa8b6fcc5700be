from django.urls import path

from tenant_apps.workspace import views, views_team

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("nav/", views.nav_partial, name="nav"),
    path("home/counters/", views.home_counters, name="home-counters"),
    path("team/", views.members, name="members"),
    path("team/api-keys/", views.api_keys_page, name="api_keys"),
    path("team/invite/", views_team.member_invite, name="member-invite"),
    path("team/<int:membership_id>/", views_team.member_detail, name="member"),
    path("channels/", views.channels, name="channels"),
    path("settings/", views.store_settings, name="settings"),
    path("settings/letterhead/", views.letterhead_page, name="letterhead"),
]
