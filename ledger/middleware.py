"""One request reads each (organisation, year) policy once: the page, the progress
banner, the API and the services it calls share what the first of them loaded."""

from ledger.queries import policy_memo


class PolicyMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A fresh memo per request, dropped when the response is built: nothing is kept
        # between requests, so a policy edit is seen by the very next request.
        with policy_memo():
            return self.get_response(request)
