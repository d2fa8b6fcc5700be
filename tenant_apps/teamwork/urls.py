"""Pages of the team's work (mounted under /kanban/): announcements, work assignments, daily reports."""

from django.urls import path

from tenant_apps.teamwork import views

app_name = "teamwork"
urlpatterns: list = [
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/<int:announcement_id>/", views.announcement_detail, name="announcement"),
    path("announcements/<int:announcement_id>/read/", views.announcement_read, name="announcement-read"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/status/", views.task_status, name="task-status"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
]
