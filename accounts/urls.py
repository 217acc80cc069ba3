from django.urls import include, path

from accounts.views import auth, reset, settings

app_name = "accounts"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("login/captcha/", auth.captcha_refresh_view, name="captcha_refresh"),
    path("login/captcha/<str:key>.png", auth.captcha_image_view, name="captcha_image"),
    path("password/reset/", reset.password_reset_view, name="password_reset"),
    path("password/reset/code/", reset.password_reset_code_view, name="password_reset_code"),
    path("password/reset/new/", reset.password_reset_set_view, name="password_reset_set"),
    path("password/reset/<str:uidb64>/<str:token>/", reset.password_reset_link_view,
         name="password_reset_link"),
    path("me/", settings.profile_view, name="profile"),
    path("me/login-name/", settings.switch_login_name_view, name="switch_login_name"),
    path("me/password/", auth.password_change_view, name="password_change"),
    path("manage/enter/", auth.admin_mode_view, name="admin_mode"),
    path("manage/exit/", auth.admin_mode_exit_view, name="admin_mode_exit"),
    path("", include("accounts.staff_urls")),
]
