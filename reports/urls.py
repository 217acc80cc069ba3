from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("manage/reports/staff/", views.staff, name="staff"),
]
