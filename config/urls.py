from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("portal.urls")),
    path("", include("accounts.urls")),
    path("", include("orgs.urls")),
    path("", include("ledger.urls")),
    path("", include("claims.urls")),
    path("", include("reports.urls")),
    path("", include("training.urls")),
    path("", include("notifications.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
