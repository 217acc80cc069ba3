"""Template helpers every app's pages share: the pager's page numbers and the hidden
fields that keep a list's filters when a small GET form (转至) changes the page."""

from urllib.parse import parse_qsl

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def page_numbers(page, around: int = 2):
    """The page numbers to offer around the current one, with "…" for the gaps:
    1 … 4 5 [6] 7 8 … 20."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=around, on_ends=1))


@register.simple_tag
def hidden_query(query: str, *skip: str):
    """A hidden input for each field of the urlencoded `query` except those in `skip`."""
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=True) if k not in skip]
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', pairs)
