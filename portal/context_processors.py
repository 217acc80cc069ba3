from django.utils.functional import SimpleLazyObject


def shell(request):
    """What the page shell (header, navigation) needs on every page."""
    user = getattr(request, "user", None)
    ctx = {"admin_role": getattr(request, "admin_role", None)}
    if user is not None and user.is_authenticated:
        from portal.menus import learning_menu

        ctx["learning_menu"] = sorted(learning_menu(), key=lambda item: item.get("order", 50))
        # The header only asks whether the person has a role: in admin mode the middleware
        # has read it already; otherwise one query, and only when a template asks.
        admin_role = ctx["admin_role"]
        ctx["user_roles"] = (True if admin_role is not None else
                             SimpleLazyObject(lambda: user.roles.exists()) if hasattr(user, "roles")
                             else False)
    return ctx
