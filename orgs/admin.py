from django.contrib import admin

from core.admin import ReadOnlyAdmin
from orgs.models import Org


@admin.register(Org)
class OrgAdmin(ReadOnlyAdmin):
    # Read-only: moving a unit must go through orgs.services, which rewrites the
    # materialised paths of its subtree and writes the audit trail.
    list_display = ["name", "kind", "abbr", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "abbr"]
