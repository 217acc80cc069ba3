"""Ledger benchmark on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi python -m bench [--scale 1.0]
    BENCH_PEOPLE=20000 python -m bench          # or --people 20000: a smaller academy

Builds a throwaway database (<database>_bench) with an academy of 70,000 people and 4.2M
ledger entries (times --scale, or --people / BENCH_PEOPLE people), then measures:
- the archive (我的档案) of a person with 500 entries: queries and median time;
- pages under load (gunicorn + wrk, bench/pages.py) against a plain "ok" view, the staff
  import of 5,000 rows against calamine + COPY, the audit export of 20,000 rows against
  raw XlsxWriter;
- academy-wide effective hours per person for a year: the raw aggregate over the
  entries against the same figure over LedgerYearTotal, and what the platform's
  `totals_by_person` costs for the whole academy (target: at most 0.5× the raw
  aggregate).
- reports (issue 13): the academy's completion and backbone figures against the same raw
  aggregate (target ≤ 0.5×), one institute's staff overview and backbone candidates
  (target ≤ 100 ms), and the academy's staff-overview export against raw XlsxWriter in
  constant-memory mode (target ≤ 1.3×, peak ≤ 150 MB, traced with tracemalloc).
Prints a table and writes bench/results.json.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ["online", "self_study", "offline", "offline", "offline"]


def _admin_dsn(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def _recreate(url: str, name: str) -> str:
    with psycopg.connect(_admin_dsn(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def _copy(conn, table: str, columns: list[str], rows) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def populate(url: str, people: int, per_person: int, year: int) -> dict:
    with psycopg.connect(url) as conn:
        cur = conn.cursor()
        cur.execute("INSERT INTO orgs_org (kind, name, abbr, path, sort_order, initial_password_mode, "
                    "default_initial_password, active) VALUES ('academy', '中国科学院', 'cas', '/1/', 0, "
                    "'default', 'Abcd1234', true) RETURNING id")
        academy = cur.fetchone()[0]
        cur.execute("UPDATE orgs_org SET path = %s, root_id = %s WHERE id = %s",
                    (f"/{academy}/", academy, academy))
        institutes = []
        for i in range(100):
            cur.execute("INSERT INTO orgs_org (kind, name, abbr, parent_id, root_id, path, sort_order, "
                        "initial_password_mode, default_initial_password, active) VALUES "
                        "('institute', %s, %s, %s, %s, '', 0, 'default', 'Abcd1234', true) RETURNING id",
                        (f"研究所{i}", f"inst{i}", academy, academy))
            iid = cur.fetchone()[0]
            cur.execute("UPDATE orgs_org SET path = %s, institute_id = %s WHERE id = %s",
                        (f"/{academy}/{iid}/", iid, iid))
            institutes.append(iid)
        started = time.perf_counter()
        _copy(conn, "accounts_user",
              ["password", "is_superuser", "login_name", "real_name", "employee_no", "institute_id",
               "post_type", "hours_required", "is_active", "is_staff", "date_joined",
               "password_is_initial", "security_stamp"],
              (("!", False, f"bench-{n}", f"职工{n}", str(n), institutes[n % 100], "research", True,
                True, False, "2020-01-01T00:00:00Z", False, 0) for n in range(people + 1)))
        cur.execute("SELECT min(id) FROM accounts_user")
        first_id = cur.fetchone()[0]

        def entries():
            for n in range(people):
                pid = first_id + n
                for k in range(per_person):
                    month = k % 12 + 1
                    yield (pid, year, month, CLASSES[k % 5], "", 30 + (n + k) % 90, "admin",
                           f"b{n}-{k}", "", "{}", f"credit:admin:b{n}-{k}:{pid}:{year}-{month:02d}", "",
                           "2026-01-01T00:00:00Z")
            heavy = first_id + people  # the person with 500 entries
            for k in range(500):
                month = k % 12 + 1
                yield (heavy, year, month, CLASSES[k % 5], "", 45, "project" if k % 3 else "claim",
                       f"h{k}", f"培训{k}", "{}", f"credit:x:h{k}:{heavy}:{year}-{month:02d}", "",
                       "2026-01-01T00:00:00Z")

        _copy(conn, "ledger_ledgerentry",
              ["person_id", "year", "month", "cap_class", "category", "minutes", "source_kind",
               "source_id", "source_label", "details", "idempotency_key", "note", "created_at"],
              entries())
        cur.execute("INSERT INTO ledger_ledgertotal (person_id, year, month, cap_class, minutes) "
                    "SELECT person_id, year, month, cap_class, sum(minutes) FROM ledger_ledgerentry "
                    "GROUP BY person_id, year, month, cap_class")
        cur.execute("INSERT INTO ledger_ledgeryeartotal (person_id, year, cap_class, minutes) "
                    "SELECT person_id, year, cap_class, sum(minutes) FROM ledger_ledgerentry "
                    "GROUP BY person_id, year, cap_class")
        conn.commit()
        cur.execute("ANALYZE")
        conn.commit()
        return {"academy": academy, "heavy_person": first_id + people,
                "load_seconds": round(time.perf_counter() - started, 1)}


def _timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def measure(url: str, info: dict, year: int, runs: int) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from ledger.queries import archive_for, totals_by_person

    person = User.objects.select_related("institute").get(pk=info["heavy_person"])
    archive_for(person, (year, 1), (year, 12))  # warm
    with CaptureQueriesContext(connection) as ctx:
        archive = archive_for(person, (year, 1), (year, 12))
    archive_ms = _timed(lambda: archive_for(person, (year, 1), (year, 12)), runs)

    raw_sql = ("SELECT person_id, cap_class, sum(minutes) FROM ledger_ledgerentry "
               "WHERE year = %s GROUP BY person_id, cap_class")
    totals_sql = ("SELECT person_id, cap_class, minutes FROM ledger_ledgeryeartotal "
                  "WHERE year = %s")

    def run(sql):
        with connection.cursor() as cur:
            cur.execute(sql, [year])
            cur.fetchall()

    run(raw_sql)
    run(totals_sql)
    raw_ms = _timed(lambda: run(raw_sql), max(3, runs // 4))
    totals_ms = _timed(lambda: run(totals_sql), max(3, runs // 4))
    people = User.objects.filter(institute__root_id=info["academy"]).values("pk")
    totals_by_person(people, year)  # warm
    platform_ms = _timed(lambda: totals_by_person(people, year), max(3, runs // 4))
    reports = measure_reports(info, year, runs, raw_ms)
    return {
        "reports": reports,
        "archive_500_entries": {"queries": len(ctx.captured_queries), "median_ms": round(archive_ms, 2),
                                "total_minutes": archive.total},
        "academy_year_figures": {"raw_entries_ms": round(raw_ms, 1), "totals_ms": round(totals_ms, 1),
                                 "ratio": round(totals_ms / raw_ms, 3),
                                 "platform_totals_by_person_ms": round(platform_ms, 1),
                                 "platform_ratio": round(platform_ms / raw_ms, 3)},
    }


def measure_more(url: str, secret: str, info: dict, year: int, args) -> dict:
    """The pages under load and the staff import / audit export pairs (bench/pages.py)."""
    from bench import pages

    prepared = pages.prepare(info, year)
    out = {}
    if not args.skip_pages:
        out["pages"] = pages.measure_pages(url, secret, info, prepared, year, rounds=args.page_rounds,
                                           seconds=args.page_seconds)
    out["staff_import"] = pages.measure_staff_import(prepared)
    out["audit_export"] = pages.measure_audit_export(prepared)
    return out


def measure_reports(info: dict, year: int, runs: int, raw_ms: float) -> dict:
    """Issue 13's pairs: academy figures vs the raw aggregate, one institute, the export."""
    import tempfile
    import tracemalloc

    import xlsxwriter

    from accounts.models import Role, RoleAssignment, User
    from ledger.queries import policy_for
    from orgs.models import Org
    from reports.exports import staff_headers, staff_values, write_staff_overview
    from reports.queries import (
        active_staff_of,
        backbone_by_institute,
        backbone_candidates,
        completion_by_institute,
        staff_overview,
    )

    academy = Org.objects.get(pk=info["academy"])
    admin = User(login_name="bench-reports-admin", real_name="bench reports")
    admin.set_unusable_password()
    admin.save()
    role = RoleAssignment.objects.create(user=admin, role=Role.ACADEMY_ADMIN, org=academy)
    institute = Org.objects.filter(root=academy, kind="institute").order_by("pk").first()
    few = max(3, runs // 4)

    def academy_figures():
        completion_by_institute(role, year)
        backbone_by_institute(Org.objects.filter(root=academy, kind="institute"), year)

    academy_figures()
    academy_ms = _timed(academy_figures, few)
    rules = policy_for(institute, year)
    one_ms = _timed(lambda: backbone_candidates(active_staff_of(institute), year, rules), runs)
    inst_role = RoleAssignment.objects.create(user=admin, role=Role.INSTITUTE_ADMIN, org=institute)
    overview_ms = _timed(lambda: staff_overview(inst_role, year), runs)

    overview = staff_overview(role, year)

    def export_platform():
        with tempfile.TemporaryFile() as handle:
            write_staff_overview(handle, overview)

    rows = [staff_values(overview, r) for r in overview.rows]  # the same cells, prepared

    def export_raw():
        with tempfile.TemporaryFile() as handle:
            book = xlsxwriter.Workbook(handle, {"constant_memory": True})
            sheet = book.add_worksheet()
            sheet.write_row(0, 0, staff_headers(overview))
            for r, row in enumerate(rows, start=1):
                sheet.write_row(r, 0, [str(v) if v is not None and not isinstance(v, (int, float)) else v
                                       for v in row])
            book.close()

    raw_export_ms = _timed(export_raw, 3)
    tracemalloc.start()
    started = time.perf_counter()
    export_platform()
    platform_export_ms = (time.perf_counter() - started) * 1000
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    platform_export_ms = min(platform_export_ms, _timed(export_platform, 3))
    return {"academy_figures_ms": round(academy_ms, 1), "academy_ratio": round(academy_ms / raw_ms, 3),
            "institute_candidates_ms": round(one_ms, 1), "institute_overview_ms": round(overview_ms, 1),
            "institute_staff": active_staff_of(institute).count(),
            "export_rows": len(overview.rows), "export_ms": round(platform_export_ms, 1),
            "raw_export_ms": round(raw_export_ms, 1),
            "export_ratio": round(platform_export_ms / raw_export_ms, 3),
            "export_peak_mb": round(peak / 1024 / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--people", type=int, default=int(os.environ.get("BENCH_PEOPLE", 0)),
                        help="people in the academy (default: 70,000 × scale)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the <database>_bench database")
    parser.add_argument("--page-rounds", type=int, default=3, help="rounds of the pages benchmark")
    parser.add_argument("--page-seconds", type=int, default=5, help="seconds of load per page and round")
    parser.add_argument("--skip-pages", action="store_true", help="no pages benchmark (no gunicorn, no wrk)")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xueshi")
    if not base.startswith("postgres"):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    people = max(100, args.people or int(70_000 * args.scale))
    per_person = 60
    year = 2026
    # Named after the caller's database, so that benchmarks of two checkouts sharing a
    # server do not drop each other's.
    bench_db = base.rsplit("/", 1)[1].split("?")[0] + "_bench"
    url = _recreate(base, bench_db)
    # One key for this process and the server it starts: sessions made here are valid there.
    import secrets

    secret = os.environ["SECRET_KEY"] = "bench-" + secrets.token_urlsafe(48)
    try:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        info = populate(url, people, per_person, year)
        results = {"people": people, "entries": people * per_person + 500, **info,
                   **measure(url, info, year, args.runs),
                   **measure_more(url, secret, info, year, args),
                   "load_average": [round(x, 2) for x in os.getloadavg()],
                   "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(_admin_dsn(base), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    out = io.StringIO()
    a, y = results["archive_500_entries"], results["academy_year_figures"]
    out.write(f"people {results['people']:,}, entries {results['entries']:,} (loaded in {results['load_seconds']} s)\n")
    out.write(f"archive of a person with 500 entries: {a['queries']} queries, median {a['median_ms']} ms\n")
    out.write(f"academy year figures, raw aggregate over entries: {y['raw_entries_ms']} ms\n")
    out.write(f"academy year figures, over LedgerYearTotal:       {y['totals_ms']} ms "
              f"({y['ratio']:.2f}× the raw aggregate)\n")
    out.write(f"totals_by_person for the whole academy:          {y['platform_totals_by_person_ms']} ms "
              f"({y['platform_ratio']:.2f}× the raw aggregate)\n")
    for name, p in results.get("pages", {}).items():
        if not name.startswith("_"):
            out.write(f"page {name:18} {p['rps']:8.1f} req/s  p50 {p['p50_ms']:7.1f} ms  p99 {p['p99_ms']:7.1f} ms  "
                      f"plain {p['plain_rps']:7.1f} req/s  ratio {p['ratio']:.3f}\n")
    for pair in ("staff_import", "audit_export"):
        p = results[pair]
        out.write(f"{pair}: {p['rows']} rows, platform {p['platform_ms']} ms ({p['platform_peak_mb']} MB), "
                  f"raw {p.get('raw_calamine_copy_ms', p.get('raw_xlsxwriter_ms'))} ms ({p['raw_peak_mb']} MB), "
                  f"ratio {p['ratio']}\n")
    r = results["reports"]
    out.write(f"reports, academy completion + backbone figures:  {r['academy_figures_ms']} ms "
              f"({r['academy_ratio']:.2f}× the raw aggregate; target ≤ 0.5×)\n")
    out.write(f"reports, one institute ({r['institute_staff']} staff): candidates {r['institute_candidates_ms']} ms, "
              f"overview {r['institute_overview_ms']} ms (target ≤ 100 ms)\n")
    out.write(f"reports, staff export of {r['export_rows']:,} rows: {r['export_ms']} ms vs raw XlsxWriter "
              f"{r['raw_export_ms']} ms ({r['export_ratio']:.2f}×; target ≤ 1.3×), peak {r['export_peak_mb']} MB\n")
    out.write(f"load average during the run: {results['load_average']}\n")
    print(out.getvalue(), end="")
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
