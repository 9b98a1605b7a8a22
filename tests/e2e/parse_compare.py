#!/usr/bin/env python3
"""Compare `oomtrace parse --json -k 0` events with the live tracer's.

usage: parse_compare.py LIVE.jsonl PARSED.jsonl MEMCG [HOSTILE_PID [exact-comm]]

Both files hold the events of one memcg's OOMs (each tool was filtered to
MEMCG, so OOMs that other tests trigger on this machine do not count). The
parsed events must name the same victims, the same candidate pids and the
same memory columns as the live ones. With exact-comm (a /dev/kmsg source,
whose escapes decode exactly) the hostile name must survive byte for byte.
Prints one line per check; exits 1 if any failed."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from checks import Checker  # noqa: E402

check = Checker()


def kills(path):
    lines = [l for l in open(path, encoding="utf-8") if l.strip()]
    return [e for e in (json.loads(l) for l in lines) if e["type"] == "oom_kill"]


CAND_COLUMNS = ["uid", "oom_score_adj", "rss_pages", "rss_anon_pages", "rss_file_pages",
                "rss_shmem_pages", "swap_pages", "pgtables_bytes"]
VICTIM_COLUMNS = ["pid", "uid", "oom_score_adj", "total_vm_kb", "anon_rss_kb", "file_rss_kb",
                  "shmem_rss_kb", "pgtables_kb", "swap_kb", "cgroup"]


def main():
    live_path, parsed_path, memcg = sys.argv[1:4]
    hostile = int(sys.argv[4]) if len(sys.argv) > 4 else None
    exact_comm = len(sys.argv) > 5 and sys.argv[5] == "exact-comm"
    live, parsed = kills(live_path), kills(parsed_path)
    check(len(live) >= 1 and len(parsed) == len(live), "one parsed event per live event", len(parsed), len(live))
    for lv, pv in zip(live, parsed):
        tag = f"victim {lv['victim']['pid']}"
        check(pv["source"] == "kmsg" and pv["mode"] == "kmsg", f"{tag}: source kmsg", pv["source"], "kmsg")
        check(pv["memcg"] == memcg == lv["memcg"], f"{tag}: OOM memcg", pv["memcg"], memcg)
        check(pv["constraint"] == lv["constraint"] == "memcg", f"{tag}: constraint", pv["constraint"], "memcg")
        check(pv.get("totalpages") == lv.get("totalpages"), f"{tag}: totalpages", pv.get("totalpages"),
              lv.get("totalpages"))
        check(pv["trigger"].get("pid") == lv["trigger"]["pid"], f"{tag}: trigger pid",
              pv["trigger"].get("pid"), lv["trigger"]["pid"])
        for col in VICTIM_COLUMNS:
            check(pv["victim"].get(col) == lv["victim"].get(col), f"{tag}: victim {col}",
                  pv["victim"].get(col), lv["victim"].get(col))
        check([v["pid"] for v in pv["victims"]] == [v["pid"] for v in lv["victims"]], f"{tag}: victims",
              [v["pid"] for v in pv["victims"]], [v["pid"] for v in lv["victims"]])
        lp = sorted(c["pid"] for c in lv["candidates"])
        pp = sorted(c["pid"] for c in pv["candidates"])
        check(pp == lp, f"{tag}: candidate pids", pp, lp)
        check(pv["candidates_total"] == lv["candidates_total"], f"{tag}: candidates_total",
              pv["candidates_total"], lv["candidates_total"])
        by_pid = {c["pid"]: c for c in pv["candidates"]}
        for lc in lv["candidates"]:
            pc = by_pid.get(lc["pid"])
            if not pc:
                continue
            for col in CAND_COLUMNS:
                check(pc.get(col) == lc.get(col), f"{tag}: candidate {lc['pid']} {col}", pc.get(col),
                      lc.get(col))
            # the log's points are recomputed with the same formula and inputs
            check(pc.get("points") == lc.get("points") and pc.get("skip") == lc.get("skip"),
                  f"{tag}: candidate {lc['pid']} points (estimated from the table)",
                  (pc.get("points"), pc.get("skip")), (lc.get("points"), lc.get("skip")))
            if lc.get("points") is not None:
                check(pc.get("points_estimated") is True, f"{tag}: candidate {lc['pid']} marked estimated",
                      pc.get("points_estimated"), True)
        check(any(f.startswith("out_of_memory+") for f in pv["kernel_stack"]), f"{tag}: stack has out_of_memory",
              pv["kernel_stack"][:6], "out_of_memory+0x...")
        check(pv.get("unparsed_lines") == 0, f"{tag}: every line understood", pv.get("unparsed_lines"), 0)
        if hostile and hostile in by_pid:
            lcomm = next(c["comm"] for c in lv["candidates"] if c["pid"] == hostile)
            pcomm = by_pid[hostile]["comm"]
            if exact_comm:
                check(pcomm == lcomm, f"{tag}: hostile comm byte for byte", pcomm, lcomm)
            else:
                # dmesg prints the newline as a line break (joined back) and ESC as "\x1b"
                want = lcomm.replace("\x1b", "\\x1b")
                check(pcomm == want, f"{tag}: hostile comm as dmesg shows it", pcomm, want)
    return 1 if check.failed else 0


sys.exit(main())
