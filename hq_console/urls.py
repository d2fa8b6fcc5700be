"""HQ console pages on the public host: a store's domains and members, company policies, HQ
announcements, default automation rules."""

from django.urls import path

from hq_console import views

app_name = "hq_console"
urlpatterns = [
    path("stores/<int:store_id>/manage/", views.store_manage, name="manage-store"),
    path("stores/<int:store_id>/manage/domains/", views.store_domain_add, name="manage-domain-add"),
    path(
        "stores/<int:store_id>/manage/domains/<int:domain_id>/remove/",
        views.store_domain_remove,
        name="manage-domain-remove",
    ),
    path("stores/<int:store_id>/manage/members/", views.store_member_add, name="manage-member-add"),
    path(
        "stores/<int:store_id>/manage/members/<int:membership_id>/",
        views.store_member_change,
        name="manage-member-change",
    ),
    path("stores/<int:store_id>/manage/backups/", views.store_backup_now, name="manage-backup-now"),
    path("stores/<int:store_id>/manage/export/", views.store_export, name="manage-export"),
    path("stores/<int:store_id>/manage/close/", views.store_close, name="manage-close"),
    path("stores/<int:store_id>/manage/reopen/", views.store_reopen, name="manage-reopen"),
    path("policies/", views.policies, name="manage-policies"),
    path("announcements/", views.announcements, name="manage-announcements"),
    path("audit/sign-ins/", views.sign_ins, name="sign-ins"),
    path("automation/", views.default_rules, name="default-rules"),
    path("automation/<int:rule_id>/", views.default_rule, name="default-rule"),
    path("automation/<int:rule_id>/delete/", views.default_rule_delete, name="default-rule-delete"),
]
