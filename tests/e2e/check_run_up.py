#!/usr/bin/env python3
"""Hold the events' run_up to the kernel's own counters (host, memcg v1).

usage: check_run_up.py EVENTS_JSON --failcnt N --oom-kill N --cache-gone-kb KB
       --pgsteal PAGES --psi SOME0 SOME1 FULL0 FULL1 --starts NS1 NS2 ...

The events are the OOMs of one memcg made after the tracer started, in
order. memory.events' v1 stand-ins, memory.failcnt and oom_control's
oom_kill, are deltas since the start (from zero) and then since the
previous event: summed they must equal the files at the end (read after
the last kill, when nothing charges the memcg any more). Reclaim: the
first event's memcg held page cache (CACHE_GONE_KB of it went before its
kill): it reclaimed at least 90 % of that, and all events together no more
than /proc/vmstat's pgsteal moved over the test (plus 2 % for slab pages,
which reclaim counts and pgsteal does not); the windows of later events
(all within 60 s) hold the earlier events' reclaim too. The limit was first hit after
the first hog started, and every later window goes back to that moment. PSI (the machine's, v1 has none per cgroup) within what
/proc/pressure/memory moved around the test. Prints one ok line per check.
"""
import argparse
import datetime
import json
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    print("ok: " + msg)


def iso_ns(s):
    # "2026-12-06T11:28:52.169157Z"
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 10**9 + d.microsecond * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events")
    ap.add_argument("--failcnt", type=int, required=True)
    ap.add_argument("--oom-kill", type=int, required=True)
    ap.add_argument("--cache-gone-kb", type=int, required=True)
    ap.add_argument("--pgsteal", type=int, required=True)
    ap.add_argument("--psi", nargs=4, default=None)
    ap.add_argument("--starts", nargs="+", type=int, required=True)
    a = ap.parse_args()

    events = [json.loads(l) for l in open(a.events) if '"type":"oom_kill"' in l]
    if len(events) != len(a.starts):
        fail("%d events, %d OOMs" % (len(events), len(a.starts)))
    rus = []
    for i, ev in enumerate(events):
        ru = ev.get("run_up")
        if ru is None:
            fail("event %d has no run_up" % ev["seq"])
        rus.append(ru)
        want = "start" if i == 0 else "previous_event"
        if ru.get("since") != want:
            fail("event %d: since %r, expected %r" % (ev["seq"], ru.get("since"), want))
        evs = ru.get("events", {})
        if set(evs) != {"failcnt", "oom_kill"}:
            fail("event %d: v1 events %s, expected failcnt and oom_kill" % (ev["seq"], sorted(evs)))
        if evs["oom_kill"] != 1:
            fail("event %d: oom_kill delta %d, expected 1 (one kill per OOM)" % (ev["seq"], evs["oom_kill"]))
        if evs["failcnt"] <= 0:
            fail("event %d: failcnt delta %d: an OOM of a memcg without a failed charge" %
                 (ev["seq"], evs["failcnt"]))
    ok("since start, then previous_event; oom_kill 1 per event")

    fc = sum(r["events"]["failcnt"] for r in rus)
    kills = sum(r["events"]["oom_kill"] for r in rus)
    if fc != a.failcnt:
        fail("failcnt deltas sum to %d, memory.failcnt says %d" % (fc, a.failcnt))
    if kills != a.oom_kill:
        fail("oom_kill deltas sum to %d, memory.oom_control says %d" % (kills, a.oom_kill))
    ok("failcnt deltas %s sum to memory.failcnt %d; oom_kill %d" %
       ("+".join(str(r["events"]["failcnt"]) for r in rus), a.failcnt, a.oom_kill))

    for ev, ru in zip(events, rus):
        for k in ("window_s", "reclaim_episodes", "reclaim_stall_us", "trigger_stall_us",
                  "pages_reclaimed"):
            if k not in ru:
                fail("event %d: no %s (the memcg reclaim tracepoints exist on this kernel)" %
                     (ev["seq"], k))
        if not 1 <= ru["window_s"] <= 60:
            fail("event %d: window_s %d" % (ev["seq"], ru["window_s"]))
        if ru["trigger_stall_us"] > ru["reclaim_stall_us"]:
            fail("event %d: trigger stalled %d us, more than all tasks' %d" %
                 (ev["seq"], ru["trigger_stall_us"], ru["reclaim_stall_us"]))
        if ru["reclaim_episodes"] and not ru["reclaim_stall_us"]:
            fail("event %d: %d episodes, no stall" % (ev["seq"], ru["reclaim_episodes"]))
    first = rus[0]
    if first["reclaim_episodes"] <= 0:
        fail("first event: no reclaim episode, though %d kB of page cache went" % a.cache_gone_kb)
    if first["trigger_stall_us"] <= 0:
        fail("first event: the growing hog (the trigger) stalled 0 us in reclaim")
    got_kb = first["pages_reclaimed"] * events[0]["page_size"] // 1024
    if got_kb < a.cache_gone_kb * 0.9:
        fail("first event: %d kB reclaimed, but %d kB of page cache went" % (got_kb, a.cache_gone_kb))
    ok("first event: %d episodes, %d us stalled (trigger %d us), %d kB reclaimed >= 90%% of the "
       "%d kB of page cache that went" % (first["reclaim_episodes"], first["reclaim_stall_us"],
                                          first["trigger_stall_us"], got_kb, a.cache_gone_kb))
    # each event's window reaches back 60 s (or to the tracer's start): the
    # test is shorter, so every window holds the earlier events' reclaim too
    for ev, ru in zip(events, rus):
        if ru["pages_reclaimed"] > a.pgsteal * 1.02 + 64:
            fail("event %d reclaimed %d pages, /proc/vmstat's pgsteal moved %d over the test" %
                 (ev["seq"], ru["pages_reclaimed"], a.pgsteal))
    for prev, ru, ev in zip(rus, rus[1:], events[1:]):
        if ru["window_s"] < 60 and (ru["pages_reclaimed"] < prev["pages_reclaimed"] or
                                    ru["reclaim_episodes"] < prev["reclaim_episodes"]):
            fail("event %d: its window (%d s, since the start) lost the previous event's reclaim" %
                 (ev["seq"], ru["window_s"]))
    ok("pages reclaimed %s in windows that overlap, each within /proc/vmstat's pgsteal %d" %
       (", ".join(str(r["pages_reclaimed"]) for r in rus), a.pgsteal))

    # the limit was first hit after the first hog started (the file alone
    # fits): every later window (all within 60 s) goes back to that moment
    hit0 = None
    for ev, ru in zip(events, rus):
        s = ru.get("first_limit_hit_s_before")
        if s is None:
            fail("event %d: no first_limit_hit_s_before: the hog grew into the limit" % ev["seq"])
        ms = round(s * 1000)
        hit = iso_ns(ev["time"]) - ms * 10**6
        ran_ms = (iso_ns(ev["time"]) - a.starts[0]) / 1e6
        if ms > ran_ms + 5:
            fail("event %d: limit first hit %d ms before the kill, the first hog started %.0f ms "
                 "before it" % (ev["seq"], ms, ran_ms))
        if hit0 is not None and abs(hit - hit0) > 3 * 10**6:
            fail("event %d: limit first hit at %d, the first event said %d (ns)" % (ev["seq"], hit, hit0))
        hit0 = hit0 if hit0 is not None else hit
        ok("event %d: limit first hit %d ms before the kill (the first hog started %.0f ms before)" %
           (ev["seq"], ms, ran_ms))

    if a.psi and all(a.psi):
        some0, some1, full0, full1 = (int(x) for x in a.psi)
        for ev, ru in zip(events, rus):
            if ru.get("psi_scope") != "system":
                fail("event %d: psi_scope %r, v1 has only the machine's" % (ev["seq"], ru.get("psi_scope")))
        some = sum(r["psi_some_us"] for r in rus)
        full = sum(r["psi_full_us"] for r in rus)
        if not (some <= some1 - some0 and full <= full1 - full0 and full <= some):
            fail("PSI some %d full %d us, /proc/pressure/memory moved some %d full %d" %
                 (some, full, some1 - some0, full1 - full0))
        ok("PSI some %d full %d us within /proc/pressure/memory's %d and %d" %
           (some, full, some1 - some0, full1 - full0))


main()
