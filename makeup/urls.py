from rest_framework.routers import SimpleRouter

from makeup.api import MakeupViewSet

router = SimpleRouter(trailing_slash=False)
router.register("makeup", MakeupViewSet, basename="makeup")

urlpatterns = router.urls
