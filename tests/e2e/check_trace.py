#!/usr/bin/env python3
"""Check oomtrace --json events against the kernel's dmesg OOM reports.

usage: check_trace.py EVENTS.jsonl DMESG.txt LIMIT_PAGES GROWER_PID [HOSTILE_PID [MEMCG]]
With HOSTILE_PID (not 0), the environment's HOSTILE_NAME is that task's name.
With MEMCG, only the kernel reports whose oom_memcg is MEMCG count.
Prints one line per check; exit 1 on the first failure."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dmesg_oom  # noqa: E402
from checks import Checker  # noqa: E402

check = Checker()


def main():
    events_path, dmesg_path, limit_pages, grower = sys.argv[1:5]
    hostile = int(sys.argv[5]) if len(sys.argv) > 5 else None
    only_memcg = sys.argv[6] if len(sys.argv) > 6 else None
    limit_pages, grower = int(limit_pages), int(grower)
    lines = [l for l in open(events_path, encoding="utf-8") if l.strip()]
    events = [json.loads(l) for l in lines]  # every line must be valid JSON
    kills = [e for e in events if e["type"] == "oom_kill"]
    text = open(dmesg_path, encoding="utf-8", errors="replace").read()
    reports = [r for r in dmesg_oom.reports(text)
               if r["killed"] and (only_memcg is None or
                                   (r["oomkill"] or {}).get("oom_memcg") == only_memcg)]
    if not check(len(kills) == len(reports) and kills, "one event per kernel OOM kill", len(kills), len(reports)):
        # a report the kernel left out is no evidence against the event
        print(f"# {dmesg_oom.missing_reports(text) or 'no kill in the log lacks its report'}")
    if not kills or not reports:
        return 1
    ev, rep = kills[0], reports[0]
    check(ev["victim"]["pid"] == rep["killed"], "victim is the pid dmesg says was killed",
          ev["victim"]["pid"], rep["killed"])
    check(ev["trigger"]["pid"] == grower, "trigger is the allocating task", ev["trigger"]["pid"], grower)
    check(ev["constraint"] == "memcg", "constraint", ev["constraint"], "memcg")
    memcg = rep["oomkill"]["oom_memcg"] if rep["oomkill"] else None
    check(ev["memcg"] == memcg, "OOM memcg as dmesg's oom_memcg", ev["memcg"], memcg)
    check(ev["totalpages"] == limit_pages, "totalpages is the memcg limit", ev["totalpages"], limit_pages)
    kpids = sorted(r["tgid"] for r in rep["rows"])
    cands = ev["candidates"]
    check(sorted(c["pid"] for c in cands) == kpids, "candidate set equals dmesg task table",
          sorted(c["pid"] for c in cands), kpids)
    check(ev["candidates_total"] == len(kpids), "candidates_total", ev["candidates_total"], len(kpids))
    by_pid = {c["pid"]: c for c in cands}
    for row in rep["rows"]:
        c = by_pid.get(row["tgid"])
        if not c:
            continue
        want = dmesg_oom.kernel_points(row, ev["totalpages"])
        check(c["points"] == want, f"points of {row['tgid']} as the kernel computes from its row",
              c["points"], want)
        check(c["rss_pages"] == row["rss"], f"rss of {row['tgid']}", c["rss_pages"], row["rss"])
        check(c["pgtables_bytes"] == int(row["pgtables_bytes"]), f"pgtables of {row['tgid']}",
              c["pgtables_bytes"], int(row["pgtables_bytes"]))
        check(c["oom_score_adj"] == int(row["oom_score_adj"]), f"adj of {row['tgid']}",
              c["oom_score_adj"], int(row["oom_score_adj"]))
    ranked = [c["points"] for c in cands if c["points"] is not None]
    check(ranked == sorted(ranked, reverse=True), "candidates sorted by points", ranked, "descending")
    check(cands[0]["pid"] == rep["killed"], "rank 1 is the kernel's victim", cands[0]["pid"], rep["killed"])
    check(ev.get("victim_rank") == 1, "victim_rank", ev.get("victim_rank"), 1)
    check(any(f.startswith("out_of_memory+") for f in ev["kernel_stack"]), "kernel stack has out_of_memory",
          ev["kernel_stack"][:6], "out_of_memory+0x...")
    check(ev["lost_events"] == 0, "no lost events", ev["lost_events"], 0)
    # the trigger (grower) is gone when its stack is symbolized: the frame is
    # found through the executable BPF named and its build id
    us = ev.get("user_stack") or [{}]
    check(us[0].get("sym") == "main" and us[0].get("object", "").endswith("/hog")
          and len(us[0].get("build_id", "")) == 40,
          "user stack symbolized from the executable by build id", us[:2], "main in .../hog")
    if hostile:
        c = by_pid.get(hostile)
        # the name the test gave it, from the test itself: nothing shared
        # between tests, so each runs alone on a fresh machine
        want = os.environb[b"HOSTILE_NAME"].decode("utf-8", "replace")
        check(c is not None and c["comm"] == want, "hostile comm survives JSON round trip",
              c and c["comm"], want)
    return 1 if check.failed else 0


sys.exit(main())
