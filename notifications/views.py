from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications.access import get_notification_for
from notifications.queries import inbox_for
from notifications.services import notification_mark_read, notifications_mark_all_read


@login_required
def inbox(request):
    """通知消息: unread first."""
    page = Paginator(inbox_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "query": "",
                                                        "learning_tab": "notifications:inbox"})


@login_required
@require_POST
def read(request, pk):
    row = notification_mark_read(user=request.user,
                                 notification=get_notification_for(request.user, pk))
    if row.url and url_has_allowed_host_and_scheme(row.url, {request.get_host()}):
        return redirect(row.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    notifications_mark_all_read(user=request.user)
    return redirect("notifications:inbox")
