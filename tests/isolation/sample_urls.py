"""A urlconf with every kind of pattern the enumerator must handle (used by test_urlenum.py only)."""

from django.http import HttpResponse
from django.urls import include, path, re_path
from rest_framework import routers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response


def view(request, **kwargs):
    return HttpResponse("ok")


class ThingViewSet(viewsets.ViewSet):
    def list(self, request):
        return Response([])

    def retrieve(self, request, pk=None):
        return Response({})

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return Response({})


router = routers.DefaultRouter(trailing_slash=False)
router.register("things", ThingViewSet, basename="thing")

nested = [
    path("<int:pk>/follow-ups", view, name="follow-ups"),
    re_path(r"^(?P<year>[0-9]{4})/(?P<slug>[-\w]+)/$", view, name="archive"),
]

urlpatterns = [
    path("plain/", view, name="plain"),
    path("files/<uuid:file_id>/<path:rest>", view, name="file"),
    path("customers/", include(nested)),
    re_path(r"^legacy/(\d+)\.csv$", view, name="legacy"),
    path("api/v1/", include(router.urls)),
]
