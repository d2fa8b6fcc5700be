from django.urls import path

from tenant_apps.pool import views

app_name = "pool"
urlpatterns = [
    path("", views.pool_list, name="list"),
    path("<int:customer_id>/claim/", views.claim_form, name="claim"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:claim_id>/approve/", views.claim_approve, name="claim-approve"),
    path("claims/<int:claim_id>/reject/", views.claim_reject, name="claim-reject"),
    path("claims/<int:claim_id>/cancel/", views.claim_cancel, name="claim-cancel"),
    path("policies/", views.policies, name="policies"),
    path("release/<int:customer_id>/", views.release_form, name="release"),
]
