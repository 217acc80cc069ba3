"""Every write to accounts goes through these functions (pages, API, imports, commands).

auth: logging in, throttling, passwords, admin mode, API tokens.
captcha: the login's 验证码 challenges. reset: 忘记密码 (email link or SMS code).
people: creating, editing, deactivating staff; roles; login names; imports.
"""

from accounts.services.auth import *  # noqa: F401,F403
from accounts.services.captcha import *  # noqa: F401,F403
from accounts.services.profile import *  # noqa: F401,F403
from accounts.services.reset import *  # noqa: F401,F403
from accounts.services.staff import *  # noqa: F401,F403
from accounts.services.throttle import *  # noqa: F401,F403
