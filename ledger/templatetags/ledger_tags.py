from django import template
from django.utils import timezone

from core.minutes import format_minutes
from ledger.labels import detail_label as _detail_label
from ledger.queries import year_progress

register = template.Library()


@register.inclusion_tag("ledger/_banner.html", takes_context=True)
def progress_banner(context):
    """The progress banner of the seeds: this year's effective hours against the target."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.institute_id is None or user.admin_only:
        return {"progress": None}  # an administrator-only account owes no hours
    progress = year_progress(user, timezone.localdate().year)
    return {"progress": progress, "done": format_minutes(progress.effective_minutes),
            "remaining": format_minutes(progress.remaining_minutes),
            "target_hours": progress.target_minutes // 60}


@register.filter
def hm(minutes):
    """Minutes as 16小时10分."""
    return format_minutes(int(minutes or 0))


@register.filter
def detail(details, key):
    """details[key] named in the reader's language ({{ r.details|detail:"method" }})."""
    return _detail_label(key, (details or {}).get(key))


@register.filter
def get_item(mapping, key):
    """{{ dict|get_item:key }}"""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def class_name(rules, code):
    """{{ rules|class_name:code }}: the policy's name of a class of hours."""
    return rules.class_name(code) if rules is not None else code


@register.filter
def category_name(rules, code):
    """{{ rules|category_name:code }}: the policy's name of a category or subject."""
    if not code:
        return ""
    return rules.category_name(code) if rules is not None else code
