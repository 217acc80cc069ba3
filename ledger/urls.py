from django.urls import path

from ledger import views

app_name = "ledger"
urlpatterns = [
    path("learning/archive/", views.archive_view, name="archive"),
    path("learning/archive/print/", views.archive_print, name="archive_print"),
    path("learning/archive/entries/", views.archive_entries, name="archive_entries"),
    path("manage/staff/<int:pk>/archive/", views.person_archive, name="person_archive"),
    path("manage/staff/<int:pk>/archive/entries/", views.person_entries, name="person_entries"),
    path("manage/staff/<int:pk>/archive/credit/", views.person_credit, name="person_credit"),
    path("manage/staff/<int:pk>/archive/entries/<int:entry_pk>/reverse/", views.entry_reverse,
         name="entry_reverse"),
    path("manage/policy/", views.policy_current, name="policy_current"),
    path("manage/policy/<int:year>/", views.policy_view, name="policy"),
]
