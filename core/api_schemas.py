"""Schemas and helpers shared by every app's API."""

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class PageIn(Schema):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


def paginate(queryset, page: PageIn) -> dict:
    """{"count", "page", "page_size", "items"}: one COUNT and one slice."""
    start = (page.page - 1) * page.page_size
    return {"count": queryset.count(), "page": page.page, "page_size": page.page_size,
            "items": list(queryset[start:start + page.page_size])}
