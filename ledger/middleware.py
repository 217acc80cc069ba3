"""One request reads each (organisation, year) policy once: the page, the progress
banner, the API and the services it calls share what the first of them loaded. The same
rules say how the request shows hours (16小时10分 or 2.5学时, core.minutes)."""

from django.utils import timezone

from core.minutes import hours_display
from ledger.queries import policy_for, policy_memo


def _viewer_style(request):
    """The resolver of the request's hours style: the rules of the unit the viewer works
    in (the admin role's unit in admin mode, else their institute), this year."""

    def resolve():
        role = getattr(request, "admin_role", None)
        user = getattr(request, "user", None)
        org = role.org if role is not None else getattr(user, "institute", None)
        if org is None:
            return "hm"
        return policy_for(org, timezone.localdate().year).hours_display

    return resolve


class PolicyMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A fresh memo per request, dropped when the response is built: nothing is kept
        # between requests, so a policy edit is seen by the very next request.
        with policy_memo(), hours_display(_viewer_style(request)):
            return self.get_response(request)
