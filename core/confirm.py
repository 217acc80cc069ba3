"""The confirmation step of destructive actions (remove a role, close a window, delete
records …), without JavaScript: the first POST answers with a page naming what will
change and the same fields again; only the POST that carries `confirmed=1` acts.

    def window_close_view(request):
        answer = confirm_step(request, title=_("Close the window?"),
                              changes=[_("…")], button=_("Close"), cancel=reverse(...))
        if answer:
            return answer
        ...the action...
"""

from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
_NOT_ECHOED = {"csrfmiddlewaretoken", CONFIRM_FIELD}


def is_confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "1"


def confirm_step(request, *, title, changes, button, cancel: str, note=""):
    """None when this POST is the confirmed one; otherwise the confirmation page, which
    posts every field of this request back to the same address with `confirmed=1`."""
    if is_confirmed(request):
        return None
    fields = [(k, v) for k in request.POST for v in request.POST.getlist(k) if k not in _NOT_ECHOED]
    return render(request, "core/confirm.html", {
        "title": title, "changes": [str(c) for c in changes], "button": button, "cancel": cancel,
        "note": note, "fields": fields, "action": request.get_full_path()})
