"""Read by gunicorn when started from the project directory (docs/deployment.md)."""


def on_starting(server):
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from config.startup import PublicDevelopmentServer, bind_hosts, refuse_public_development_key

    try:
        refuse_public_development_key(bind_hosts(server.cfg.bind))
    except PublicDevelopmentServer as exc:
        raise RuntimeError(str(exc)) from None
