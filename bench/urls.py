from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def ok(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ok/", ok), *app_urlpatterns]
