"""Names for the codes other apps keep in a posting's details.

A posting's `details` hold what its source's archive row shows (seed 001's project
table: place, 培训形式, 培训方式, 培训项目分类, organiser, dates). Codes are stored, not
words, so each reader sees them in their own language; the app that writes a code
registers its names here from its AppConfig.ready (training does for `method` and
`project_class`). The ledger sits below those apps and never imports them.
"""

DETAIL_LABELS: dict[str, dict[str, object]] = {}


def register_detail_labels(key: str, choices) -> None:
    """Name the codes of details[key]: `choices` is (code, lazy label) pairs, such as a
    TextChoices' .choices."""
    DETAIL_LABELS.setdefault(key, {}).update(dict(choices))


def detail_label(key: str, value) -> str:
    """The reader's name of details[key] = value; a value nobody registered is shown as
    it was stored (older postings keep their words)."""
    if value in (None, ""):
        return ""
    return str(DETAIL_LABELS.get(key, {}).get(value, value))
