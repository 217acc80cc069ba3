import base64
from datetime import datetime
from typing import Literal

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from accounts.devices import login_client
from accounts.models import User
from accounts.queries import roles_of
from accounts.services import (
    authenticate_with_throttle,
    captcha_new,
    captcha_solve,
    password_change,
    password_reset_request,
    password_reset_with_code,
    password_reset_with_link,
    profile_update,
    token_create,
    token_enter_admin_mode,
    token_revoke,
)
from core.errors import DomainError, ErrorCode
from core.requestcontext import client_ip

router = Router(tags=["auth"])


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class TokenIn(Schema):
    login: str = Field(..., max_length=254, description="login name, email or mobile")
    password: str = Field(..., max_length=4096)
    name: str = Field("", max_length=64, description="a label such as the device name")
    captcha_key: str = Field("", max_length=40,
                             description="the key of a challenge from POST /api/v1/auth/captcha, "
                                         "once an answer said captcha_required")
    captcha: str = Field("", max_length=16, description="the characters in its picture")


class CaptchaOut(Schema):
    key: str
    image_url: str
    image_png_base64: str
    expires_at: datetime


class ResetRequestIn(Schema):
    login: str = Field(..., max_length=254, description="login name, email or mobile")
    channel: Literal["email", "sms"] = Field(
        "email", description="email: a link to the email on record; sms: a code to the "
                             "mobile on record (when the server has SMS)")


class ResetLinkIn(Schema):
    uid: str = Field(..., max_length=32, description="the uid part of the emailed link")
    token: str = Field(..., max_length=64, description="the token part of the emailed link")
    new_password: str = Field(..., max_length=4096)


class ResetCodeIn(Schema):
    login: str = Field(..., max_length=254, description="login name, email or mobile")
    code: str = Field(..., max_length=12, description="the six digits of the SMS")
    new_password: str = Field(..., max_length=4096)


class MessageOut(Schema):
    message: str


class TokenCreatedOut(Schema):
    id: int
    token: str
    password_change_required: bool


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class RoleOut(Schema):
    id: int
    role: str
    role_label: str
    org_id: int
    org_name: str


class MeOut(Schema):
    id: int
    login_name: str
    real_name: str
    email: str | None
    mobile: str | None
    employee_no: str
    institute_id: int | None
    institute_name: str | None
    department_id: int | None
    department_name: str | None
    post_type: str
    hire_date: str | None
    hours_required: bool
    password_change_required: bool
    roles: list[RoleOut]
    admin_role: RoleOut | None


class PasswordIn(Schema):
    old_password: str = Field(..., max_length=4096)
    new_password: str = Field(..., max_length=4096)


class ProfileIn(Schema):
    email: str | None = Field(None, max_length=254)
    mobile: str | None = Field(None, max_length=20)
    password: str = Field(..., max_length=4096, description="the current password")


class AdminModeIn(Schema):
    password: str = Field(..., max_length=4096)
    role_id: int


def role_out(role) -> dict:
    return {"id": role.pk, "role": role.role, "role_label": str(role.get_role_display()),
            "org_id": role.org_id, "org_name": role.org.name}


def me_out(user: User, admin_role=None) -> dict:
    return {
        "id": user.pk,
        "login_name": user.login_name,
        "real_name": user.real_name,
        "email": user.email,
        "mobile": user.mobile,
        "employee_no": user.employee_no,
        "institute_id": user.institute_id,
        "institute_name": user.institute.name if user.institute_id else None,
        "department_id": user.department_id,
        "department_name": user.department.name if user.department_id else None,
        "post_type": user.post_type,
        "hire_date": user.hire_date.isoformat() if user.hire_date else None,
        "hours_required": user.hours_required,
        "password_change_required": user.password_is_initial,
        "roles": [role_out(r) for r in roles_of(user)],
        "admin_role": role_out(admin_role) if admin_role else None,
    }


@router.post("/auth/tokens", auth=None, response={201: TokenCreatedOut, 401: ErrorOut,
                                                  403: ErrorOut, 429: ErrorOut},
             url_name="token_obtain")
def token_obtain(request, payload: TokenIn):
    """Exchange a login name (or email or mobile) and password for a bearer token. With an
    initial password only the password change works until it is changed. After a few
    failures for the account the answer is 400 `captcha_required`: fetch a challenge
    with `POST /api/v1/auth/captcha` and send its `key` and the characters of its
    picture as `captcha_key` and `captcha` (each challenge answers once)."""
    # Draws on the account's shared budget (or the device's, if the client sends the
    # browser's device cookie), and on the same CAPTCHA rule as the login page.
    passed = bool(payload.captcha_key) and captcha_solve(key=payload.captcha_key,
                                                          answer=payload.captcha)
    user = authenticate_with_throttle(identifier=payload.login, password=payload.password,
                                      client=login_client(request), purpose="token",
                                      captcha_passed=passed)
    token, secret = token_create(user=user, name=payload.name)
    return Status(201, {"id": token.pk, "token": secret,
                        "password_change_required": user.password_is_initial})


@router.post("/auth/captcha", auth=None, response={201: CaptchaOut}, url_name="captcha_new")
def captcha_challenge(request):
    """A fresh 验证码 challenge for `POST /api/v1/auth/tokens`: its key, its picture (PNG,
    inline and at `image_url`) and when it expires. It answers once, right or wrong."""
    from captcha.views import captcha_image

    store = captcha_new()
    picture = captcha_image(request, store.hashkey).content
    return Status(201, {"key": store.hashkey,
                        "image_url": reverse("accounts:captcha_image", args=[store.hashkey]),
                        "image_png_base64": base64.b64encode(picture).decode(),
                        "expires_at": store.expiration})


@router.post("/auth/password-reset", auth=None,
             response={202: MessageOut, 400: ErrorOut, 429: ErrorOut},
             url_name="password_reset_request")
def password_reset_request_op(request, payload: ResetRequestIn):
    """忘记密码: send a reset link (email) or code (SMS). The answer is the same whether or
    not the account exists; 429 when too many resets were asked for the account or from
    this address."""

    def link_for(uidb64, token):
        return request.build_absolute_uri(
            reverse("accounts:password_reset_link", args=[uidb64, token]))

    message = password_reset_request(identifier=payload.login, channel=payload.channel,
                                     client=login_client(request), link_for=link_for)
    return Status(202, {"message": message})


@router.post("/auth/password-reset/link", auth=None, response={204: None, 400: ErrorOut},
             url_name="password_reset_with_link")
def password_reset_link_op(request, payload: ResetLinkIn):
    """Set a new password with the two parts of an emailed link (`/password/reset/<uid>/
    <token>/`). It answers once; every session and token of the person ends."""
    password_reset_with_link(uidb64=payload.uid, token=payload.token,
                             new_password=payload.new_password, client=login_client(request))
    return Status(204, None)


@router.post("/auth/password-reset/code", auth=None, response={204: None, 400: ErrorOut},
             url_name="password_reset_with_code")
def password_reset_code_op(request, payload: ResetCodeIn):
    """Set a new password with the SMS code. A code allows a few tries and answers once;
    every session and token of the person ends."""
    password_reset_with_code(identifier=payload.login, code=payload.code,
                             new_password=payload.new_password, client=login_client(request))
    return Status(204, None)


@router.get("/auth/tokens", response=list[TokenOut], url_name="token_list")
def token_list(request):
    return list(request.auth_user.api_tokens.filter(revoked_at__isnull=True))


@router.delete("/auth/tokens/{token_id}", response={204: None, 404: ErrorOut},
               url_name="token_revoke")
def token_revoke_op(request, token_id: int):
    token_revoke(user=request.auth_user, token_id=token_id)
    return Status(204, None)


@router.post("/auth/admin-mode", response={200: RoleOut, 400: ErrorOut, 401: ErrorOut,
                                           429: ErrorOut},
             url_name="admin_mode_enter")
def admin_mode_enter(request, payload: AdminModeIn):
    """Enter admin mode with a bearer token (pages use the 我的管理 form)."""
    if request.auth_token is None:
        raise DomainError(ErrorCode.INVALID, _("Pages enter admin mode through the form."))
    role = token_enter_admin_mode(token=request.auth_token, password=payload.password,
                                  role_id=payload.role_id, ip=client_ip(request))
    return role_out(role)


@router.get("/me", response=MeOut, url_name="me")
def me(request):
    return me_out(request.auth_user, getattr(request, "admin_role", None))


@router.patch("/me", response={200: MeOut, 400: ErrorOut, 401: ErrorOut, 409: ErrorOut,
                               429: ErrorOut},
              url_name="profile_update")
def me_update(request, payload: ProfileIn):
    """Change one's own email and mobile (the current password is required)."""
    user = profile_update(user=request.auth_user, email=payload.email, mobile=payload.mobile,
                          password=payload.password, client=login_client(request))
    return me_out(user, getattr(request, "admin_role", None))


@router.post("/me/password", response={204: None, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
             url_name="password_change")
def me_password(request, payload: PasswordIn):
    """Change one's own password; other sessions and tokens end."""
    password_change(user=request.auth_user, old_password=payload.old_password,
                    new_password=payload.new_password, keep_token=request.auth_token,
                    client=login_client(request))
    if request.auth_token is None:
        from accounts.views.auth import remember_stamp

        remember_stamp(request, request.auth_user)
    return Status(204, None)
