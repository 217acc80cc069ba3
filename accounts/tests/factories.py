import itertools

from accounts.models import RoleAssignment, User

_seq = itertools.count(1)

CAST_PASSWORD = "Cast-pass-2026!"


def make_user(*, institute=None, department=None, login_name=None, real_name=None,
              password=CAST_PASSWORD, **fields) -> User:
    n = next(_seq)
    user = User(login_name=(login_name or f"user{n}").lower(), real_name=real_name or f"用户{n}",
                institute=institute, department=department, **fields)
    user.set_password(password)
    user.save()
    return user


def grant(user: User, role: str, org) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, org=org)
