from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import MeView, PhoneView, ProfileViewSet, TokenRefreshView, WeChatLoginView

router = SimpleRouter(trailing_slash=False)
router.register("profiles", ProfileViewSet, basename="profile")

urlpatterns = [
    path("auth/wechat-login", WeChatLoginView.as_view(), name="auth-wechat-login"),
    path("auth/refresh", TokenRefreshView.as_view(), name="auth-refresh"),
    path("auth/phone", PhoneView.as_view(), name="auth-phone"),
    path("auth/me", MeView.as_view(), name="auth-me"),
    *router.urls,
]
