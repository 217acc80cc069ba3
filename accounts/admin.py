from django.contrib import admin

from accounts.models import ApiToken, RoleAssignment, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["login_name", "real_name", "institute", "department", "is_active"]
    search_fields = ["login_name", "real_name", "email", "mobile", "employee_no"]
    list_filter = ["is_active", "hours_required", "post_type"]
    exclude = ["password"]
    readonly_fields = ["last_login", "date_joined", "security_stamp"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "org", "granted_at"]
    list_filter = ["role"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash"]
