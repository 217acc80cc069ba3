from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("learning/", views.learning, name="learning"),
    path("manage/", views.admin_home, name="admin_home"),
    path("manage/audit/", views.audit_list, name="audit"),
]
