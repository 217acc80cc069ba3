"""Pages under load, and the staff import and audit export against their raw equivalents.

Run from bench/__main__.py after the academy is loaded; Django is set up in this process
on the bench database with the same SECRET_KEY as the server, so the sessions made here
are valid there.

pages: gunicorn (gunicorn.conf.py, 2 sync workers) with the production settings
(XUESHI_ENV=production, collected static files, DEBUG off) plus one route, /bench/ok/
(bench/settings.py), on the bench database; wrk (Debian package) sends the load over
loopback with the session cookie of a learner or of an admin. Each round measures, for
every page, the plain view with the same session and then the page, so each ratio
compares two figures taken moments apart; the figures are medians over the rounds.
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAIN = "/bench/ok/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session(user, *, admin_role=None) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.adminmode import SESSION_LAST, SESSION_ROLE, SESSION_SINCE
    from accounts.middleware import SESSION_STAMP

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.LoginNameEmailMobileBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SESSION_STAMP] = user.security_stamp
    if admin_role is not None:
        now = time.time()
        store[SESSION_ROLE] = admin_role.pk
        store[SESSION_SINCE] = now
        store[SESSION_LAST] = now
    store.create()
    return store.session_key


def prepare(info: dict, year: int) -> dict:
    """A policy for the academy, an institute admin, claims to review, and sessions."""
    from accounts.models import Role, RoleAssignment, User
    from claims.services import claim_create_on_behalf
    from ledger.services import policy_seed_cas
    from orgs.models import Org

    academy = Org.objects.get(pk=info["academy"])
    policy_seed_cas(academy, year)
    learner = User.objects.select_related("institute").get(login_name="bench-0")
    heavy = User.objects.get(pk=info["heavy_person"])
    institute = learner.institute
    admin = User.objects.create(login_name="bench-admin", real_name="所管理员", institute=institute,
                                password="!")
    role = RoleAssignment.objects.create(user=admin, role=Role.INSTITUTE_ADMIN, org=institute)
    made = 0
    for person in User.objects.filter(institute=institute).exclude(pk=admin.pk).order_by("pk")[:60]:
        for k in range(2):
            claim_create_on_behalf(actor=admin, role=role, owner=person, kind="external_training", data={
                "year": year, "name": f"学术会议{k}", "category": "external_training",
                "start": date(year, 3, 10 + k), "end": date(year, 3, 11 + k), "hours": "8",
                "organiser": "学会", "location": "北京", "cost": "0", "purpose": "交流",
                "content": "报告"})
            made += 1
    return {
        "learner": _session(learner), "heavy": _session(heavy),
        "admin_plain": _session(admin), "admin": _session(admin, admin_role=role),
        "institute": institute, "role": role, "admin_user": admin, "claims": made,
    }


def _server(url: str, port: int, secret: str, static_root: str):
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings",
           "XUESHI_ENV": "production", "SECRET_KEY": secret, "ALLOWED_HOSTS": "127.0.0.1",
           "XUESHI_HTTPS": "0", "XUESHI_STATIC_ROOT": static_root, "XUESHI_DEBUG": "0"}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                   cwd=ROOT, env=env, check=True)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "2",
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start: " + proc.stderr.read().decode(errors="replace")[-2000:])


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(port: int, path: str, session: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-H", f"Cookie: sessionid={session}", "-H", "Accept-Language: zh-hans",
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        lat[pct] = round(float(m.group(1)) * _UNIT[m.group(2)], 2)
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50_ms": lat["50"], "p99_ms": lat["99"], "non_2xx": int(m.group(1)) if m else 0}


def _status(port: int, path: str, session: str) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
    status = conn.getresponse().status
    conn.close()
    return status


def measure_pages(url: str, secret: str, info: dict, prepared: dict, year: int, *,
                  rounds: int, seconds: int, connections: int = 4) -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: make bench-deps (apt-get install wrk)")
    y = f"start={year}-01&end={year}-12"
    pages = {
        "home": ("/", "learner"),
        "archive_year": (f"/learning/archive/?{y}", "learner"),
        "archive_api": (f"/api/v1/ledger/archive/me?{y}", "learner"),
        "claims_list": ("/learning/external/external_training/", "learner"),
        "review_queue": ("/manage/claims/", "admin"),
        "staff_list": ("/manage/staff/", "admin"),
        "archive_500_page": (f"/learning/archive/?{y}", "heavy"),
        "archive_500_api": (f"/api/v1/ledger/archive/me?{y}", "heavy"),
        "plain_admin_mode": (PLAIN, "admin"),
    }
    port = _free_port()
    static_root = tempfile.mkdtemp(prefix="xueshi-bench-static-")
    proc = _server(url, port, secret, static_root)
    samples: dict[str, list] = {name: [] for name in pages}
    try:
        for name, (path, who) in pages.items():
            status = _status(port, path, prepared[who])
            if status != 200:
                raise RuntimeError(f"{name}: {path} answered {status} for the {who}'s session")
        for name in pages:  # warm both workers
            _wrk(port, pages[name][0], prepared[pages[name][1]], 1, connections)
        for _round in range(rounds):
            for name, (path, who) in pages.items():
                # The yardstick: the plain view with the same person's session, just before.
                # For admin mode the yardstick is the same admin's session without it.
                base_session = prepared["admin_plain" if name == "plain_admin_mode" else who]
                plain = _wrk(port, PLAIN, base_session, seconds, connections)
                page = _wrk(port, path, prepared[who], seconds, connections)
                samples[name].append((plain, page, os.getloadavg()[0]))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(static_root, ignore_errors=True)
    out = {}
    for name, runs in samples.items():
        def med(key, which, runs=runs):
            return round(statistics.median(r[which][key] for r in runs), 2)

        ratios = [r[1]["rps"] / r[0]["rps"] for r in runs]
        out[name] = {"path": pages[name][0], "session": pages[name][1],
                     "rps": med("rps", 1), "p50_ms": med("p50_ms", 1), "p99_ms": med("p99_ms", 1),
                     "plain_rps": med("rps", 0), "plain_p50_ms": med("p50_ms", 0),
                     "ratio": round(statistics.median(ratios), 3),
                     "ratios": [round(r, 3) for r in ratios],
                     "non_2xx": sum(r[1]["non_2xx"] for r in runs),
                     "load_average": round(statistics.median(r[2] for r in runs), 2)}
    out["_setup"] = {"server": "gunicorn, 2 sync workers, production settings, PostgreSQL",
                     "load": f"wrk -t1 -c{connections} -d{seconds}s, {rounds} rounds",
                     "plain_view": PLAIN}
    return out


# --- staff import and audit export ------------------------------------------------------------

def _peak(fn):
    """fn() run under tracemalloc: (result, peak Python allocations in MB)."""
    tracemalloc.start()
    try:
        result = fn()
        return result, round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
    finally:
        tracemalloc.stop()


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return round((time.perf_counter() - t) * 1000, 1)


class _Undo(Exception):
    pass


def _rolled_back(fn):
    """Run fn in a transaction that is rolled back, so each run starts from the same data."""
    from django.db import transaction

    holder = {}
    try:
        with transaction.atomic():
            holder["result"] = fn()
            raise _Undo
    except _Undo:
        pass
    return holder["result"]


def measure_staff_import(prepared: dict, rows: int = 5000, runs: int = 3) -> dict:
    import io

    from django.db import connection
    from python_calamine import CalamineWorkbook

    from accounts.staff_import import COLUMNS, staff_import
    from core.xlsx import write_xlsx

    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    data = write_xlsx(COLUMNS, [
        [f"{surnames[k % 30]}{surnames[(k // 30) % 30]}{surnames[(k // 900) % 30]}", f"IMP{k:06d}",
         f"imp{k}@bench.example" if k % 3 == 0 else "", f"137{k:08d}" if k % 2 else "",
         "", "科研岗", "2024-03-01", "是"] for k in range(rows)], sheet_name="人员")
    admin, role = prepared["admin_user"], prepared["role"]

    def platform():
        result = staff_import(actor=admin, role=role, upload=io.BytesIO(data))
        assert result.ok and len(result.created) == rows, result.errors[:3]
        return result

    def raw():
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        table = book.get_sheet_by_index(0).to_python()
        inst = prepared["institute"].pk
        connection.ensure_connection()
        with connection.connection.cursor() as cur, cur.copy(
                    "COPY accounts_user (password, is_superuser, login_name, real_name, employee_no, "
                    "institute_id, post_type, hours_required, is_active, is_staff, date_joined, "
                    "password_is_initial, security_stamp) FROM STDIN") as copy:
                for r in table[1:]:
                    copy.write_row(("!", False, f"raw-{r[1]}", r[0], r[1], inst, "research", True,
                                    True, False, "2026-01-01T00:00:00Z", True, 0))

    platform_ms = statistics.median(_timed(lambda: _rolled_back(platform)) for _ in range(runs))
    raw_ms = statistics.median(_timed(lambda: _rolled_back(raw)) for _ in range(runs))
    _r, platform_peak = _peak(lambda: _rolled_back(platform))
    _r, raw_peak = _peak(lambda: _rolled_back(raw))
    return {"rows": rows, "platform_ms": platform_ms, "raw_calamine_copy_ms": raw_ms,
            "ratio": round(platform_ms / raw_ms, 2),
            "platform_peak_mb": platform_peak, "raw_peak_mb": raw_peak,
            "note": f"medians of {runs} runs, each rolled back; peaks are Python allocations "
                    "(tracemalloc), in a separate run"}


def measure_audit_export(prepared: dict, rows: int = 20_000, runs: int = 3) -> dict:
    import io

    import xlsxwriter
    from django.db import connection
    from django.utils import translation

    from core.models import AuditEvent
    from portal.views import _audit_export

    org = prepared["institute"].pk
    connection.ensure_connection()
    with connection.connection.cursor() as cur, cur.copy(
                "COPY core_auditevent (at, actor_label, ip, action, object_type, object_id, object_repr, "
                "org_id, before, after, note) FROM STDIN") as copy:
            for k in range(rows):
                copy.write_row(("2026-06-01T08:00:00Z", f"管理员{k % 50} (admin{k % 50})", "10.0.0.1",
                                "person.updated", "accounts.user", str(k), f"职工{k}", org,
                                '{"real_name": "旧名"}', '{"real_name": "=新名"}', ""))
    events = AuditEvent.objects.filter(org_id=org, action="person.updated").order_by("-at", "-id")

    def platform():
        with translation.override("zh-hans"):
            response = _audit_export(events)
            size = sum(len(chunk) for chunk in response.streaming_content)
            response.close()
        return size

    def raw():
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False})
        sheet = book.add_worksheet()
        with connection.cursor() as cur:
            cur.execute("SELECT at::text, actor_label, ip::text, action, object_type, object_id, "
                        "object_repr, org_id::text, before::text, after::text, note "
                        "FROM core_auditevent WHERE org_id = %s AND action = 'person.updated' "
                        "ORDER BY at DESC, id DESC LIMIT %s", [org, rows])
            for r, row in enumerate(cur):
                for c, value in enumerate(row):
                    sheet.write_string(r, c, value or "")
        book.close()
        return len(buffer.getvalue())

    platform()
    platform_ms = statistics.median(_timed(platform) for _ in range(runs))
    raw_ms = statistics.median(_timed(raw) for _ in range(runs))
    _s, platform_peak = _peak(platform)
    _s, raw_peak = _peak(raw)
    return {"rows": rows, "platform_ms": platform_ms, "raw_xlsxwriter_ms": raw_ms,
            "ratio": round(platform_ms / raw_ms, 2),
            "platform_peak_mb": platform_peak, "raw_peak_mb": raw_peak,
            "note": f"medians of {runs} runs; peaks are Python allocations (tracemalloc), in a "
                    "separate run"}
