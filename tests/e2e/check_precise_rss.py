#!/usr/bin/env python3
"""Hold --precise-rss's exact per-CPU sums to the kernel's own numbers
(t-trace-precise-rss.sh):

    check_precise_rss.py EVENTS DMESG RSS_SNAPSHOT HOG_PID GROWER_PID REPLAY

- the stopped hog's rss_pages_precise is smaps_rollup's Rss (a page-table
  walk: exact on every kernel) and status's VmRSS (exact sums since 6.16),
  to the page; its approximate rss_pages is the kernel's task table row in
  dmesg (get_mm_rss(): the shared counts only), anon/file/shmem alike;
- every candidate with memory has exact sums, within the counters' per-CPU
  batches of the approximation;
- replay -P precise-rss picks by the kernel formula on the exact sums, and
  its counter_error_kb is the largest gap between the two of any candidate.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmesg_oom  # noqa: E402
from checks import Checker  # noqa: E402


def main(argv):
    events, dmesg, snap, hog, grower, replay = argv[1:7]
    hog, grower = int(hog), int(grower)
    check = Checker()
    kills = [json.loads(l) for l in open(events) if l.strip()]
    kills = [e for e in kills if e.get("type") == "oom_kill"]
    if not check(len(kills) == 1, "one OOM kill traced", len(kills), 1):
        return 1
    ev = kills[0]
    page_kb = ev.get("page_size", 4096) // 1024
    check(ev["victim"]["pid"] == grower, "the grower is the victim", ev["victim"]["pid"], grower)
    kb = {}
    for line in open(snap):
        k, v = line.split(":", 1)
        kb[k] = int(v.split()[0])
    cands = {c["pid"]: c for c in ev.get("candidates", [])}
    c = cands.get(hog)
    if not check(c is not None and "rss_pages_precise" in c,
                 "the stopped hog is a candidate with exact sums", c, "rss_pages_precise"):
        return 1
    exact_kb = c["rss_pages_precise"] * page_kb
    approx_kb = c["rss_pages"] * page_kb
    print(f"# hog {hog}: exact {exact_kb} kB, approximate {approx_kb} kB, "
          f"smaps_rollup Rss {kb['Rss']} kB, status VmRSS {kb['VmRSS']} kB "
          f"(anon {kb['RssAnon']}, file {kb['RssFile']}, shmem {kb['RssShmem']})")
    check(exact_kb == kb["Rss"], "exact rss = smaps_rollup Rss (page-table walk)",
          exact_kb, kb["Rss"])
    check(exact_kb == kb["VmRSS"], "exact rss = status VmRSS (exact sums, 6.16+)",
          exact_kb, kb["VmRSS"])
    check(c["swap_pages_precise"] == 0, "no swap (the host has none)", c["swap_pages_precise"], 0)
    if approx_kb == exact_kb:
        print("# the counters had no per-CPU remainder this time: approximate = exact")
    # the approximate counters: the kernel's own task table
    reps = [r for r in dmesg_oom.reports(open(dmesg, errors="replace").read())
            if r["killed"] == grower]
    if check(len(reps) == 1, "the kernel reported the kill", len(reps), 1):
        rows = [r for r in reps[0]["rows"] if r["tgid"] == hog]
        if check(len(rows) == 1, "the hog is in the kernel's task table", len(rows), 1):
            row = rows[0]
            check(c["rss_pages"] == row["rss"], "approximate rss_pages = the task table's rss",
                  c["rss_pages"], row["rss"])
            for col, key in (("rss_anon", "rss_anon_pages"), ("rss_file", "rss_file_pages"),
                             ("rss_shmem", "rss_shmem_pages")):
                if col in row:
                    check(c.get(key) == int(row[col]), f"{key} = the task table's {col}",
                          c.get(key), int(row[col]))
    mem = [c for c in ev["candidates"] if "rss_pages" in c]
    check(mem and all("rss_pages_precise" in c for c in mem),
          "every candidate with memory has exact sums",
          [c["pid"] for c in mem if "rss_pages_precise" not in c], "all")
    ncpu = os.cpu_count() or 1
    batch = max(32, 2 * ncpu)
    far = [c["pid"] for c in mem if abs(c["rss_pages_precise"] - c["rss_pages"]) > 3 * ncpu * batch]
    check(not far, f"exact sums within 3 counters x {ncpu} CPUs x batch {batch} of the approximation",
          far, [])
    # replay -P precise-rss on the exact sums
    reps = [json.loads(l) for l in open(replay) if l.strip()]
    if check(len(reps) == 1, "replay: one OOM", len(reps), 1):
        pol = reps[0]["policies"]
        check(pol["kernel"].get("pid") == grower and pol["kernel"].get("reproduced") is True,
              "replay kernel reproduces the victim", pol["kernel"], grower)
        p = pol.get("precise-rss", {})
        adjmul = ev["totalpages"] // 1000
        elig = [c for c in mem if "skip" not in c]

        def score(c):
            return (c["rss_pages_precise"] + c["swap_pages_precise"] + c["pgtables_bytes"] // (page_kb * 1024)
                    + c["oom_score_adj"] * adjmul)
        best = max(elig, key=score)
        check(p.get("pid") == best["pid"], "replay precise-rss picks the top exact score",
              p, best["pid"])
        err = max(abs(c["rss_pages"] + c.get("swap_pages", 0) - c["rss_pages_precise"]
                      - c["swap_pages_precise"]) for c in elig) * page_kb
        check(p.get("counter_error_kb") == err,
              "replay counter_error_kb = the largest gap of approximate and exact", p, err)
    print(f"{check.passed} passed, {check.failed} failed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
