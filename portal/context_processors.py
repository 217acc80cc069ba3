from django.utils.functional import SimpleLazyObject


def shell(request):
    """What the page shell (header, navigation) needs on every page."""
    user = getattr(request, "user", None)
    ctx = {"admin_role": getattr(request, "admin_role", None)}
    if user is not None and user.is_authenticated:
        from portal.menus import learning_menu

        def menu():
            # Labelled in the names of the person's rule set (CAST: 我的学时补录, 我的学习档案);
            # built only when a template shows the menu.
            terms = "cas"
            if getattr(user, "institute_id", None):
                from django.utils import timezone

                from ledger.queries import policy_for

                terms = policy_for(user.institute, timezone.localdate().year).terms
            return sorted(learning_menu(terms), key=lambda item: item.get("order", 50))

        ctx["learning_menu"] = SimpleLazyObject(menu)
        # The header only asks whether the person has a role: in admin mode the middleware
        # has read it already; otherwise one query, and only when a template asks.
        admin_role = ctx["admin_role"]
        # A role whose menu is still empty (the class admin before training projects
        # exist) does not count: 我的管理 appears when there is something to manage.
        ctx["user_roles"] = (True if admin_role is not None else
                             SimpleLazyObject(lambda: _has_work(user)) if hasattr(user, "roles")
                             else False)
    return ctx


def _has_work(user) -> bool:
    from portal.menus import admin_menu

    return any(admin_menu(role) for role in user.roles.all())
