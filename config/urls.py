from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backoffice.admin_views import dashboard_view
from core.api import healthz

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("courses.urls")),
    path("", include("waitlist.urls")),
    path("", include("flows.urls")),
    path("", include("compensation.urls")),
]

urlpatterns = [
    path("admin/dashboard/", dashboard_view, name="admin-dashboard"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("healthz", healthz, name="healthz"),
]

handler404 = "core.api.handler404"
handler500 = "core.api.handler500"
