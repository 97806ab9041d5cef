from rest_framework.routers import SimpleRouter

from waitlist.api import ScheduleViewSet, WaitlistViewSet

router = SimpleRouter(trailing_slash=False)
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("waitlist", WaitlistViewSet, basename="waitlist")

urlpatterns = router.urls
