from django.urls import path

from hq_reports import views, views_dashboard, views_manage

app_name = "hq"
urlpatterns = [path("", views.console, name="console")]

urlpatterns += [
    path("stores/<int:store_id>/manage/", views_manage.store_manage, name="manage-store"),
    path("stores/<int:store_id>/manage/domains/", views_manage.store_domain_add, name="manage-domain-add"),
    path(
        "stores/<int:store_id>/manage/domains/<int:domain_id>/remove/",
        views_manage.store_domain_remove,
        name="manage-domain-remove",
    ),
    path("stores/<int:store_id>/manage/members/", views_manage.store_member_add, name="manage-member-add"),
    path(
        "stores/<int:store_id>/manage/members/<int:membership_id>/",
        views_manage.store_member_change,
        name="manage-member-change",
    ),
    path("policies/", views_manage.policies, name="manage-policies"),
    path("announcements/", views_manage.announcements, name="manage-announcements"),
]
urlpatterns += [
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("dashboard/stores/<int:store_id>/", views_dashboard.store_dashboard, name="dashboard-store"),
]
