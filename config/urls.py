from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from backoffice.admin_views import dashboard_view
from core.api import healthz
from core.metrics import metrics_view

# The docs pages may load only from this server: Redoc's bundle asks cdn.redoc.ly for a logo, which
# would hang or fail behind the firewall; the browser does not even try.
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'"
)


def self_only(view):
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_POLICY
        return response

    return wrapped


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
    path("api/docs/", self_only(SpectacularSwaggerView.as_view(url_name="schema")), name="docs"),
    path("api/redoc/", self_only(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus (RULES §16); not in the API schema
]

handler404 = "core.api.handler404"
handler500 = "core.api.handler500"
