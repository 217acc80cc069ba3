"""Background tasks of accounts (django-tasks; run by `xueshi db_worker`)."""

from django_tasks import task

from accounts.services.throttle import throttle_prune


@task()
def prune_login_throttle() -> int:
    """Remove login-throttle budgets that hold nothing any more (see throttle_prune)."""
    return throttle_prune()
