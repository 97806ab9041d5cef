"""The product's URLs plus the load benchmark's two ceiling endpoints (bench/views.py)."""

from django.urls import path

from bench.views import BareView, OneQueryView
from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *product_urlpatterns,
    path("api/bench/bare", BareView.as_view()),
    path("api/bench/one-query", OneQueryView.as_view()),
]
