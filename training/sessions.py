"""Reads for the sign-in screen: the QR code image and the live list."""

import segno
from django.urls import reverse
from django.utils import timezone

from training.models import Attendee, EnrolmentStatus, SignIn
from training.signin import INTERVAL, code_for, current_slot, token_for


def sign_in_url(request, session) -> str:
    return request.build_absolute_uri(reverse("training:sign_in", args=[session.pk])) + f"?t={token_for(session)}"


def qr_svg_uri(request, session) -> str:
    """The current QR code as an SVG data URI (the page's policy allows data: images)."""
    return segno.make(sign_in_url(request, session), error="m").svg_data_uri(scale=8, border=2)


def live_state(request, session) -> dict:
    """Who has signed in and who, of the approved enrolments and attendees, has not;
    the current short code and when it changes (server clock)."""
    project = session.project
    expected = {e.person_id: e.person for e in project.enrolments.filter(status=EnrolmentStatus.APPROVED)
                .select_related("person")}
    expected.update({a.person_id: a.person for a in Attendee.objects.filter(project=project)
                     .select_related("person")})
    signed = list(SignIn.objects.filter(session=session).select_related("person").order_by("at", "pk"))
    signed_ids = {s.person_id for s in signed}
    now = timezone.now().timestamp()
    return {
        "code": code_for(session),
        "slot": current_slot(),
        "changes_in": int(INTERVAL - now % INTERVAL) or INTERVAL,
        "signed": [{"id": s.person_id, "name": s.person.real_name, "at": timezone.localtime(s.at).strftime("%H:%M:%S"),
                    "method": str(s.get_method_display())} for s in signed],
        "missing": sorted(({"id": pk, "name": p.real_name} for pk, p in expected.items() if pk not in signed_ids),
                          key=lambda r: r["name"]),
    }
