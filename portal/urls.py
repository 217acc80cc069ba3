from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("learning/", views.learning, name="learning"),
    path("manage/", views.admin_home, name="admin_home"),
    path("manage/audit/", views.audit_list, name="audit"),
]
