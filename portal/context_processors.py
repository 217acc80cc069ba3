def shell(request):
    """What the page shell (header, navigation) needs on every page."""
    user = getattr(request, "user", None)
    ctx = {"admin_role": getattr(request, "admin_role", None)}
    if user is not None and user.is_authenticated:
        from portal.menus import learning_menu

        ctx["learning_menu"] = sorted(learning_menu(), key=lambda item: item.get("order", 50))
        ctx["user_roles"] = list(user.roles.select_related("org")) if hasattr(user, "roles") else []
    return ctx
