from rest_framework.routers import SimpleRouter

from courses.api import BookingViewSet, ScheduleViewSet

router = SimpleRouter(trailing_slash=False)
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = router.urls
