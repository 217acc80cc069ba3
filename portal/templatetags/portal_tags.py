"""The learner's banners under the header: this year's progress (ledger) and, while one
is open, the supplementary registration window with its closing date (claims)."""

from django import template

from claims.queries import open_windows_for
from ledger.templatetags.ledger_tags import progress_banner

register = template.Library()


@register.inclusion_tag("portal/_banners.html", takes_context=True)
def learner_banners(context):
    ctx = progress_banner(context)
    user = ctx.get("progress") and context["request"].user
    ctx["windows"] = list(open_windows_for(user)) if user else []
    return ctx
