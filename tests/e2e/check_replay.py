#!/usr/bin/env python3
"""Check `oomtrace replay --json` against the recorded events it read, each
policy recomputed here from its definition (README, replay) and from the
recorded candidate table alone, and the recorded victims against the
kernel's own kill lines in dmesg.

usage: check_replay.py EVENTS.jsonl REPLAY.jsonl DMESG.txt MEMCG PROTECT_CGROUP PROTECT_PAGES
Policies expected in REPLAY: kernel, precise-rss, no-adj, largest-memcg,
protect, expr:rss. Exit 1 if a check failed. The VM tests call
check_replays() on the events of each attach mode (no protect there)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dmesg_oom  # noqa: E402
from checks import Checker  # noqa: E402

check = Checker()


def mem(c, page):
    """rss + swap + page tables in pages; 0 for a row without them (a task
    without an mm left), which counts in no usage and is never eligible"""
    if "rss_pages" not in c:
        return 0
    return c["rss_pages"] + c["swap_pages"] + c["pgtables_bytes"] // page


def kernel(c, ev, page):
    return mem(c, page) + c["oom_score_adj"] * (ev["totalpages"] // 1000)


def best(cands, score, rec):
    """(pids with the top score, top score, margin or None)."""
    if not cands:
        return set(), None, None
    scores = sorted(((score(c), c["pid"]) for c in cands), reverse=True)
    top = scores[0][0]
    pids = {p for s, p in scores if s == top}
    margin = top - scores[1][0] if len(scores) > 1 else None
    return pids, top, margin


def under(path, prefix):
    return prefix == "/" or path == prefix or path.startswith(prefix + "/")


def child_key(c, domain):
    rest = c["cgroup"][len(domain):] if domain != "/" else c["cgroup"]
    if rest in ("", "/"):
        return "pid:%d" % c["pid"]
    return (domain if domain != "/" else "") + "/" + rest.lstrip("/").split("/")[0]


def expect_pick(check, what, got, pids, top, margin, ev, page):
    if not check(got is not None and "pid" in got, f"#{ev['seq']} {what}: a pick", got, "pid"):
        return
    check(got["pid"] in pids, f"#{ev['seq']} {what}: picks {sorted(pids)}", got["pid"], pids)
    check(got["score"] == top, f"#{ev['seq']} {what}: score {top}", got["score"], top)
    check(got["margin"] == margin, f"#{ev['seq']} {what}: margin {margin}", got["margin"], margin)
    c = next(c for c in ev["candidates"] if c["pid"] == got["pid"])
    freed = (c["rss_pages"] + c["swap_pages"]) * page // 1024
    check(got["freed_kb"] == freed, f"#{ev['seq']} {what}: freed_kb", got["freed_kb"], freed)


def check_replays(check, kills, replays, protect=None):
    """Each policy's pick in replays (seq -> replay line) recomputed from the
    events kills; protect: (cgroup, pages) when the protect policy ran."""
    check(len(replays) == len(kills) and kills, "one replay line per recorded OOM kill",
          len(replays), len(kills))
    for ev in kills:
        seq, page = ev["seq"], ev["page_size"]
        r = replays.get(seq, {})
        cands = ev["candidates"]
        rec = ev["victim"]["pid"]
        check(ev["candidates_total"] == len(cands), f"#{seq}: whole candidate table (-k 0)",
              len(cands), ev["candidates_total"])
        check("skipped" not in r, f"#{seq}: replayed", r.get("skipped"), None)
        check(r.get("recorded_pid") == rec, f"#{seq}: recorded_pid", r.get("recorded_pid"), rec)
        pol = r.get("policies", {})
        elig = [c for c in cands if "skip" not in c]
        # every eligible row's recorded points are the formula's
        bad = [c["pid"] for c in elig if c["points"] != kernel(c, ev, page)]
        check(not bad, f"#{seq}: recorded points = rss + swap + pgtables + adj * totalpages/1000",
              bad, [])
        k = pol.get("kernel", {})
        pids, top, margin = best(elig, lambda c: kernel(c, ev, page), rec)
        expect_pick(check, "kernel", k, pids, top, margin, ev, page)
        check(k.get("pid") == rec and k.get("reproduced") is True,
              f"#{seq}: kernel reproduces the recorded victim {rec}", k.get("pid"), rec)
        # exact per-CPU sums (--precise-rss, 6.2+): the kernel formula on
        # them; without them, said so
        if not all("rss_pages_precise" in c for c in elig):
            check(pol.get("precise-rss") == {"unavailable": "no_precise_inputs"},
                  f"#{seq}: precise-rss says it has no exact sums", pol.get("precise-rss"),
                  "no_precise_inputs")
        else:
            def exact(c):
                return (c["rss_pages_precise"] + c["swap_pages_precise"] +
                        c["pgtables_bytes"] // page +
                        c["oom_score_adj"] * (ev["totalpages"] // 1000))
            pids, top, margin = best(elig, exact, rec)
            expect_pick(check, "precise-rss", pol.get("precise-rss"), pids, top, margin, ev, page)
            # the approximation is off by at most a batch per CPU and counter
            far = [c["pid"] for c in elig
                   if abs(c["rss_pages_precise"] - c["rss_pages"]) > 4 * 64 * 64]
            check(not far, f"#{seq}: exact rss sums near the approximate counters", far, [])
        # no-adj: adj 0 for all, the -1000 ones included
        noadj = [c for c in cands if c.get("skip") in (None, "oom_score_adj_min")]
        pids, top, margin = best(noadj, lambda c: mem(c, page), rec)
        expect_pick(check, "no-adj", pol.get("no-adj"), pids, top, margin, ev, page)
        # expr:rss
        pids, top, margin = best(elig, lambda c: c["rss_pages"], rec)
        expect_pick(check, "expr:rss", pol.get("expr:rss"), pids, top, margin, ev, page)
        # largest-memcg: the domain's child group with the largest usage
        domain = ev.get("memcg") or "/"
        groups = {}
        for c in cands:
            if under(c["cgroup"], domain):
                groups.setdefault(child_key(c, domain), []).append(c)
        ranked = []
        for key, members in groups.items():
            e = [c for c in members if "skip" not in c]
            if e:
                usage = sum(mem(c, page) for c in members)
                tp, _, _ = best(e, lambda c: kernel(c, ev, page), rec)
                ranked.append((usage, key, tp))
        ranked.sort(reverse=True)
        lm = pol.get("largest-memcg", {})
        if check(ranked, f"#{seq}: largest-memcg has groups", ranked, "groups"):
            usage, key, tp = ranked[0]
            margin = usage - ranked[1][0] if len(ranked) > 1 else None
            note_groups = ", ".join(f"{k} {u}" for u, k, _ in ranked)
            print(f"# #{seq} groups by usage (pages): {note_groups}")
            expect_pick(check, "largest-memcg", lm, tp, usage, margin, ev, page)
        if not protect:
            continue
        prot_cg, prot_pages = protect
        # protect: m - m * min(P, U) / U for the tasks under the protected cgroup
        usage = sum(mem(c, page) for c in cands if under(c["cgroup"], prot_cg))
        prot = min(prot_pages, usage)

        def protected(c):
            m = mem(c, page)
            if under(c["cgroup"], prot_cg) and usage:
                m -= m * prot // usage
            return m + c["oom_score_adj"] * (ev["totalpages"] // 1000)
        pids, top, margin = best(elig, protected, rec)
        expect_pick(check, "protect", pol.get("protect"), pids, top, margin, ev, page)


def main(argv):
    events = [json.loads(l) for l in open(argv[1], encoding="utf-8") if l.strip()]
    kills = [e for e in events if e["type"] == "oom_kill"]
    replays = {r["seq"]: r for r in (json.loads(l) for l in open(argv[2], encoding="utf-8"))}
    text = open(argv[3], encoding="utf-8", errors="replace").read()
    memcg, prot_cg, prot_pages = argv[4], argv[5], int(argv[6])
    killed = [r["killed"] for r in dmesg_oom.reports(text)
              if r["killed"] and (r["oomkill"] or {}).get("oom_memcg") == memcg]
    recorded = [e["victim"]["pid"] for e in kills]
    check(sorted(recorded) == sorted(killed), "recorded victims are the kernel's kill lines",
          recorded, killed)
    check_replays(check, kills, replays, (prot_cg, prot_pages))
    print(f"# {check.passed} checks passed, {check.failed} failed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
