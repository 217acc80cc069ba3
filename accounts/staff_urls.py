from django.urls import path

from accounts.views import staff

urlpatterns = [
    path("manage/staff/", staff.staff_list, name="staff_list"),
    path("manage/staff/new/", staff.staff_create, name="staff_create"),
    path("manage/staff/import/", staff.staff_import_view, name="staff_import"),
    path("manage/staff/import/template/", staff.staff_import_template, name="staff_import_template"),
    path("manage/files/<str:token>/", staff.artifact_download, name="artifact"),
    path("manage/jobs/<int:pk>/", staff.job_detail, name="job"),
    path("manage/jobs/<int:pk>/progress/", staff.job_progress, name="job_progress"),
    path("manage/jobs/<int:pk>/files/<str:which>/", staff.job_file, name="job_file"),
    path("manage/staff/<int:pk>/", staff.staff_edit, name="staff_edit"),
    path("manage/staff/<int:pk>/deactivate/", staff.staff_set_active, {"active": False},
         name="staff_deactivate"),
    path("manage/staff/<int:pk>/reactivate/", staff.staff_set_active, {"active": True},
         name="staff_reactivate"),
    path("manage/staff/<int:pk>/reset-password/", staff.staff_reset_password,
         name="staff_reset_password"),
    path("manage/staff/<int:pk>/roles/", staff.staff_role_grant, name="staff_role_grant"),
    path("manage/staff/<int:pk>/roles/<int:role_pk>/revoke/", staff.staff_role_revoke,
         name="staff_role_revoke"),
]
