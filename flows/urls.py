from rest_framework.routers import SimpleRouter

from flows.api import BookingViewSet, MakeupViewSet

router = SimpleRouter(trailing_slash=False)
router.register("bookings", BookingViewSet, basename="booking")
router.register("makeup", MakeupViewSet, basename="makeup")

urlpatterns = router.urls
