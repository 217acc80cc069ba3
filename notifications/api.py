from datetime import datetime

from ninja import Query, Router, Schema

from core.api_schemas import ErrorOut, PageIn, paginate
from notifications.access import get_notification_for
from notifications.queries import inbox_for, unread_count
from notifications.services import notification_mark_read, notifications_mark_all_read

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
    params: dict

    # The text in the caller's language, made from the kind and its parameters.
    @staticmethod
    def resolve_title(obj) -> str:
        return obj.text_title

    @staticmethod
    def resolve_body(obj) -> str:
        return obj.text_body


class NotificationPageOut(Schema):
    count: int
    unread: int
    page: int
    page_size: int
    items: list[NotificationOut]


@router.get("", response=NotificationPageOut, url_name="notifications_list")
def notifications(request, page: Query[PageIn]):
    out = paginate(inbox_for(request.auth_user), page)
    out["unread"] = unread_count(request.auth_user)
    return out


@router.post("/{notification_id}/read", response={200: NotificationOut, 404: ErrorOut},
             url_name="notifications_read")
def read(request, notification_id: int):
    return notification_mark_read(
        user=request.auth_user,
        notification=get_notification_for(request.auth_user, notification_id))


@router.post("/read-all", response=dict, url_name="notifications_read_all")
def read_all(request):
    return {"marked": notifications_mark_all_read(user=request.auth_user)}
