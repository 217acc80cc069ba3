"""The texts of the notifications claims send (notifications.kinds), registered at
start-up by ClaimsConfig.ready; rows keep only the kind and these parameters."""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import register

SUBMITTED, APPROVED, REJECTED, REVOKED = "claim.submitted", "claim.approved", "claim.rejected", "claim.revoked"


def register_all() -> None:
    register(SUBMITTED, title=_("New external learning to review: %(name)s"),
             body=_("%(person)s submitted “%(name)s”."))
    register(APPROVED, title=_("Your external learning “%(name)s” was approved"), body="")
    register(REJECTED, title=_("Your external learning “%(name)s” was rejected"),
             body=_("Reason: %(reason)s"))
    register(REVOKED, title=_("The approval of “%(name)s” was revoked"), body=_("Reason: %(reason)s"))
