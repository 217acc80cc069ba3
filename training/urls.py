from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("training/", views.catalogue_view, name="catalogue"),
    path("training/mine/", views.mine, name="mine"),
    path("training/<int:pk>/", views.detail, name="detail"),
    path("training/<int:pk>/cancel/", views.enrol_cancel, name="enrol_cancel"),
    path("manage/training/", views.manage, name="manage"),
    path("manage/training/new/", views.create, name="create"),
    path("manage/training/<int:pk>/", views.manage_edit, name="manage_edit"),
    path("manage/training/<int:pk>/enrolments/", views.manage_enrolments, name="manage_enrolments"),
    path("manage/training/<int:pk>/attendees/", views.manage_attendees, name="manage_attendees"),
    path("manage/training/<int:pk>/sessions/", views.manage_sessions, name="manage_sessions"),
    path("manage/training/sessions/<int:pk>/", views.session_qr, name="session_qr"),
    path("manage/training/sessions/<int:pk>/live/", views.session_live, name="session_live"),
    path("training/sign/<int:pk>/", views.sign_in_view, name="sign_in"),
]
