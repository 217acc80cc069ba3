"""The texts of the notifications claims send (notifications.kinds), registered at
start-up by ClaimsConfig.ready; rows keep only the kind and these parameters."""

from django.utils.translation import gettext_lazy as _

from notifications.kinds import register

SUBMITTED, APPROVED, REJECTED, REVOKED = "claim.submitted", "claim.approved", "claim.rejected", "claim.revoked"
# Reviewers get one notice per queue change, not one per claim: unread "to review"
# notices fold into this one, which counts them and opens the queue.
SUBMITTED_MANY = "claim.submitted_many"


def register_all() -> None:
    register(SUBMITTED, title=_("New external learning to review: %(name)s"),
             body=_("%(person)s submitted “%(name)s”."))
    register(SUBMITTED_MANY, title=_("%(count)s new external learning records to review"),
             body=_("Open the review queue to see them."))
    register(APPROVED, title=_("Your external learning “%(name)s” was approved"), body="")
    register(REJECTED, title=_("Your external learning “%(name)s” was rejected"),
             body=_("Reason: %(reason)s"))
    register(REVOKED, title=_("The approval of “%(name)s” was revoked"), body=_("Reason: %(reason)s"))
