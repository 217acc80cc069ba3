"""The Django admin is a window for operators, never a door: every registration is
read-only (issue 8, defect 10). Writes go through the services, which check scope,
keep tree paths right and write the audit trail; the admin does none of that. Its login
is the project's own (accounts.admin.AdminLoginForm: throttled and audited)."""

from django.contrib import admin

from core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only: no add, change or delete (and so no bulk actions)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_repr", "action"]
