"""Crash safety (ABUSE-CASES 24): SIGKILL the server in the middle of a large staff import
and of a batch approval, start it again: all or nothing, at seeded random kill points.

A real gunicorn runs on a scratch PostgreSQL database; the test speaks HTTP to it like a
browser (login, 我的管理, the import and review pages). The uninterrupted request is
timed first; every trial then kills the whole process group after a seeded random delay
in [0, that duration) (the first three one each in its early, middle and late third). After the restart the database holds either none of the batch or
all of it, with the audit trail (and for approvals the ledger) agreeing. A trial proves
something only if the request died with the server while the server's open transaction
had already changed rows (PostgreSQL's lock table shows it) and none of that survived;
trials go on (up to MAX_TRIALS) until one does, so the test cannot pass by killing only
before or after the work.

Set XUESHI_CRASH_SEED to try other kill points; a failure message names the delays.
"""

import json
import os
import random
import subprocess
import threading
import time
from dataclasses import dataclass

import psycopg
import pytest
import requests

from accounts.staff_import import COLUMNS
from core.tests.servers import BIN, ROOT, ScratchDatabase, Server
from core.xlsx import write_xlsx

pytestmark = pytest.mark.postgres_only

SEED = int(os.environ.get("XUESHI_CRASH_SEED", "24"))
PASSWORD = "Crash-safe-2026!"
STAFF_ROWS = 6000  # ~2 s of bulk import on PostgreSQL on an idle 2-core machine
CLAIMS = 200  # ~5 s of batch approval
MIN_TRIALS, MAX_TRIALS = 3, 6

# The server hashes with MD5 as the rest of the suite does (conftest.py): production's
# PBKDF2 costs ~0.4 s for each imported person's initial password, so a large import
# would take minutes. Nothing about atomicity depends on the hasher.
SETTINGS = """\
from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
"""

SETUP = """
import json
from django.utils import timezone
from accounts.models import Role
from accounts.services import admin_bootstrap
from ledger.services import policy_seed_cas
from orgs.models import OrgKind
from orgs.services import org_create

academy = org_create(actor=None, kind=OrgKind.ACADEMY, name="中国科学院")
policy_seed_cas(academy, timezone.localdate().year)
roles = {}
for abbr, name in (("imp", "导入研究所"), ("ref", "对照研究所"), ("clm", "审核研究所")):
    institute = org_create(actor=None, kind=OrgKind.INSTITUTE, name=name, parent=academy, abbr=abbr)
    for n in range(5):
        org_create(actor=None, kind=OrgKind.DEPARTMENT, name=f"研究部{n}", parent=institute)
    admin = admin_bootstrap(login_name=f"{abbr}-admin", real_name=f"{name}管理员",
                            role=Role.INSTITUTE_ADMIN, org=institute, password=%(password)r,
                            institute=institute)
    roles[abbr] = {"role": admin.roles.get().pk, "institute": institute.pk}
print(json.dumps(roles))
"""

# Learners (made once) and, for each label, one submitted claim each, through the services.
CLAIMS_CODE = """
import json
from datetime import date
from django.db import transaction
from django.utils import timezone
from accounts.models import PostType, User
from accounts.services import person_create
from claims.services import categories_for, claim_create
from orgs.models import Org

args = json.loads(%(args)r)
institute = Org.objects.get(abbr="clm")
admin = User.objects.get(login_name="clm-admin")
role = admin.roles.get()
departments = list(Org.objects.filter(parent=institute).order_by("pk"))
year = timezone.localdate().year
with transaction.atomic():
    learners = list(User.objects.filter(institute=institute).exclude(pk=admin.pk).order_by("pk"))
    for n in range(len(learners), args["count"]):
        person, _pw = person_create(actor=admin, role=role, real_name=f"学员{n:04d}",
                                    institute=institute, department=departments[n %% 5],
                                    employee_no=f"CLM-{n:04d}", post_type=PostType.RESEARCH)
        learners.append(person)
# claim_create runs in a transaction of its own (durable): not inside the block above.
category = categories_for(learners[0], "external_training", year)[0].code
sets = []
for label in args["labels"]:
    sets.append([claim_create(actor=learner, kind="external_training", submit=True, data={
        "year": year, "name": f"外部培训 {label}-{n}", "category": category,
        "start": date(year, 1, 6), "end": date(year, 1, 7), "hours": "8",
        "organiser": "中国科学院", "location": "南京"}).pk
        for n, learner in enumerate(learners[:args["count"]])])
print(json.dumps(sets))
"""


class CrashDatabase(ScratchDatabase):
    """The scratch database, with the test's settings module and a private var dir (the
    import's result files hold initial passwords; they stay out of the checkout)."""

    def __init__(self, base_url: str, name: str, workdir):
        super().__init__(base_url, name)
        (workdir / "crash_settings.py").write_text(SETTINGS)
        (workdir / "var").mkdir()
        self.workdir = workdir

    def env(self) -> dict:
        env = super().env()
        env["DJANGO_SETTINGS_MODULE"] = "crash_settings"
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(self.workdir), env.get("PYTHONPATH", "")) if p)
        env["XUESHI_VAR_DIR"] = str(self.workdir / "var")
        # The imports under test run inside the request (all or nothing in one
        # transaction); larger files would go to the worker, which is not killed here.
        env["XUESHI_IMPORT_INLINE_ROWS"] = "100000"
        return env

    def json_python(self, code: str):
        return json.loads(self.run_python(code).splitlines()[-1])

    def rows(self, sql: str, params=()) -> list:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def _clients(self, extra: str = "") -> int:
        return self.rows("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                         "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                         + extra, (self.name,))[0][0]

    def uncommitted_writes(self, table: str) -> bool:
        """Whether a session of the server holds the lock that INSERT/UPDATE/DELETE take
        on `table`: its open transaction has changed rows there."""
        return self.rows("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                         "WHERE a.datname = %s AND a.pid <> pg_backend_pid() "
                         "AND l.relation = %s::regclass AND l.mode = 'RowExclusiveLock'",
                         (self.name, table))[0][0] > 0

    def wait_for_no_clients(self, timeout: float = 30):
        """The killed server's sessions end once PostgreSQL notices the dead sockets."""
        deadline = time.monotonic() + timeout
        while self._clients():
            assert time.monotonic() < deadline, "sessions of the killed server linger"
            time.sleep(0.05)

    def ledger_check(self):
        result = subprocess.run([str(BIN / "python"), "manage.py", "ledger_check"], cwd=ROOT,
                                env=self.env(), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert "0 wrong" in result.stdout, result.stdout


@dataclass
class Site:
    db: CrashDatabase
    server: Server
    units: dict


@dataclass
class Kill:
    delay: float
    interrupted: bool  # the request died with the server (no response)
    writing: bool  # at the kill, the server's open transaction had changed rows
    outcome: str = ""  # after the restart: "none" or "all" of the batch

    @property
    def proves_rollback(self) -> bool:
        """Killed inside the transaction, and nothing of it survived."""
        return self.interrupted and self.writing and self.outcome == "none"


def kill_delay(rng: random.Random, duration: float, trial: int) -> float:
    """A random point in [0, duration): the first MIN_TRIALS fall one in each of as many
    equal slices (early, middle, late), later ones anywhere."""
    if trial < MIN_TRIALS:
        return duration * (trial + rng.random()) / MIN_TRIALS
    return duration * rng.random()


def more_trials(kills: list[Kill]) -> bool:
    proven = any(k.proves_rollback for k in kills)
    return len(kills) < MIN_TRIALS or (len(kills) < MAX_TRIALS and not proven)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = CrashDatabase(os.environ["DATABASE_URL"], f"xueshi_crash_{os.getpid()}",
                       tmp_path_factory.mktemp("crash"))
    with db:
        units = db.json_python(SETUP % {"password": PASSWORD})
        server = Server(db)
        try:
            server.start()
            yield Site(db, server, units)
        finally:
            server.stop()


def admin_session(site: Site, abbr: str) -> requests.Session:
    """Log in as the institute admin and enter 我的管理 through the real forms."""
    url = site.server.url
    session = requests.Session()
    session.get(url + "/login/", timeout=30)
    response = session.post(url + "/login/", allow_redirects=False, timeout=30, data={
        "login": f"{abbr}-admin", "password": PASSWORD,
        "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert response.status_code == 302, response.text[:500]
    response = session.post(url + "/manage/enter/", allow_redirects=False, timeout=30, data={
        "role": site.units[abbr]["role"], "password": PASSWORD,
        "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert response.status_code == 302 and "/manage/" in response.headers["Location"], \
        response.text[:500]
    return session


def timed_post(site: Site, session: requests.Session, path: str, **kwargs):
    started = time.monotonic()
    response = session.post(site.server.url + path, allow_redirects=False, timeout=(10, 300),
                            data={"csrfmiddlewaretoken": session.cookies["csrftoken"],
                                  **kwargs.pop("data", {})}, **kwargs)
    return response, time.monotonic() - started


def post_and_kill(site: Site, session: requests.Session, path: str, delay: float, *, table: str,
                  **kwargs) -> Kill:
    """Send the request, SIGKILL the server `delay` seconds later (noting whether it had
    uncommitted changes in `table`), start it again."""
    outcome = {}

    def send():
        try:
            outcome["response"], _elapsed = timed_post(site, session, path, **kwargs)
        except requests.RequestException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    time.sleep(delay)
    writing = site.db.uncommitted_writes(table)
    site.server.kill()
    thread.join(60)
    assert not thread.is_alive(), "the request outlived the server"
    site.db.wait_for_no_clients()
    site.server.start()
    return Kill(delay=delay, interrupted="error" in outcome, writing=writing)


# --- a large staff import ------------------------------------------------------------------

def staff_file(batch: int) -> bytes:
    """STAFF_ROWS valid people; `batch` (one digit) keeps numbers and mobiles unique."""
    posts = ["科研岗", "科研岗", "管理岗", "支撑岗"]
    rows = [(f"职工{batch}{n:04d}", f"B{batch}-{n:04d}", "", f"13{batch}{n:08d}", f"研究部{n % 5}",
             posts[n % 4], f"{2000 + n % 25}-{1 + n % 12:02d}-01", "否" if n % 10 == 0 else "是")
            for n in range(STAFF_ROWS)]
    return write_xlsx(COLUMNS, rows, sheet_name="人员")


STAFF_COUNTERS = {
    "users": "SELECT count(*) FROM accounts_user",
    "person.created": "SELECT count(*) FROM core_auditevent WHERE action = 'person.created'",
}


def counters(db, queries: dict) -> dict:
    return {name: db.rows(sql)[0][0] for name, sql in queries.items()}


def staff_state(db, institute: int, batch: int) -> dict:
    """The batch's people, each one's person.created audit rows, and audit rows that
    name a person who does not exist (a rolled-back creation must leave none)."""
    people = db.rows("SELECT employee_no, count(*) FROM accounts_user "
                     "WHERE institute_id = %s AND employee_no LIKE %s GROUP BY employee_no",
                     (institute, f"B{batch}-%"))
    audit = db.rows("SELECT u.employee_no, count(a.id) FROM accounts_user u "
                    "LEFT JOIN core_auditevent a ON a.object_id = u.id::text "
                    "AND a.object_type = 'accounts.user' AND a.action = 'person.created' "
                    "WHERE u.institute_id = %s AND u.employee_no LIKE %s GROUP BY u.employee_no",
                    (institute, f"B{batch}-%"))
    orphans = db.rows("SELECT count(*) FROM core_auditevent a WHERE a.object_type = 'accounts.user' "
                      "AND NOT EXISTS (SELECT 1 FROM accounts_user u WHERE u.id::text = a.object_id)")
    return {"people": dict(people), "audit": dict(audit), "orphans": orphans[0][0]}


def assert_staff_complete(state: dict):
    assert len(state["people"]) == STAFF_ROWS
    assert set(state["people"].values()) == {1}, "someone exists twice"
    assert set(state["audit"].values()) == {1}, "not exactly one person.created row each"
    assert state["orphans"] == 0


def test_staff_import_killed_midway_is_all_or_nothing(site):
    db, rng = site.db, random.Random(f"{SEED}-staff-import")

    # The uninterrupted import (into a twin institute) sets the time scale.
    response, duration = timed_post(site, admin_session(site, "ref"), "/manage/staff/import/",
                                    files={"file": ("人员.xlsx", staff_file(0))})
    assert response.status_code == 200, response.text[:500]
    assert_staff_complete(staff_state(db, site.units["ref"]["institute"], 0))
    assert duration > 1, f"the import took {duration:.2f} s: too fast to kill midway; add rows"

    institute, batch, kills = site.units["imp"]["institute"], 1, []
    while more_trials(kills):
        if kills and kills[-1].outcome == "all":
            batch += 1  # the next trial needs people not yet imported
        before = counters(db, STAFF_COUNTERS)
        kill = post_and_kill(site, admin_session(site, "imp"), "/manage/staff/import/",
                             kill_delay(rng, duration, len(kills)), table="accounts_user",
                             files={"file": ("人员.xlsx", staff_file(batch))})
        kills.append(kill)
        # Restarted: the batch is wholly absent or wholly present, audit rows included.
        state = staff_state(db, institute, batch)
        delta = {k: v - before[k] for k, v in counters(db, STAFF_COUNTERS).items()}
        context = f"seed {SEED}, duration {duration:.2f} s, kills {kills}"
        assert len(state["people"]) in (0, STAFF_ROWS), f"partial import; {context}"
        assert state["orphans"] == 0, f"audit rows of people who do not exist; {context}"
        if state["people"]:
            kill.outcome = "all"
            assert_staff_complete(state)
            assert delta == {"users": STAFF_ROWS, "person.created": STAFF_ROWS}, context
        else:
            kill.outcome = "none"
            assert delta == {"users": 0, "person.created": 0}, context
        print(f"staff import: {duration=:.2f} {kill}")  # shown with -rA or on failure
    assert any(k.proves_rollback for k in kills), \
        f"no kill landed inside the import's transaction: {kills}"

    # The last trial's file, run to completion: every row once (importing it again after a
    # committed trial changes nothing).
    before = counters(db, STAFF_COUNTERS)
    response, _elapsed = timed_post(site, admin_session(site, "imp"), "/manage/staff/import/",
                                    files={"file": ("人员.xlsx", staff_file(batch))})
    assert response.status_code == 200, response.text[:500]
    assert_staff_complete(staff_state(db, institute, batch))
    delta = {k: v - before[k] for k, v in counters(db, STAFF_COUNTERS).items()}
    assert delta == dict.fromkeys(STAFF_COUNTERS, 0 if kills[-1].outcome == "all" else STAFF_ROWS)


# --- a batch approval of external-learning claims ------------------------------------------

CLAIM_COUNTERS = {
    "entries": "SELECT count(*) FROM ledger_ledgerentry WHERE source_kind = 'claim'",
    "claim.approved": "SELECT count(*) FROM core_auditevent WHERE action = 'claim.approved'",
    "ledger.credited": "SELECT count(*) FROM core_auditevent WHERE action = 'ledger.credited'",
    "events": "SELECT count(*) FROM claims_claimevent WHERE to_status = 'approved'",
    "notifications": "SELECT count(*) FROM notifications_notification WHERE kind = 'claim.approved'",
}


def claim_sets(db, *labels: str) -> list[list[int]]:
    sets = db.json_python(CLAIMS_CODE % {"args": json.dumps({"count": CLAIMS, "labels": labels})})
    assert [len(ids) for ids in sets] == [CLAIMS] * len(labels)
    return sets


def claims_state(db, ids: list[int]) -> dict:
    statuses = db.rows("SELECT status, count(*) FROM claims_claim WHERE id = ANY(%s) GROUP BY status",
                       (ids,))
    entries = db.rows("SELECT source_id, count(*), sum(minutes) FROM ledger_ledgerentry "
                      "WHERE source_kind = 'claim' AND source_id = ANY(%s) GROUP BY source_id",
                      ([str(i) for i in ids],))
    credited = db.rows("SELECT count(*) FROM core_auditevent WHERE action = 'ledger.credited' "
                       "AND after->>'source' = ANY(%s)", ([f"claim:{i}" for i in ids],))
    return {"statuses": dict(statuses), "entries": {int(s): (n, m) for s, n, m in entries},
            "credited": credited[0][0]}


def assert_all_approved(state: dict, ids: list[int]):
    assert state["statuses"] == {"approved": CLAIMS}
    assert state["entries"] == dict.fromkeys(ids, (1, 8 * 60)), "not exactly one entry per claim"
    assert state["credited"] == CLAIMS


def approval(ids: list[int]) -> dict:
    return {"ids": [str(i) for i in ids], "action": "approve"}


def test_batch_approval_killed_midway_is_all_or_nothing(site):
    db, rng = site.db, random.Random(f"{SEED}-batch-approval")

    measured, ids = claim_sets(db, "measure", "trial-1")
    response, duration = timed_post(site, admin_session(site, "clm"), "/manage/claims/",
                                    data=approval(measured))
    assert response.status_code == 302, response.text[:500]
    assert_all_approved(claims_state(db, measured), measured)
    assert duration > 1, f"the approval took {duration:.2f} s: too fast to kill midway"

    kills = []
    while more_trials(kills):
        if kills and kills[-1].outcome == "all":
            [ids] = claim_sets(db, f"trial-{len(kills) + 1}")  # the next trial needs new claims
        before = counters(db, CLAIM_COUNTERS)
        kill = post_and_kill(site, admin_session(site, "clm"), "/manage/claims/",
                             kill_delay(rng, duration, len(kills)), table="ledger_ledgerentry",
                             data=approval(ids))
        kills.append(kill)
        state = claims_state(db, ids)
        delta = {k: v - before[k] for k, v in counters(db, CLAIM_COUNTERS).items()}
        context = f"seed {SEED}, duration {duration:.2f} s, kills {kills}, state {state['statuses']}"
        db.ledger_check()
        if state["statuses"] == {"submitted": CLAIMS}:
            kill.outcome = "none"
            assert state["entries"] == {} and state["credited"] == 0, context
            assert delta == dict.fromkeys(CLAIM_COUNTERS, 0), f"{delta}; {context}"
        else:
            assert state["statuses"] == {"approved": CLAIMS}, f"partial approval; {context}"
            kill.outcome = "all"
            assert_all_approved(state, ids)
            assert delta == dict.fromkeys(CLAIM_COUNTERS, CLAIMS), f"{delta}; {context}"
        print(f"batch approval: {duration=:.2f} {kill}")  # shown with -rA or on failure
    assert any(k.proves_rollback for k in kills), \
        f"no kill landed inside the approval's transaction: {kills}"

    # The last trial's batch, approved to completion (approving an approved batch again is
    # refused as a whole and credits nothing twice).
    before = counters(db, CLAIM_COUNTERS)
    response, _elapsed = timed_post(site, admin_session(site, "clm"), "/manage/claims/",
                                    data=approval(ids))
    assert response.status_code == 302, response.text[:500]
    assert_all_approved(claims_state(db, ids), ids)
    delta = {k: v - before[k] for k, v in counters(db, CLAIM_COUNTERS).items()}
    assert delta == dict.fromkeys(CLAIM_COUNTERS, 0 if kills[-1].outcome == "all" else CLAIMS)
    db.ledger_check()
