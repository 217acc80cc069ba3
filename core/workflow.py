"""The one way a status moves (ARCHITECTURE.md, "How a status moves").

A workflow is declared once, beside its model, as a `Workflow`: the model's status enum,
the table of allowed steps (from-status, action → to-status), what each step stamps on
the object (who/when fields), the history model that gets a row per change and the noun
its audit actions start with. `transition()` is then the only function that changes the
status: it checks the table (409 `conflict` when the step is not allowed), stamps, saves
with `update_fields`, writes the history row and the audit row. The caller holds the row
lock and the transaction (services do: `select_for_update()` then `transition`).

Who may take a step is not this module's question: that is the app's access module and
the permission table. The table answers only "can this status take this action".

Example (claims/models.py)::

    CLAIM_WORKFLOW = Workflow(
        name="claim", status=ClaimStatus, history=History("claims.ClaimEvent", "claim"),
        org_of=lambda claim: claim.owner.department or claim.owner.institute,
        steps=[Step(ClaimStatus.DRAFT, "submit", ClaimStatus.SUBMITTED, event="submitted",
                    stamp={"submitted_at": NOW}), …])

    class Claim(models.Model):
        workflow = CLAIM_WORKFLOW
        …

    transition(claim, "submit", actor=user)           # by action
    transition(claim, ClaimStatus.SUBMITTED, actor=user)  # or by target status
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import DomainError, ErrorCode


class Stamp:
    """Values a step may write into a field of the object (besides the status)."""

    NOW = "now"  # the time of the transition
    ACTOR = "actor"  # the acting user
    REASON = "reason"  # the reason given to transition() (cut to the field's length)
    CLEAR = "clear"  # None (a nullable who/when field emptied again)
    BLANK = "blank"  # "" (a text field emptied again)


NOW, ACTOR, REASON, CLEAR, BLANK = Stamp.NOW, Stamp.ACTOR, Stamp.REASON, Stamp.CLEAR, Stamp.BLANK


@dataclass(frozen=True)
class Step:
    """One allowed move: from `source`, `action` leads to `target`.

    `event` names the audit action (`<workflow name>.<event>`, default the target status);
    `label` is the action as people read it (in the 409 message); `stamp` maps field names
    of the object to a Stamp value."""

    source: str
    action: str
    target: str
    event: str = ""
    label: object = ""
    stamp: dict = field(default_factory=dict)


@dataclass(frozen=True)
class History:
    """The model that gets one row per status change, as "app_label.Model", and the name
    of its foreign key to the object. The row gets `actor`, `from_status`, `to_status` and
    `reason` (the history model declares these four fields)."""

    model: str
    fk: str


@dataclass(frozen=True)
class Workflow:
    name: str  # the audit noun: "claim" → "claim.submitted"
    status: type[models.TextChoices]
    steps: Iterable[Step]
    history: History | None = None
    org_of: Callable | None = None  # the organisation an audit row is filed under
    noun: object = ""  # "claim" as people read it, for the 409 message
    status_field: str = "status"
    table: dict = field(init=False, repr=False)

    def __post_init__(self):
        table = {}
        for step in self.steps:
            self.status(step.source), self.status(step.target)  # a typo fails at import
            key = (str(step.source), step.action)
            if key in table:
                raise ValueError(f"{self.name}: two steps for {key}")
            table[key] = step
        object.__setattr__(self, "table", table)

    @property
    def actions(self) -> list[str]:
        """Every action of the table, in the order of declaration."""
        return list(dict.fromkeys(step.action for step in self.table.values()))

    def step(self, status: str, action: str) -> Step | None:
        """The step `action` takes from `status`, or None when the table has none."""
        return self.table.get((str(status), action))

    def can(self, obj, action: str) -> bool:
        return self.step(getattr(obj, self.status_field), action) is not None

    def actions_from(self, status: str) -> list[str]:
        return [step.action for (source, _a), step in self.table.items() if source == str(status)]

    def resolve(self, status: str, action_or_to: str) -> Step | None:
        """The step for an action name or a target status from `status`; None when it is a
        known action or status the table does not allow from here. An unknown name is a
        programming error (ValueError), not a user's."""
        if action_or_to in self.actions:
            return self.step(status, action_or_to)
        if action_or_to in self.status.values:
            found = [s for s in self.table.values()
                     if s.source == str(status) and s.target == str(action_or_to)]
            if len(found) > 1:
                raise ValueError(f"{self.name}: several actions lead from {status} to {action_or_to}; "
                                 "name the action")
            return found[0] if found else None
        raise ValueError(f"{self.name}: {action_or_to!r} is neither an action nor a status")


def workflow_of(obj) -> Workflow:
    workflow = getattr(type(obj), "workflow", None)
    if not isinstance(workflow, Workflow):
        raise TypeError(f"{type(obj).__name__} declares no workflow")
    return workflow


def _stamp_value(kind: str, *, now, actor, reason: str, model_field):
    if kind == NOW:
        return now
    if kind == ACTOR:
        return actor
    if kind == REASON:
        return reason[: model_field.max_length] if model_field.max_length else reason
    if kind == CLEAR:
        return None
    if kind == BLANK:
        return ""
    raise ValueError(f"unknown stamp {kind!r}")


def transition(obj, action_or_to: str, *, actor, reason: str = "", actor_label: str | None = None):
    """Take one step of `obj`'s workflow (by action name or target status) if its table
    allows it from the current status, else raise 409 `conflict` and write nothing.

    Call inside the transaction of the change, with the row locked. Saves only the status,
    the step's stamps and the model's auto_now fields; writes the history row and the
    audit row (`<name>.<event>`, before/after status, the reason as note). A step the
    system takes (actor None) may say on whose behalf in `actor_label`."""
    workflow = workflow_of(obj)
    before = str(getattr(obj, workflow.status_field))
    step = workflow.resolve(before, str(action_or_to))
    if step is None:
        label = (str(workflow.status(action_or_to).label) if action_or_to in workflow.status.values
                 else str(next((s.label for s in workflow.table.values()
                                if s.action == action_or_to and s.label), action_or_to)))
        raise DomainError(ErrorCode.CONFLICT,
                          _("This %(noun)s is %(status)s: “%(action)s” is not possible now.")
                          % {"noun": workflow.noun or workflow.name,
                             "status": workflow.status(before).label, "action": label})
    now = timezone.now()
    setattr(obj, workflow.status_field, str(step.target))
    fields = [workflow.status_field]
    for name, kind in step.stamp.items():
        model_field = obj._meta.get_field(name)
        setattr(obj, model_field.attname if kind == CLEAR else name,
                _stamp_value(kind, now=now, actor=actor, reason=reason or "", model_field=model_field))
        fields.append(name)
    fields += [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
    obj.save(update_fields=list(dict.fromkeys(fields)))
    if workflow.history is not None:
        history = apps.get_model(workflow.history.model)
        limit = history._meta.get_field("reason").max_length
        history.objects.create(**{workflow.history.fk: obj}, actor=actor, from_status=before,
                               to_status=str(step.target), reason=(reason or "")[:limit])
    audit_record(actor=actor, action=f"{workflow.name}.{step.event or step.target}", obj=obj,
                 org=workflow.org_of(obj) if workflow.org_of else None,
                 before={"status": before}, after={"status": str(step.target)}, note=reason or "",
                 actor_label=actor_label)
    return obj
