from rest_framework.routers import SimpleRouter

from flows.api import BookingViewSet, MakeupViewSet, WaitlistViewSet

router = SimpleRouter(trailing_slash=False)
router.register("bookings", BookingViewSet, basename="booking")
router.register("waitlist", WaitlistViewSet, basename="waitlist")
router.register("makeup", MakeupViewSet, basename="makeup")

urlpatterns = router.urls
