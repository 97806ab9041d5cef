from django.urls import path

from courses.api import CourseTypeListView

urlpatterns = [
    path("course-types", CourseTypeListView.as_view(), name="course-type-list"),
]
