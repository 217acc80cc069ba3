from django import template

from notifications.queries import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_badge.html", takes_context=True)
def unread_badge(context):
    """The header's unread count: one COUNT query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"count": None}
    return {"count": unread_count(user)}
