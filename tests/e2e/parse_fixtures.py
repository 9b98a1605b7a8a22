#!/usr/bin/env python3
"""Check `oomtrace parse --json -k 0` on every fixture against expected.json.

usage: parse_fixtures.py OOMTRACE FIXTURE_DIR

expected.json states, per log, facts in a person's words. Each fact is read
by the rules below; a phrasing these rules do not know fails the test rather
than being skipped, so a new fixture cannot pass unchecked.

  reports      "N" or "N (notes)": the number of oom_kill events.
  victim       null: no event names a victim. Else "PID COMM [(UID U)] [(twice)]"
               items joined by ";" (a leading "then" is dropped): the victims of
               the events that have one, in order. "(twice)": the log kills the
               task a second time as a memory.oom.group member; the kernel marks
               a victim once, so the event must list it once.
  chosen       null: no event has the old "Kill process N (c) score S" line.
               Else "PID COMM score S" items: chosen_pid/comm/score in order.
  trigger      null: no event has a trigger. Else "[(Nth event)] COMM [(pid P)]
               gfp_mask=0xM[(NAMES)] order=O" items. P is the PID dump_stack
               printed (a thread id): it must be the trigger's pid or tid.
  constraint   null: every event "unknown". "none printed..." / "memcg
               (implied...)" / "memcg (no oom-kill: line...)": the kernel did
               not print it, so it must be inferred (constraint_inferred).
               "CONSTRAINT_X ...": read from the log, not inferred. In a file
               with several reports it holds for the events with a victim; the
               others (header-only fragments) must be "unknown".
  oom_memcg    null: no event has a memcg. Else its first word is the path.
  task_rows    null: no event has a task table. 0: no event has rows (a table
               header with no rows counts as 0). N: the single event has N.
               "N (first report only)": event 1 has N, the others no table.
               "header elided": no event has a task table.
  timestamp_style: which of the log's stamps the events must carry: "none ..."
               none at all; "dmesg -T": wall time; "dmesg" (not "no dmesg ts"):
               kernel_time_us; "syslog"/"journal": log_time; "/dev/kmsg":
               kernel_time_us and kmsg_seq. (Other words are description.)
  constraint, oom_memcg, task_rows may also be a list: one phrase per event, in
               order (constraint, task_rows: every event; oom_memcg: the events
               that have a memcg), for files whose reports differ.

Optional facts, checked when present (DIR-extra.json, when it exists, adds
facts per log: the project's own, about a directory copied verbatim):
  victim_from  per event with a victim, ";"-joined: "kill line" (no
               "victim_from" key), "summary" or "oom_reaper".
  suppressed_reports  N: the closing parse_stats record says the kernel's rate
               limit suppressed N reports ("callbacks suppressed").
  points       "PID=P, PID=P ...": the first event's candidates' estimated
               points; P "none" means the log cannot tell (no points).
  user_ip      "[(Nth event)] 0xIP [(notes)]": that event's user stack is the
               one frame of the report's "RIP: 0033:" line, the others have
               none (where a directory states it for one log, the logs
               without it must have no user frame). Parsed again with --symbolize, every fixture gives the
               same events (no task of theirs runs here), and stderr says for
               each user frame why it was not named.

  source, kernel, kind: provenance and description, not facts the parser
               extracts; not checked.
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from checks import Checker  # noqa: E402

check = Checker()


def unknown_phrase(name, fact, value):
    check(False, f"{name}: {fact}: phrasing this checker does not know", value, "a known form")


def lead_int(s):
    m = re.match(r"^(\d+)", str(s))
    return int(m.group(1)) if m else None


def items(value):
    return [re.sub(r"^then ", "", p.strip()) for p in str(value).split(";")]


def check_reports(name, fact, events):
    n = lead_int(fact)
    if n is None:
        return unknown_phrase(name, "reports", fact)
    check(len(events) == n, f"{name}: {n} report(s)", len(events), n)


def check_victims(name, fact, events):
    with_victim = [e for e in events if "victim" in e]
    if fact is None:
        check(not with_victim, f"{name}: no victim", [e["victim"]["pid"] for e in with_victim], [])
        return
    want = []
    for it in items(fact):
        m = re.match(r"^(\d+) (\S.*?)( \(UID (\d+)\))?( \(twice\))?$", it)
        if not m:
            return unknown_phrase(name, "victim", fact)
        want.append((int(m.group(1)), m.group(2), m.group(4), bool(m.group(5))))
    got = [(e["victim"]["pid"], e["victim"].get("comm")) for e in with_victim]
    check(got == [(p, c) for p, c, _, _ in want], f"{name}: victims", got, [(p, c) for p, c, _, _ in want])
    for (pid, comm, uid, twice), ev in zip(want, with_victim):
        if uid is not None:
            check(ev["victim"].get("uid") == int(uid), f"{name}: victim {pid} uid", ev["victim"].get("uid"), int(uid))
        if twice:
            n = sum(1 for v in ev["victims"] if v["pid"] == pid)
            check(n == 1, f"{name}: victim {pid} killed twice in the log, listed once", n, 1)


def check_chosen(name, fact, events):
    with_chosen = [e for e in events if "chosen_score" in e]
    if fact is None:
        check(not with_chosen, f"{name}: no chosen line", len(with_chosen), 0)
        return
    want = []
    for it in items(fact):
        m = re.match(r"^(\d+) (\S.*?) score (-?\d+)$", it)
        if not m:
            return unknown_phrase(name, "chosen", fact)
        want.append((int(m.group(1)), m.group(2), int(m.group(3))))
    got = [(e["chosen_pid"], e["chosen_comm"], e["chosen_score"]) for e in with_chosen]
    check(got == want, f"{name}: chosen", got, want)


TRIGGER = re.compile(r"^(?:\((\d+)(?:st|nd|rd|th) event\) )?(.+?)(?: \(pid (\d+)\))? "
                     r"gfp_mask=(0x[0-9a-f]+)(?:\(([^)]*)\))? order=(-?\d+)$")


def check_trigger(name, fact, events):
    with_trigger = [e for e in events if "trigger" in e]
    if fact is None:
        check(not with_trigger, f"{name}: no trigger", [e["trigger"] for e in with_trigger], [])
        return
    parsed = []
    for it in items(fact):
        m = TRIGGER.match(it)
        if not m:
            return unknown_phrase(name, "trigger", fact)
        parsed.append(m)
    # "(2nd event)" names the event; otherwise the events with a trigger, in order
    if parsed[0].group(1):
        targets = [events[int(m.group(1)) - 1] if int(m.group(1)) <= len(events) else {} for m in parsed]
        check(len(with_trigger) == len(parsed), f"{name}: events with a trigger", len(with_trigger), len(parsed))
    else:
        targets = with_trigger
        check(len(with_trigger) == len(parsed), f"{name}: events with a trigger", len(with_trigger), len(parsed))
    for m, ev in zip(parsed, targets):
        t = ev.get("trigger", {})
        what = f"{name}: trigger {m.group(2)}"
        check(t.get("comm") == m.group(2), f"{what} comm", t.get("comm"), m.group(2))
        if m.group(3):
            pid = int(m.group(3))
            check(pid in (t.get("pid"), t.get("tid")), f"{what} pid/tid", (t.get("pid"), t.get("tid")), pid)
        check(ev.get("gfp_mask") == m.group(4), f"{what} gfp_mask", ev.get("gfp_mask"), m.group(4))
        if m.group(5) is not None:
            check(ev.get("gfp_flags", "") == m.group(5), f"{what} gfp flag names",
                  ev.get("gfp_flags", ""), m.group(5))
        check(ev.get("order") == int(m.group(6)), f"{what} order", ev.get("order"), int(m.group(6)))


def per_event(name, what, fact, events, check_one):
    """A list fact: one phrase per event."""
    check(len(fact) == len(events), f"{name}: {what} for each of {len(events)} events", len(fact), len(events))
    for phrase, ev in zip(fact, events):
        check_one(name, phrase, [ev])


def check_constraint(name, fact, events):
    if isinstance(fact, list):
        return per_event(name, "constraint", fact, events, check_constraint)
    if fact is None:
        got = [e["constraint"] for e in events]
        check(all(c == "unknown" for c in got), f"{name}: constraint not claimed", got, "unknown")
        return
    m = re.match(r"^CONSTRAINT_(NONE|CPUSET|MEMORY_POLICY|MEMCG)\b", fact)
    if m:
        want, inferred = {"NONE": "none", "CPUSET": "cpuset", "MEMORY_POLICY": "mempolicy",
                          "MEMCG": "memcg"}[m.group(1)], False
    elif fact.startswith("none printed"):
        want, inferred = "none", True
    elif re.match(r"^memcg \((implied|no oom-kill: line)", fact):
        want, inferred = "memcg", True
    else:
        return unknown_phrase(name, "constraint", fact)
    applies = [e for e in events if "victim" in e] if len(events) > 1 else events
    for e in events:
        if e in applies:
            got = (e["constraint"], bool(e.get("constraint_inferred")))
            check(got == (want, inferred), f"{name}: event {e['seq']} constraint (value, inferred)",
                  got, (want, inferred))
        else:
            check(e["constraint"] == "unknown", f"{name}: event {e['seq']} (no kill) constraint",
                  e["constraint"], "unknown")


def check_memcg(name, fact, events):
    got = [e["memcg"] for e in events if e["memcg"] is not None]
    if isinstance(fact, list):
        check(got == fact, f"{name}: OOM memcgs", got, fact)
        return
    if fact is None:
        check(not got, f"{name}: no OOM memcg", got, [])
        return
    want = fact.split()[0]
    if not want.startswith("/"):
        return unknown_phrase(name, "oom_memcg", fact)
    check(got == [want], f"{name}: OOM memcg", got, [want])


def check_rows(name, fact, events):
    if isinstance(fact, list):
        got = [e.get("candidates_total") for e in events]
        check(got == fact, f"{name}: task rows per report", got, fact)
        for e in events:
            if "candidates" in e:
                check(len(e["candidates"]) == e["candidates_total"], f"{name}: -k 0 keeps every row",
                      len(e["candidates"]), e["candidates_total"])
        return
    tables = [e for e in events if "candidates" in e]
    for e in tables:
        check(len(e["candidates"]) == e["candidates_total"], f"{name}: -k 0 keeps every row",
              len(e["candidates"]), e["candidates_total"])
    if fact is None or fact == "header elided":
        check(not tables, f"{name}: no task table", len(tables), 0)
    elif isinstance(fact, int):
        if fact == 0:
            got = [e["candidates_total"] for e in tables]
            check(all(n == 0 for n in got), f"{name}: no task rows", got, "none or 0")
        else:
            check(len(events) == 1 and events[0].get("candidates_total") == fact,
                  f"{name}: {fact} task rows", [e.get("candidates_total") for e in events], fact)
    elif re.match(r"^\d+ \(first report only\)$", str(fact)):
        n = lead_int(fact)
        got = [e.get("candidates_total") for e in events]
        check(got[:1] == [n] and all(g is None for g in got[1:]), f"{name}: task rows per report",
              got, [n] + [None] * (len(got) - 1))
    else:
        unknown_phrase(name, "task_rows", fact)


def check_stamps(name, fact, events):
    def has(k):
        return all(k in e for e in events)

    def lacks(k):
        return not any(k in e for e in events)

    if fact.startswith("none"):
        check(lacks("kernel_time_us") and lacks("log_time") and lacks("time"), f"{name}: no time stamps",
              [sorted(set(e) & {"kernel_time_us", "log_time", "time"}) for e in events], [])
        return
    known = False
    if "dmesg -T" in fact:
        known = True
        check(has("time"), f"{name}: dmesg -T stamp as wall time", [e.get("time") for e in events], "time")
    elif "no dmesg ts" in fact:
        known = True
        check(lacks("kernel_time_us"), f"{name}: no kernel time", [e.get("kernel_time_us") for e in events], None)
    elif "dmesg" in fact:
        known = True
        check(has("kernel_time_us"), f"{name}: dmesg stamp as kernel_time_us",
              [e.get("kernel_time_us") for e in events], "kernel_time_us")
    if "/dev/kmsg" in fact:
        known = True
        check(has("kernel_time_us") and has("kmsg_seq"), f"{name}: /dev/kmsg record time and number",
              [(e.get("kernel_time_us"), e.get("kmsg_seq")) for e in events], "both")
    if "syslog" in fact or "journal" in fact:
        known = True
        check(has("log_time"), f"{name}: syslog/journal stamp as log_time",
              [e.get("log_time") for e in events], "log_time")
    if not known:
        unknown_phrase(name, "timestamp_style", fact)


def check_victim_from(name, fact, events):
    want = items(fact)
    if any(w not in ("kill line", "summary", "oom_reaper") for w in want):
        return unknown_phrase(name, "victim_from", fact)
    got = [e.get("victim_from", "kill line") for e in events if "victim" in e]
    check(got == want, f"{name}: which line named each victim", got, want)


def check_points(name, fact, events):
    want = {}
    for it in str(fact).split(","):
        m = re.match(r"^\s*(\d+)=(-?\d+|none)\s*$", it)
        if not m:
            return unknown_phrase(name, "points", fact)
        want[int(m.group(1))] = None if m.group(2) == "none" else int(m.group(2))
    cands = {c["pid"]: c.get("points") for c in (events[0].get("candidates", []) if events else [])}
    got = {pid: cands.get(pid, "no such row") for pid in want}
    check(got == want, f"{name}: estimated points of event 1", got, want)
    est = [c.get("points_estimated") for c in events[0].get("candidates", []) if "points" in c]
    check(all(est), f"{name}: recomputed points are marked estimated", est, "all true")


def check_user_ip(name, fact, events):
    m = re.match(r"^(?:\((\d+)(?:st|nd|rd|th) event\) )?(0x[0-9a-f]+)(?: \(.*\))?$", str(fact))
    if not m:
        return unknown_phrase(name, "user_ip", fact)
    n = int(m.group(1) or 1) - 1
    want = [[{"ip": m.group(2)}] if i == n else None for i in range(len(events))]
    got = [e.get("user_stack") or None for e in events]
    check(got == want, f"{name}: the user frame of the report's RIP line", got, want)


def check_symbolize(oomtrace, path, name, events):
    """--symbolize: the same events; one line on stderr per unnamed user frame."""
    out = subprocess.run([oomtrace, "parse", "--json", "-k", "0", "--symbolize", path], capture_output=True)
    got = [json.loads(l) for l in out.stdout.decode("utf-8").splitlines()]
    got = [o for o in got if o["type"] == "oom_kill"]
    check(out.returncode == 0 and got == events, f"{name}: --symbolize changes nothing here",
          out.returncode, 0)
    err = out.stderr.decode("utf-8", "replace").strip().splitlines()
    want = sum(1 for e in events if e.get("user_stack"))
    notes = [l for l in err if re.match(r"^oomtrace: warning: --symbolize: OOM #\d+: user frame 0x[0-9a-f]+ "
                                        r"not named: (pid \d+ is gone|pid \d+ is another task now|"
                                        r"the report names no trigger pid)$", l)]
    check(len(notes) == want and len(err) == want + 1, f"{name}: --symbolize says why each user frame "
          "stays unnamed", err, f"{want} notes and the summary")


def main():
    oomtrace, fixtures = sys.argv[1:3]
    expected = json.load(open(os.path.join(fixtures, "expected.json"), encoding="utf-8"))
    # DIR-extra.json: the project's own facts about a directory it keeps a
    # byte-identical copy of (tests/fixtures/kmsg, from shared/), per log
    extra_path = fixtures.rstrip("/") + "-extra.json"
    if os.path.exists(extra_path):
        for name, facts in json.load(open(extra_path, encoding="utf-8")).items():
            check(name in expected, f"{extra_path} names a fixture", name, "one of expected.json's")
            expected.setdefault(name, {}).update(facts)
    logs = sorted(f for f in os.listdir(fixtures) if f.endswith(".log"))
    user_ips = any("user_ip" in f for f in expected.values())
    check(sorted(expected) == logs, "expected.json covers every fixture", sorted(expected), logs)
    for name in logs:
        facts = expected.get(name)
        if facts is None:
            continue
        out = subprocess.run([oomtrace, "parse", "--json", "-k", "0", os.path.join(fixtures, name)],
                             capture_output=True)
        check(out.returncode == 0, f"{name}: exit 0", out.returncode, 0)
        lines = out.stdout.decode("utf-8").splitlines()
        objs = [json.loads(l) for l in lines]  # every line must be valid JSON
        events = [o for o in objs if o["type"] == "oom_kill"]
        stats = [o for o in objs if o["type"] == "parse_stats"]
        check(len(stats) == 1 and objs[-1] is stats[0] and stats[0]["reports"] == len(events),
              f"{name}: one parse_stats record last, counting the events", stats, "one, last")
        err = out.stderr.decode("utf-8", "replace").strip().splitlines()
        check(len(err) == 1 and err[0].startswith("oomtrace: parse: "), f"{name}: one summary line on stderr",
              err, "oomtrace: parse: ...")
        check(all(e["source"] == "kmsg" and e["mode"] == "kmsg" for e in events), f"{name}: source and mode kmsg",
              [(e["source"], e["mode"]) for e in events], "kmsg")
        check_reports(name, facts["reports"], events)
        check_victims(name, facts["victim"], events)
        check_chosen(name, facts["chosen"], events)
        check_trigger(name, facts["trigger"], events)
        check_constraint(name, facts["constraint"], events)
        check_memcg(name, facts["oom_memcg"], events)
        check_rows(name, facts["task_rows"], events)
        check_stamps(name, facts["timestamp_style"], events)
        if "victim_from" in facts:
            check_victim_from(name, facts["victim_from"], events)
        if "suppressed_reports" in facts:
            got = stats[0].get("suppressed_reports") if stats else None
            check(got == facts["suppressed_reports"], f"{name}: reports the kernel suppressed",
                  got, facts["suppressed_reports"])
        if "points" in facts:
            check_points(name, facts["points"], events)
        if "user_ip" in facts:
            check_user_ip(name, facts["user_ip"], events)
        elif user_ips:	# a directory that states them states all of them
            check(not any(e.get("user_stack") for e in events), f"{name}: no user frame",
                  [e.get("user_stack") for e in events], None)
        check_symbolize(oomtrace, os.path.join(fixtures, name), name, events)
    print(f"{check.passed} of {check.checks} checks passed")
    return 1 if check.failed else 0


sys.exit(main())
