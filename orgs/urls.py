from django.urls import path

from orgs import views

app_name = "orgs"
urlpatterns = [
    path("manage/orgs/", views.org_tree_view, name="tree"),
    path("manage/orgs/<int:pk>/", views.org_edit_view, name="edit"),
]
