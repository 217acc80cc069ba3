from django.contrib import admin

from core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_repr", "action"]

    # The trail is append-only in the database; the admin must not pretend otherwise.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
