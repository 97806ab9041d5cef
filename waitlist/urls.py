from rest_framework.routers import SimpleRouter

from waitlist.api import ScheduleViewSet

router = SimpleRouter(trailing_slash=False)
router.register("schedules", ScheduleViewSet, basename="schedule")

urlpatterns = router.urls
