"""The framework's ceiling, for the load benchmark only (bench/settings.py mounts it): the same DRF
stack and envelope, with no database (bare) and with exactly the JWT user lookup (one query)."""

from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from core.api import ok


class BareView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return ok({"ok": True})


class OneQueryView(APIView):
    """JWT authentication (its one query: the user) and nothing else."""

    permission_classes = [IsAuthenticated]
    throttle_classes = []

    def get(self, request):
        return ok({"user": request.user.pk})
