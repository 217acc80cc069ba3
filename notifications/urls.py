from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("learning/notifications/", views.inbox, name="inbox"),
    path("learning/notifications/<int:pk>/read/", views.read, name="read"),
    path("learning/notifications/read-all/", views.read_all, name="read_all"),
]
