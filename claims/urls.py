from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("learning/external/", views.mine_default, name="mine_default"),
    path("learning/external/<str:kind>/", views.mine, name="mine"),
    path("learning/external/<str:kind>/new/", views.new, name="new"),
    path("learning/external/<str:kind>/upload/", views.upload, name="upload"),
    path("learning/external/<str:kind>/upload/template/", views.upload_template, name="upload_template"),
    path("learning/external/upload-errors/<str:token>/", views.upload_errors, name="upload_errors"),
    path("learning/external/claim/<int:pk>/", views.edit, name="edit"),
    path("claims/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("manage/claims/", views.review, name="review"),
    path("manage/claims/<int:pk>/", views.review_detail, name="review_detail"),
    path("manage/claims/new/", views.on_behalf, name="on_behalf"),
    path("manage/claims/import/", views.import_view, name="import"),
    path("manage/claims/import/template/", views.import_template, name="import_template"),
    path("manage/claims/windows/", views.windows, name="windows"),
    path("manage/claims/settings/", views.settings_view, name="settings"),
]
