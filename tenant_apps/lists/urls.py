from django.urls import path

from tenant_apps.lists import views

app_name = "lists"
urlpatterns = [
    path("lists/<slug:list_key>/preferences/", views.preferences, name="preferences"),
    path("lists/<slug:list_key>/views/", views.view_create, name="view-create"),
    path("lists/views/<int:view_id>/delete/", views.view_delete, name="view-delete"),
    path("search/", views.search_page, name="search"),
    path("pick/customers/", views.pick_customers, name="pick-customers"),
    path("pick/products/", views.pick_products, name="pick-products"),
]
