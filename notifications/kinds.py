"""What each kind of notification says. A notification is stored as a kind with its
parameters (a claim's name, a person, a reason …) and its text is made when someone
reads it, in the reader's language. The app that sends a kind registers its texts (lazy
gettext with %(name)s placeholders) once, at start-up (its AppConfig.ready):

    register("claim.approved", title=_("Your external learning “%(name)s” was approved"))

A row whose kind is not registered, or whose parameters do not fill the text (rows from
before kinds had texts), shows the title and body stored when it was sent.
"""

_KINDS: dict[str, tuple] = {}


def register(kind: str, *, title, body=None) -> None:
    _KINDS[kind] = (title, body)


def registered(kind: str) -> bool:
    return kind in _KINDS


def _fill(text, params) -> str | None:
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return None


def render(kind: str, params: dict | None, title: str = "", body: str = "") -> tuple[str, str]:
    """(title, body) in the active language."""
    texts = _KINDS.get(kind)
    if texts is None or not params:
        return title, body
    title_text, body_text = texts
    rendered_title = _fill(title_text, params)
    if rendered_title is None:
        return title, body
    rendered_body = _fill(body_text, params) if body_text is not None else body
    return rendered_title, rendered_body if rendered_body is not None else body
