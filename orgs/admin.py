from django.contrib import admin

from orgs.models import Org


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "abbr", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "abbr"]
    readonly_fields = ["path", "root", "institute"]
