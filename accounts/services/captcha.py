"""验证码: the self-hosted image CAPTCHA of the login (issue 9, seed 003).

Challenges and their images come from django-simple-captcha (its `CaptchaStore` table and
its Pillow renderer with the Vera font it ships; no outside service, nothing fetched at
run time). The rules are ours:

- the text is drawn with `secrets` from an alphabet without look-alikes (0/O, 1/I/L);
- a challenge answers once: any attempt, right or wrong, deletes it, so one picture
  cannot be guessed at again and again;
- it expires after CAPTCHA_TIMEOUT minutes (XUESHI_CAPTCHA_MINUTES);
- whether a login needs one is the throttle's decision (`login_needs_captcha`).
"""

import secrets

from captcha.models import CaptchaStore
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

__all__ = ["CAPTCHA_ALPHABET", "captcha_text", "captcha_new", "captcha_solve", "captcha_live"]

CAPTCHA_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_KEY_LENGTH = 40
MAX_ANSWER_LENGTH = 16


def captcha_text():
    """CAPTCHA_CHALLENGE_FUNCT: (the text drawn, the expected answer)."""
    text = "".join(secrets.choice(CAPTCHA_ALPHABET) for _ in range(settings.CAPTCHA_LENGTH))
    return text, text


def captcha_new() -> CaptchaStore:
    """A fresh challenge. Expired ones are removed on the way, so the table holds at most
    the challenges of the last few minutes."""
    CaptchaStore.remove_expired()
    return CaptchaStore.objects.get(hashkey=CaptchaStore.generate_key())


def captcha_live(key: str) -> CaptchaStore | None:
    """The challenge `key` if it exists and has not expired (for drawing its picture)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    return CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now()).first()


def captcha_solve(*, key: str, answer: str) -> bool:
    """Whether `answer` solves the challenge `key`. Invariant: single use; the challenge
    is deleted by this call whatever the answer, and of two parallel calls with one key
    only the one that deleted the row can pass. Expired or unknown keys never pass."""
    key = (key or "").strip()
    answer = (answer or "").strip().lower()
    if not key or len(key) > MAX_KEY_LENGTH or not answer or len(answer) > MAX_ANSWER_LENGTH:
        if key and len(key) <= MAX_KEY_LENGTH:
            CaptchaStore.objects.filter(hashkey=key).delete()
        return False
    store = CaptchaStore.objects.filter(hashkey=key).first()
    if store is None:
        return False
    deleted, _ = CaptchaStore.objects.filter(pk=store.pk).delete()
    if deleted != 1 or store.expiration <= timezone.now():
        return False
    return constant_time_compare(store.response, answer)
