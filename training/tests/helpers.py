from datetime import date, timedelta

from django.utils import timezone

from training.services import project_create, project_implement

YEAR = timezone.localdate().year


def project_data(cast, **overrides):
    """A project starting in a few days (or on 1 Dec when that would leave the year)."""
    start = timezone.localdate() + timedelta(days=3)
    if start.year != YEAR:
        start = date(YEAR, 12, 30)
    data = {"org": cast.dept_a, "year": YEAR, "name": "光学设计培训班", "kind": "training",
            "category": "short_course", "method": "offline", "start": start, "end": start,
            "minutes": 8 * 60, "online_minutes": 0, "days": 1, "organiser": "光学部",
            "contact": "王老师", "phone": "010-1234", "email": "wang@example.cn", "place": "南京",
            "objective": "提高", "content": "光学设计", "funding": "ordinary", "visibility": "unit",
            "enrol_allowed": True, "enrol_needs_approval": False, "capacity": None}
    data.update(overrides)
    return data


def make_project(cast, *, implement=True, class_admin=True, **overrides):
    role = cast.institute_admin.roles.get()
    project = project_create(actor=cast.institute_admin, role=role, data=project_data(cast, **overrides))
    if class_admin:
        project.class_admins.add(cast.class_admin)
    if implement:
        project_implement(actor=cast.institute_admin, role=role, project_id=project.pk)
        project.refresh_from_db()
    return project
