from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import Group

from accounts.devices import login_client
from accounts.models import ApiToken, RoleAssignment, User
from core.admin import ReadOnlyAdmin
from core.errors import DomainError


class AdminLoginForm(AdminAuthenticationForm):
    """The Django admin's login through the project's own authentication service: the
    same throttle budgets, the same audit rows (action `django_admin.*`), the same
    generic refusal. It has no CAPTCHA field: once the throttle asks for one, an operator
    logs in on the login page first (the device cookie it leaves exempts this browser),
    so this form is no way around the CAPTCHA. Then Django's own check that the person
    is staff."""

    def clean(self):
        identifier = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not identifier or not password:
            return self.cleaned_data  # the required fields already carry their errors
        from accounts.services import authenticate_with_throttle

        try:
            user = authenticate_with_throttle(identifier=identifier, password=password,
                                              client=login_client(self.request),
                                              purpose="django_admin",
                                              captcha_passed=False)
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from None
        self.confirm_login_allowed(user)
        self.user_cache = user
        return self.cleaned_data


admin.site.login_form = AdminLoginForm
# Groups and Django permissions play no part here (roles are RoleAssignment rows).
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["login_name", "real_name", "institute", "department", "is_active"]
    search_fields = ["login_name", "real_name", "email", "mobile", "employee_no"]
    list_filter = ["is_active", "hours_required", "post_type"]
    exclude = ["password"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "org", "granted_at"]
    list_filter = ["role"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "name", "created_at", "revoked_at"]
    exclude = ["key_hash"]
