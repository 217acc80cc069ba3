from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.models import User


def find_user_by_identifier(identifier: str) -> User | None:
    """The account a login name, email or mobile number belongs to (active or not)."""
    ident = (identifier or "").strip()
    if not ident or len(ident) > 254:
        return None
    lowered = ident.lower()
    query = Q(login_name=lowered) | Q(mobile=ident)
    if "@" in ident:
        query |= Q(email_lower=lowered)
    matches = list(User.objects.annotate(email_lower=Lower("email")).filter(query)[:2])
    # Login names, emails and mobiles form one namespace (accounts.services.profile.
    # identifiers_check_free), so one account matches. Should data from before that rule
    # make two match, the text names no account: the attempt must not count against, or
    # land in the audit trail of, a person who may not be the one typing.
    return matches[0] if len(matches) == 1 else None


class LoginNameEmailMobileBackend(ModelBackend):
    """Log in with the login name, the email or the mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user_by_identifier(username)
        if user is None:
            # Spend the same time as a real check so timing does not reveal which
            # login names exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
