from django.urls import path

from hq_reports import views

app_name = "hq"
urlpatterns = [path("", views.console, name="console")]
