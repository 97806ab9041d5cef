from rest_framework.routers import SimpleRouter

from compensation.api import CompensationViewSet

router = SimpleRouter(trailing_slash=False)
router.register("compensation", CompensationViewSet, basename="compensation")

urlpatterns = router.urls
