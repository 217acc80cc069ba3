from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("manage/reports/staff/", views.staff, name="staff"),
]
urlpatterns += [
    path("manage/reports/backbone/", views.backbone, name="backbone"),
    path("manage/reports/backbone/export/", views.backbone_export, name="backbone_export"),
    path("manage/reports/backbone/window/", views.backbone_window, name="backbone_window"),
]
urlpatterns += [
    path("manage/reports/summaries/", views.summaries, name="summaries"),
    path("manage/reports/summaries/<int:pk>/", views.summary, name="summary"),
]
urlpatterns += [
    path("manage/reports/dashboard/", views.dashboard_view, name="dashboard"),
]
urlpatterns += [
    path("manage/reports/classes/", views.classes, name="classes"),
]
