#!/usr/bin/env python3
"""Judge one VM run (tests/vm/guest.sh's console output) against the kernel's
own OOM reports from the same run.

usage: check_vm.py CONSOLE_LOG KERNEL_VERSION [MODES]
MODES (default fentry,kprobe,tracepoint) are the attach modes this kernel is
expected to allow; doctor must say so, and a forced other mode must fail with
one line saying why. One tracer per mode watched the same OOMs (or, in a
kernel run apart, each mode had a pass of its own). For each scenario
(memcg v2, global) and mode, every event is held against dmesg's report of
that kill: victim, trigger, constraint, OOM memcg, totalpages, gfp/order, the
candidate set against the task table, points against the kernel's formula on
the row. Across modes, the exact points (fentry, kprobe) must equal each
other and the ones tracepoint mode recomputes. Ends with "N passed, N failed".
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import check_replay  # noqa: E402
import check_domain  # noqa: E402
import dmesg_oom  # noqa: E402
from checks import Checker  # noqa: E402

ALL_MODES = ("fentry", "kprobe", "tracepoint")
MODES = ALL_MODES
KERNEL = ""
# the runner's format: "ok      WHAT" / "FAIL    WHAT: ..."
check = Checker(ok="ok      ", fail="FAIL    ")


# VM_ONLY (tests/vm/run.sh): only these parts ran, only they are judged
ONLY = os.environ.get("VM_ONLY", "").split()


def wanted(part):
    return not ONLY or part in ONLY


def kernel_at_least(ver, major, minor):
    """Is kernel release VER (e.g. 6.12.118+deb12-cloud-amd64) MAJOR.MINOR or later?"""
    parts = ver.split(".")
    return (int(parts[0]), int(parts[1])) >= (major, minor)


def load(path):
    text = open(path, encoding="utf-8", errors="replace").read().replace("\r", "")
    return text


def parse(text):
    sections = {m.group(1): m.group(2) for m in
                re.finditer(r"^@@VM begin (\S+)\n(.*?)^@@VM end \1$", text, re.S | re.M)}
    meta = dict(m.groups() for m in re.finditer(r"^@@VM meta (\S+) ?(.*)$", text, re.M))
    return sections, meta


def events(sections, name):
    out = []
    for line in sections.get(name, "").splitlines():
        if line.strip():
            out.append(json.loads(line))  # every line must be valid JSON
    return out


# per scenario: is it a memcg OOM, and is the -1000 task larger than every victim
SCENARIOS = {
    "memcg": {"memcg": True, "protected_larger": True},
    "group": {"memcg": True, "protected_larger": False},
    "shared": {"memcg": True, "protected_larger": False},
    "reaper": {"memcg": True, "protected_larger": False},
    # a tmpfs file charged to the memcg: shmem is what no kill frees
    "tmpfs": {"memcg": True, "protected_larger": False, "shmem": True},
    "global": {"memcg": False, "protected_larger": True},
}


# the host's oomtrace (run.sh builds it), for `oomtrace parse` of the guest's logs
OOMTRACE = os.environ.get("OOMTRACE") or os.path.join(os.path.dirname(__file__), "..", "..",
                                                      "oomtrace")


def parsed_domains(text):
    """{victim pid: (domain_memory, candidates_total)} from `oomtrace parse
    --json` of a dmesg: the first event of each victim (a group kill's
    victim may be named again, by a kill line without a report)."""
    try:
        r = subprocess.run([OOMTRACE, "parse", "--json", "-"], input=text.encode(),
                           capture_output=True, timeout=60)
    except OSError as e:
        return {"error": str(e)}
    out = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        ev = json.loads(line)
        if ev.get("type") == "oom_kill" and "victim" in ev:
            out.setdefault(ev["victim"]["pid"], (ev.get("domain_memory"),
                                                 ev.get("candidates_total")))
    return out


def check_domain_memory(rule, ev, want, parsed, freeing_kb=0):
    """domain_memory against the kernel's report of the same kill: each
    number within max(2 %, 1 MiB) (a memcg OOM: the counters and
    memory.stat lines; a global OOM: Mem-Info); in the tmpfs scenario,
    shmem is the largest part of what no kill frees. Then `oomtrace parse`
    of that report must give the live event's numbers."""
    dm = ev.get("domain_memory")
    if not check(dm is not None, "event has domain_memory", None, "present"):
        return
    what = "memcg counters and stats" if rule["memcg"] else "Mem-Info"
    if not check(bool(want), f"the kernel's report has {what}", want, "some"):
        return
    bad = check_domain.off(dm, want, freeing_kb)
    check(not bad, f"domain_memory within max(2 %, 1 MiB) of the kernel's {what} "
          f"({len(want)} numbers: {', '.join(sorted(want))})", bad, "none off")
    pdm, ptotal = parsed.get(ev["victim"]["pid"], (None, None))
    if check(pdm is not None, "oomtrace parse of the report has domain_memory",
             parsed.get("error"), "present"):
        pwant = {k: v for k, v in pdm.items() if k != "unkillable"}
        # unkillable_kb is usage less what the candidates hold: comparable
        # only when parse read the same task table rows as BPF saw tasks
        # (a task may come or go between the two)
        if ptotal != ev.get("candidates_total"):
            pwant.pop("unkillable_kb", None)
            print(f"#       {check.prefix}parse read {ptotal} of {ev.get('candidates_total')} "
                  f"candidates: its unkillable_kb {pdm.get('unkillable_kb')} not compared "
                  f"(live {dm.get('unkillable_kb')})")
        bad = check_domain.off(dm, pwant, freeing_kb)
        check(not bad, f"parse's domain_memory agrees with the live event ({len(pwant)} numbers)",
              bad, "none off")
    if rule.get("shmem"):
        unk = dm.get("unkillable", {})
        top = max(unk, key=unk.get) if unk else None
        check(top == "shmem_kb" and dm.get("unkillable_kb", 0) * 2 > dm.get("usage_kb", 0),
              "over half unkillable, shmem the largest part", (dm.get("unkillable_kb"), unk),
              "shmem_kb")


def pressure_totals(text):
    """{"some": us, "full": us} of a pressure file's text ({} when unreadable)."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(some|full) .*total=(\d+)$", line.strip())
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def check_run_up(sc, rule, kills, sections):
    """run_up of one mode's events of a scenario. Reclaim: the vmscan
    tracepoints exist on every VM kernel, so every event counts its
    domain's reclaim, and the first one reclaimed before its kill (memcg
    reclaim in try_charge, direct reclaim in the page allocator) and, for a
    memcg, hit its limit. memory.events (v2): the deltas (since the start,
    then since the previous event) summed equal the file at the end for
    oom_kill and oom_group_kill, and are at most it for max and oom (which
    a charge may move after the last event was read). PSI: the domain's own
    (memory.pressure) for a memcg, the machine's for a global OOM, summed at
    most the file's total at the end (the tracer started after the memcg
    was made, with no pressure before)."""
    if not kills:
        return
    rus = [ev.get("run_up") for ev in kills]
    if not check(all(r is not None for r in rus), "every event has run_up", rus, "present"):
        return
    reclaim = ("window_s", "reclaim_episodes", "reclaim_stall_us", "trigger_stall_us",
               "pages_reclaimed")
    check(all(all(k in r for k in reclaim) for r in rus), "run_up counts reclaim (tracepoints attached)",
          [sorted(r) for r in rus], "reclaim keys")
    first = rus[0]
    check(first.get("reclaim_episodes", 0) >= 1, "reclaim before the first kill",
          first.get("reclaim_episodes"), ">= 1")
    check(all(r.get("trigger_stall_us", 0) <= r.get("reclaim_stall_us", 0) for r in rus),
          "the trigger's stall within all tasks'",
          [(r.get("trigger_stall_us"), r.get("reclaim_stall_us")) for r in rus], "<=")
    check(all(1 <= r.get("window_s", 0) <= 60 for r in rus), "window 1..60 s",
          [r.get("window_s") for r in rus], "1..60")
    if rule["memcg"]:
        check("first_limit_hit_s_before" in first, "the memcg hit its limit before the first kill",
              sorted(first), "first_limit_hit_s_before")
    check([r.get("since") for r in rus] == ["start"] + ["previous_event"] * (len(rus) - 1),
          "deltas since the start, then the previous event", [r.get("since") for r in rus],
          "start, previous_event...")
    final = {}
    for line in sections.get(f"{sc}.memory.events", "").splitlines():
        k, _, v = line.partition(" ")
        if v.strip().isdigit():
            final[k] = int(v)
    if rule["memcg"] and check(bool(final), "memory.events read at the end", final, "keys"):
        sums = {k: sum(r.get("events", {}).get(k, 0) for r in rus) for k in final}
        for k in ("oom_kill", "oom_group_kill"):
            if k in final:
                check(sums[k] == final[k], f"{k} deltas sum to memory.events'", sums[k], final[k])
        for k in ("max", "oom"):
            if k in final:
                check(len(kills) <= sums[k] <= final[k], f"{k} deltas within memory.events'",
                      sums[k], f"{len(kills)}..{final[k]}")
        check(all(set(r.get("events", {})) == set(final) & {"high", "max", "oom", "oom_kill",
                                                               "oom_group_kill"} for r in rus),
              "events has memory.events' keys", [sorted(r.get("events", {})) for r in rus],
              sorted(final))
    psi = pressure_totals(sections.get(f"{sc}.memory.pressure" if rule["memcg"] else f"{sc}.pressure", ""))
    if psi:
        scope = "domain" if rule["memcg"] else "system"
        check(all(r.get("psi_scope") == scope for r in rus), f"PSI is the {scope}'s",
              [r.get("psi_scope") for r in rus], scope)
        for k in ("some", "full"):
            got = sum(r.get(f"psi_{k}_us", 0) for r in rus)
            check(all(f"psi_{k}_us" in r for r in rus) and got <= psi.get(k, 0),
                  f"PSI {k} deltas within the file's total", got, f"<= {psi.get(k)}")


def check_scenario(sc, sections, meta, ver, modes):
    rule = SCENARIOS[sc]
    text = sections.get(f"{sc}.dmesg", "")
    reports = [r for r in dmesg_oom.reports(text) if r["killed"]]
    check.prefix = f"{ver} {sc}: "
    print(f"# {ver} {sc}: {meta.get(f'{sc}.oom_kills', '?')} OOM kill(s); waited "
          f"{meta.get(f'{sc}.report_wait_s', '?')}s before it for the kernel's OOM report rate limit")
    # the guest waits out the rate limit before each scenario: a kill
    # without its report is no evidence to hold events to, and no pass
    why = dmesg_oom.missing_reports(text)
    check(why is None, "every OOM kill came with the kernel's report", why, None)
    if not check(len(reports) >= 1, "the kernel reported an OOM kill", len(reports), ">= 1"):
        return
    check(meta.get(f"{sc}.grower.exit") == "137", "the grower was SIGKILLed",
          meta.get(f"{sc}.grower.exit"), "137")
    by_mode = {}
    for mode in modes:
        check.prefix = f"{ver} {sc} {mode}: "
        err = sections.get(f"{sc}.{mode}.err", "")
        check(f"oomtrace: ready (mode={mode})" in err, "ready line names the mode", err[:200], mode)
        # kernel.bpf_stats_enabled is on in the guest: the tracer's exit line
        cost = re.search(r"^oomtrace: BPF programs ran .*$", err, re.M)
        check(cost is not None, "the tracer reports its programs' run time (bpf_stats)",
              err[-300:], "oomtrace: BPF programs ran ...")
        if cost:
            print(f"#       {ver} {sc} {mode}: {cost.group(0)[len('oomtrace: '):]} (TCG)")
        check(meta.get(f"{sc}.tracer.{mode}.exit") == "0", "tracer exited 0 on SIGINT",
              meta.get(f"{sc}.tracer.{mode}.exit"), "0")
        check(meta.get(f"{sc}.tracer.{mode}.adj") == "-1000", "tracer protected itself (oom_score_adj)",
              meta.get(f"{sc}.tracer.{mode}.adj"), "-1000")
        evs = events(sections, f"{sc}.{mode}.json")
        kills = [e for e in evs if e["type"] == "oom_kill"]
        after = [e for e in evs if e["type"] != "oom_kill"]
        by_mode[mode] = kills
        check(len(kills) == len(reports), "one event per kernel OOM kill", len(kills), len(reports))
        earlier_victims = set()
        numbers = check_domain.kernel_reports(text)
        parsed = parsed_domains(text)
        freeing_kb = 0
        for i, (ev, rep) in enumerate(zip(kills, reports)):
            check.prefix = f"{ver} {sc} {mode} kill {i + 1}: "
            check_event(sc, rule, mode, ev, rep, meta, after, earlier_victims, modes)
            check_domain_memory(rule, ev, numbers.get(ev["victim"]["pid"], {}), parsed, freeing_kb)
            earlier_victims |= {v["pid"] for v in ev.get("victims", [])} | {ev["victim"]["pid"]}
            # what this kill's victims hold, which their exit or the reaper
            # may give back between the next kill's read and its report
            freeing_kb = sum(v.get("anon_rss_kb", 0) + v.get("file_rss_kb", 0) + v.get("shmem_rss_kb", 0)
                             for v in ev.get("victims", []) or [ev["victim"]])
        check.prefix = f"{ver} {sc} {mode}: "
        check_special(sc, mode, kills, reports, after, meta)
        check_run_up(sc, rule, kills, sections)
        # oomtrace replay on this mode's events: kernel reproduces every
        # victim, each policy's pick is its definition's (check_replay.py)
        check(meta.get(f"{sc}.replay.{mode}.exit") == "0", "replay exit 0 (kernel reproduced all)",
              (meta.get(f"{sc}.replay.{mode}.exit"), sections.get(f"{sc}.{mode}.replay.err", "")),
              "0")
        reps = {r["seq"]: r for r in events(sections, f"{sc}.{mode}.replay")}
        check_replay.check_replays(check, kills, reps)
        # --precise-rss: 6.2+ keeps the rss counters per CPU, and the
        # offsets come from oomtrace's own per-CPU map (5.19+), so every
        # task with memory has the exact sums, without a warning; before
        # 6.2 none can (nothing is per CPU), and the tracer says so
        err = sections.get(f"{sc}.{mode}.err", "")
        warned = [l for l in err.splitlines() if "--precise-rss" in l]
        if kernel_at_least(ver, 6, 2):
            rows = [c for e in kills for c in e.get("candidates", []) if "rss_pages" in c]
            check(rows and all("rss_pages_precise" in c for c in rows),
                  "--precise-rss: every candidate has exact rss sums",
                  [c["pid"] for c in rows if "rss_pages_precise" not in c][:5], "all")
            check(not warned, "--precise-rss: no warning", warned, [])
        else:
            check(len(warned) == 1 and "keeps no per-CPU rss counters" in warned[0],
                  "--precise-rss: says this kernel keeps no per-CPU counters", warned,
                  "keeps no per-CPU rss counters")
    # the same OOMs through several modes: exact points agree, recomputed ones too
    for i in range(len(reports) if len(modes) > 1 else 0):
        check.prefix = f"{ver} {sc} kill {i + 1}: "
        pts = {}
        for mode in modes:
            if i < len(by_mode[mode]):
                pts[mode] = {c["pid"]: c.get("points") for c in by_mode[mode][i]["candidates"]}
        if len(pts) != len(modes):
            continue
        exact = "fentry" if "fentry" in pts else "kprobe"
        if "fentry" in pts and "kprobe" in pts:
            check(pts["fentry"] == pts["kprobe"], "fentry and kprobe points are the same",
                  pts["kprobe"], pts["fentry"])
        if "tracepoint" in pts and exact in pts:
            check(pts["tracepoint"] == pts[exact],
                  "tracepoint mode's recomputed points equal the kernel's own",
                  pts["tracepoint"], pts[exact])
        tot = {m: by_mode[m][i].get("totalpages") for m in modes}
        check(len(set(tot.values())) == 1, "totalpages agree across modes", tot, "all equal")
        vics = {m: sorted(v["pid"] for v in by_mode[m][i].get("victims", [])) for m in modes}
        check(len({tuple(v) for v in vics.values()}) == 1, "victims agree across modes",
              vics, "all equal")


def kernel_before(ver, major, minor):
    m = re.match(r"(\d+)\.(\d+)", ver)
    return m is not None and (int(m.group(1)), int(m.group(2))) < (major, minor)


def stack_cut_by_kretprobe(ev, modes):
    """Before 5.16, kprobe mode's kretprobe on out_of_memory hijacks the
    return address, and the unwinder stops at the trampoline: in every
    tracer's stack while a kprobe-mode tracer runs."""
    ks = ev.get("kernel_stack") or [""]
    return ("kprobe" in modes and kernel_before(KERNEL, 5, 16) and
            ks[-1].startswith(("kretprobe_trampoline+", "__kretprobe_trampoline+")))


def check_event(sc, rule, mode, ev, rep, meta, after, earlier_victims, modes):
    exact = mode != "tracepoint"
    protected = int(meta[f"{sc}.protected"])
    hostile = int(meta[f"{sc}.hostile"])
    check(ev["victim"]["pid"] == rep["killed"], "victim is the pid dmesg says was killed",
          ev["victim"]["pid"], rep["killed"])
    check(ev["trigger"]["tid"] == rep["trigger_tid"], "trigger is the allocating task (dmesg CPU line)",
          ev["trigger"]["tid"], rep["trigger_tid"])
    want_c = {"CONSTRAINT_MEMCG": "memcg", "CONSTRAINT_NONE": "none"}.get(
        (rep["oomkill"] or {}).get("constraint"))
    check(ev["constraint"] == want_c, "constraint as dmesg's", ev["constraint"], want_c)
    check(ev.get("constraint_inferred", False) == (not exact), "constraint_inferred only in tracepoint mode",
          ev.get("constraint_inferred"), not exact)
    # tracepoint mode's hard case: no mem_cgroup_out_of_memory on a stack
    # cut at the kretprobe, and the memcg no longer at its limit at the kill
    # (an earlier victim's mm reaped or freed meanwhile, as in shared's
    # second kill): only the kernel's memcg OOM lock tells; say when a run
    # met it, since the checks above judge it only then
    dm = ev.get("domain_memory") or {}
    room_kb = dm["limit_kb"] - dm["usage_kb"] if "limit_kb" in dm and "usage_kb" in dm else 0
    if not exact and rule["memcg"] and stack_cut_by_kretprobe(ev, modes) and room_kb >= 256:
        print(f"#       {KERNEL} {sc} {mode} #{ev['seq']}: {room_kb} kB "
              f"under the limit at the kill and the stack cut: the constraint came from the memcg OOM lock")
    if rule["memcg"]:
        grower = int(meta[f"{sc}.grower"])
        check(ev["trigger"]["pid"] == grower, "trigger is the grower, the memcg's only allocator",
              ev["trigger"]["pid"], grower)
        check(ev.get("memcg") == rep["oomkill"].get("oom_memcg") == meta[f"{sc}.path"],
              "OOM memcg as dmesg's oom_memcg", ev.get("memcg"), rep["oomkill"].get("oom_memcg"))
        check(ev["totalpages"] == int(meta[f"{sc}.limit_pages"]), "totalpages is memory.max in pages",
              ev["totalpages"], int(meta[f"{sc}.limit_pages"]))
        if not stack_cut_by_kretprobe(ev, modes):
            check(any(f.startswith("mem_cgroup_out_of_memory+") for f in ev["kernel_stack"]),
                  "kernel stack passes mem_cgroup_out_of_memory", ev["kernel_stack"][:8],
                  "mem_cgroup_out_of_memory")
    else:
        check(ev.get("memcg") is None, "no OOM memcg for a global OOM", ev.get("memcg"), None)
        want = int(meta["global.memtotal_kb"]) // 4  # no swap: totalram_pages()
        check(ev["totalpages"] == want, "totalpages is RAM in pages (MemTotal)", ev["totalpages"], want)
    check(any(f.startswith("out_of_memory+") for f in ev["kernel_stack"]), "kernel stack has out_of_memory",
          ev["kernel_stack"][:8], "out_of_memory+0x...")
    want_missing = "kernel_stack_past_kretprobe" if stack_cut_by_kretprobe(ev, modes) else None
    got_missing = ev.get("missing")
    # a global OOM's trigger may be any task (another tracer, a shell, a
    # task killed in the same OOM): one gone before its names were read has
    # them missing, and says so; the scenario's own grower never may
    if not rule["memcg"] and ev["trigger"]["pid"] != int(meta.get(f"{sc}.grower", 0)) and got_missing:
        rest = [m for m in got_missing.split(",") if m not in ("trigger_exe", "trigger_cmdline")]
        if len(rest) < len(got_missing.split(",")):
            print(f"#       {check.prefix}trigger pid {ev['trigger']['pid']} ({ev['trigger'].get('comm')}), "
                  f"not the grower: missing {got_missing}")
        got_missing = ",".join(rest) or None
    check(got_missing == want_missing, "missing names what the kernel could not give, nothing else",
          ev.get("missing"), want_missing)
    if exact:
        check(ev.get("gfp_mask") is not None and int(ev["gfp_mask"], 16) == rep["gfp_mask"],
              "gfp_mask as dmesg's", ev.get("gfp_mask"), hex(rep["gfp_mask"]))
        check(ev.get("order") == rep["order"], "order as dmesg's", ev.get("order"), rep["order"])
    else:
        check("gfp_mask" not in ev and "order" not in ev, "tracepoint mode does not guess gfp/order",
              (ev.get("gfp_mask"), ev.get("order")), None)
    cands = ev["candidates"]
    # an earlier victim is passed over by oom_evaluate_task once reaped, but
    # the kernel's table still lists it
    rows = [r for r in rep["rows"] if r["tgid"] not in earlier_victims]
    kpids = sorted(r["tgid"] for r in rows)
    # a task evaluated while exiting has no mm left: oom_badness() skips it
    # and the kernel's table, which prints mm fields, leaves it out
    with_mm = sorted(c["pid"] for c in cands if c.get("skip") != "no_mm")
    check(with_mm == kpids, "candidate set equals dmesg task table", with_mm, kpids)
    check(ev["candidates_total"] == len(cands), "candidates_total counts every candidate",
          ev["candidates_total"], len(cands))
    by_pid = {c["pid"]: c for c in cands}
    for row in rows:
        c = by_pid.get(row["tgid"])
        if c is None:
            continue
        if int(row["oom_score_adj"]) == -1000:
            check(c.get("points") is None and c.get("skip") == "oom_score_adj_min",
                  f"pid {row['tgid']} (-1000) is skipped, as the kernel does", (c.get("points"), c.get("skip")),
                  (None, "oom_score_adj_min"))
            continue
        want = dmesg_oom.kernel_points(row, ev["totalpages"])
        check(c.get("points") == want, f"points of {row['tgid']} as the kernel's formula on its row",
              c.get("points"), want)
        check(c.get("points_estimated", False) == (not exact),
              f"points of {row['tgid']} marked estimated only when recomputed",
              c.get("points_estimated"), not exact)
        check(c["rss_pages"] == row["rss"], f"rss of {row['tgid']}", c["rss_pages"], row["rss"])
    ranked = [c["points"] for c in cands if c.get("points") is not None]
    check(ranked == sorted(ranked, reverse=True), "candidates sorted by points", ranked, "descending")
    vc = by_pid.get(ev["victim"]["pid"])
    # ties (a process and one sharing its mm score the same) rank by pid
    check(vc is not None and cands[0].get("points") == vc.get("points"), "the kernel's victim ranks first",
          [(c["pid"], c.get("points")) for c in cands[:3]], rep["killed"])
    check(ev["victim"].get("points") == (vc or {}).get("points"), "victim points equal its candidate row",
          ev["victim"].get("points"), (vc or {}).get("points"))
    if exact:
        check(ev.get("chosen_points") == ev["victim"].get("points"), "oc->chosen_points is the victim's",
              ev.get("chosen_points"), ev["victim"].get("points"))
    prot = by_pid.get(protected)
    check(prot is not None, "the -1000 task is among the candidates", None, protected)
    check(ev["victim"]["pid"] != protected and all(v["pid"] != protected for v in ev.get("victims", [])),
          "the -1000 task is never a victim", [v["pid"] for v in ev.get("victims", [])], f"not {protected}")
    if rule["protected_larger"] and prot is not None and vc is not None:
        check(prot["rss_pages"] > vc["rss_pages"], "the -1000 task is larger than the victim",
              prot["rss_pages"], f"> {vc['rss_pages']}")
    host = by_pid.get(hostile)
    want = 'q"n\nx\x1b[31mz'
    check(host is not None and host["comm"] == want, "hostile comm survives the JSON round trip",
          host and host["comm"], want)
    check(ev["lost_events"] == 0, "no lost events", ev["lost_events"], 0)
    # symbolized from the trigger's executable, which may already be gone
    us = ev.get("user_stack") or [{}]
    if ev["trigger"]["comm"] == "hog":
        check(us[0].get("sym") == "main" and us[0].get("object") == "/bin/hog",
              "user stack symbolized (main in /bin/hog)", us[:2], "main in /bin/hog")
    else:  # a global OOM may be triggered by any allocating process
        check(us[0].get("sym") and us[0].get("object", "").startswith("/bin/"),
              "user stack symbolized", us[:2], "a symbol in /bin/...")
    for v in ev.get("victims", []) or [ev["victim"]]:
        ex = [a for a in after if a["type"] == "victim_exit" and a["pid"] == v["pid"]]
        check(len(ex) == 1 and ex[0]["oom_seq"] == ev["seq"] and ex[0]["kill_to_exit_us"] >= 0,
              f"victim_exit of {v['pid']} follows, tied to this event", ex, f"oom_seq {ev['seq']}")


def check_special(sc, mode, kills, reports, after, meta):
    """What only some scenarios show: group kills, shared mm, the reaper."""
    if not kills:
        return
    ev, rep = kills[0], reports[0]
    victims = {v["pid"]: v for v in ev.get("victims", [])}
    if sc == "group":
        check(rep["group"], "dmesg: memory.oom.group kill", rep["group"], True)
        # the group walk kills the chosen victim a second time (no second mark)
        killed = sorted(set(rep["killed_all"]))
        check(sorted(victims) == killed, "victims are every task dmesg says was killed",
              sorted(victims), killed)
        reasons = sorted(v.get("reason") for v in victims.values())
        want = sorted(["chosen"] + ["oom_group"] * (len(killed) - 1))
        check(reasons == want, "one chosen victim, the rest memory.oom.group members", reasons, want)
        alive = meta.get("group.alive", "")
        check(alive == meta["group.protected"], "only the -1000 task outlived the group kill",
              alive, meta["group.protected"])
    elif sc == "shared":
        pair = sorted([int(meta["shared.sharing"]), int(meta["shared.sharer"])])
        check(sorted(victims) == pair, "the victim and the process sharing its mm are both victims",
              sorted(victims), pair)
        other = [v for p, v in victims.items() if p != ev["victim"]["pid"]]
        check(len(other) == 1 and other[0].get("reason") == "shared_mm", "the other one's reason is shared_mm",
              other, "shared_mm")
        check("shared.sharer.alive" not in meta, "the kernel really killed the sharing process",
              meta.get("shared.sharer.alive"), "gone")
    elif sc == "reaper":
        check(meta.get("reaper.freezer.state") == "FROZEN", "the stuck victim was frozen",
              meta.get("reaper.freezer.state"), "FROZEN")
        stuck = int(meta["reaper.stuck"])
        check(ev["victim"]["pid"] == stuck, "the frozen task is the first victim", ev["victim"]["pid"], stuck)
        check(stuck in rep["reaped"], "dmesg: oom_reaper reaped it", rep["reaped"], stuck)
        stages = [a["stage"] for a in after if a["type"] == "oom_reaper" and a["pid"] == stuck]
        check(stages[:3] == ["wake", "start", "finish"], "oom_reaper wake, start, finish on the victim",
              stages, ["wake", "start", "finish"])
        check(all(a["oom_seq"] == ev["seq"] for a in after if a["type"] == "oom_reaper" and a["pid"] == stuck),
              "reaper records tied to the kill", None, ev["seq"])


def check_doctor(text, sections, meta, ver):
    """doctor and the forced modes against the expected ones; --btf."""
    check.prefix = f"{ver}: "
    doctor = sections.get("doctor", "")
    for mode in ALL_MODES:
        row = re.search(rf"^  {mode} +(yes|no) +(.*)$", doctor, re.M)
        if mode in MODES:
            check(row is not None and row.group(1) == "yes", f"doctor: {mode} loads and attaches",
                  row and row.group(0), f"{mode} yes")
            # handle_mark_victim's object loads beside the other programs'
            # (loader.c, load_split); a split that fails loads whole, slower
            check(row is not None and "handle_mark_victim verified beside the rest" in row.group(0),
                  f"doctor: {mode} loads as two objects at once", row and row.group(0),
                  "handle_mark_victim verified beside the rest")
            continue
        check(row is not None and row.group(1) == "no", f"doctor: {mode} is not available here",
              row and row.group(0), f"{mode} no")
        err = sections.get(f"refusal.{mode}", "")
        lines = err.splitlines()
        ok = check(meta.get(f"refusal.{mode}.exit") == "1" and len(lines) == 1 and
                   lines[0].startswith("oomtrace: "),
                   f"--mode {mode} fails with exit 1 and one line", (meta.get(f"refusal.{mode}.exit"), err),
                   "1, 'oomtrace: ...'")
        if ok:
            # errors the kernel keeps to itself have no name in libc
            note = " (524: the kernel's ENOTSUPP)" if "error 524" in lines[0] else ""
            print(f"#       {ver}: {mode} mode is impossible here; the tracer says: {lines[0]}{note}")
    check(f"auto mode: {MODES[0]}" in doctor, f"doctor: auto picks {MODES[0]}", doctor[-400:],
          f"auto mode: {MODES[0]}")
    # tracepoint mode's walk with direct loads: wherever the kernel has
    # bpf_rdonly_cast() (6.2+) and the full object loads (5.17+)
    release = re.search(r"@@VM meta kernel (\d+)\.(\d+)", text)
    if "tracepoint" in MODES and release:
        direct = (int(release.group(1)), int(release.group(2))) >= (6, 2)
        row = re.search(r"^  tracepoint +yes +(.*)$", doctor, re.M)
        check(row is not None and ("direct loads" in row.group(1)) == direct,
              f"doctor: the tracepoint walk {'has' if direct else 'has no'} direct loads here",
              row and row.group(0), "direct loads" if direct else "reads")
    # the reader's wake-up deferred to a BPF timer (oomtrace.bpf.c,
    # wake_later): the full object's (5.17+) fentry and tracepoint modes;
    # kretprobes may not use bpf_timer, and the compat object does not
    if release:
        full = (int(release.group(1)), int(release.group(2))) >= (5, 17)
        for mode in MODES:
            want = full and mode in ("fentry", "tracepoint")
            row = re.search(rf"^  {mode} +yes +(.*)$", doctor, re.M)
            check(row is not None and ("wakes its reader by a timer" in row.group(1)) == want,
                  f"doctor: {mode} {'defers' if want else 'does not defer'} its reader's wake-up",
                  row and row.group(0), "by a timer" if want else "at each OOM")
    # the command lines' cache: a hash allocated at run time where tracing
    # programs may use one (6.1+), else preallocated; and never the kernel
    # warning of a kernel before 6.1 that allows it grudgingly
    if release:
        rt = (int(release.group(1)), int(release.group(2))) >= (6, 1)
        row = re.search(r"^  command-line cache +yes +(.*)$", doctor, re.M)
        check(row is not None and ("allocated at run time" in row.group(1)) == rt,
              f"doctor: the command-line cache is {'allocated at run time' if rt else 'preallocated'}",
              row and row.group(0), "allocated at run time" if rt else "preallocated")
    warned = [k for k, v in sections.items() if k.endswith(".dmesg") and "uses run-time allocation" in v]
    check(not warned, "no kernel warning of a run-time allocated map in a tracing program", warned, [])
    # mark_victim's prototype: what doctor says against the event's own format
    fmt = sections.get("mark_victim.format", "")
    has_comm = re.search(r"field:__data_loc char\[\] comm;", fmt) is not None
    row = re.search(r"^  mark_victim passes task +(yes|no) ", doctor, re.M)
    check(row is not None and (row.group(1) == "yes") == has_comm,
          "doctor: mark_victim's prototype agrees with the tracepoint's format",
          row and row.group(0), f"{'yes' if has_comm else 'no'} (comm field: {has_comm})")
    print(f"#       {ver}: mark_victim passes {'the task' if has_comm else 'a pid'}")
    # --btf: a copy of the kernel's BTF, the kernel's own hidden
    db = sections.get("doctor-btf", "")
    check(meta.get("doctor-btf.exit") == "0" and re.search(r"^  BTF \(CO-RE\) +yes +\S+ +/tmp/vmlinux.btf", db, re.M),
          "doctor --btf COPY: BTF from the file, kernel's hidden", db[:600], "BTF yes /tmp/vmlinux.btf")
    want = [m for m in MODES if m != "fentry"][0]
    check(re.search(r"^  fentry +no +fentry needs the kernel's own BTF", db, re.M) is not None,
          "doctor --btf COPY: fentry needs the kernel's own BTF", db[-900:], "fentry no")
    check(f"auto mode: {want}" in db, f"doctor --btf COPY: auto picks {want}", db[-400:], f"auto mode: {want}")
    bad = sections.get("btf-bad", "").splitlines()
    check(meta.get("btf-bad.exit") == "1" and len(bad) == 1 and bad[0].startswith("oomtrace: --btf: "),
          "--btf NOT-BTF: exit 1, one line", (meta.get("btf-bad.exit"), bad), "1, 'oomtrace: --btf: ...'")


def check_names(sections, meta):
    """Issue 17 on cgroup v2: the pod's names from a laid-out log directory,
    the victim's real argv, the --exec hook's environment."""
    evs = [e for e in events(sections, "names.json") if e.get("type") == "oom_kill"]
    check(meta.get("names.exit") == "0" and len(evs) == 1, "names: one event, tracer exit 0",
          (meta.get("names.exit"), len(evs), sections.get("names.err", "")[-300:]), ("0", 1))
    if not evs:
        return
    v = evs[0].get("victim", {})
    check(v.get("pid") == int(meta.get("names.victim", "0")), "names: the victim",
          v.get("pid"), meta.get("names.victim"))
    got = (v.get("namespace"), v.get("pod"), v.get("container"))
    check(got == ("shop", "cart-7d9", "app"), "names: namespace, pod, container from the log link",
          got, ("shop", "cart-7d9", "app"))
    want = ["/bin/hog", "-a", "1000", "8", "3600", "two words", "l1\nl2"]
    check(v.get("cmdline") == want, "names: the victim's argv, space and newline kept",
          (v.get("cmdline"), evs[0].get("missing")), want)
    hook = sections.get("names.hook", "").splitlines()
    check("OOMTRACE_POD=cart-7d9" in hook and f"OOMTRACE_VICTIM_PID={v.get('pid')}" in hook,
          "names: the hook's environment", hook, "OOMTRACE_POD=cart-7d9")


HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..", "..")
USTACK_SRC = os.path.join(TOP, "tests", "e2e", "ustack")
# the guest's path of each object of the user-stack program
USTACK_GUEST = {"ustack": "/opt/ustack/ustack", "libustack.so": "/opt/ustack/libustack.so"}


def source_line(name, text):
    """The line of SRC name that holds text (the test program's markers)."""
    for i, line in enumerate(open(os.path.join(USTACK_SRC, name)), 1):
        if text in line:
            return i
    raise SystemExit(f"check_vm: no '{text}' in {name}")


def elf_vaddr(path, off):
    """The virtual address of file offset off in ELF64 path (its PT_LOADs)."""
    import struct
    with open(path, "rb") as f:
        h = f.read(64)
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", ph, i * phentsize)
        if p_type == 1 and p_offset <= off < p_offset + p_filesz:
            return off - p_offset + p_vaddr
    return None


def build_id(path):
    import subprocess
    out = subprocess.run(["readelf", "-n", path], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m and m.group(1)


def addr2line(arch, path, addr):
    """binutils' view of addr: [(function, file basename, line)], innermost first."""
    import subprocess
    tool = "addr2line" if arch == "x86_64" else f"{arch}-linux-gnu-addr2line"
    out = subprocess.run([tool, "-f", "-i", "-e", path, "0x%x" % addr],
                         capture_output=True, text=True).stdout.split("\n")
    res = []
    for fn, loc in zip(out[0::2], out[1::2]):
        m = re.match(r"(.*):(\d+)(?: \(discriminator \d+\))?$", loc)
        res.append((fn, os.path.basename(m.group(1)) if m else loc, int(m.group(2)) if m else None))
    return res


def check_ustack_vm(sections, meta, ver):
    """Issue 16 in the VM: the stack of a program built -O2
    -fomit-frame-pointer, unwound with DWARF from BPF's copy of its stack,
    in every mode the kernel allows; as it came, and as if the process
    were gone before its maps were read. Each frame is held to the source's
    markers and to binutils' addr2line on the same files on the host."""
    arch = meta.get("ustack.arch", "?")
    files = os.path.join(TOP, ".output", "vm", f"ustack-{arch}")
    host = {USTACK_GUEST[n]: os.path.join(files, n) for n in USTACK_GUEST}
    ids = {g: build_id(h) for g, h in host.items()}
    lib, exe = USTACK_GUEST["libustack.so"], USTACK_GUEST["ustack"]
    want = [("touch", lib, source_line("libustack.c", "ustack-touch-line"), True),
            ("f3", lib, source_line("libustack.c", "\ttouch(p, len);"), False),
            ("f2", lib, source_line("libustack.c", "ustack-f2-line"), False),
            ("f1", lib, source_line("libustack.c", "ustack-f1-line"), False),
            ("main", exe, source_line("ustack_main.c", "ustack-main-line"), False)]
    for v in ("live", "gone"):
        check.prefix = f"{ver} ustack {v}: "
        pid = int(meta.get(f"ustack.{v}.pid", "0"))
        ev_text = sections.get(f"ustack.{v}.memory.events", "")
        kills = re.search(r"^oom_kill (\d+)$", ev_text, re.M)
        check(meta.get(f"ustack.{v}.exit") == "137" and kills and int(kills.group(1)) == 1,
              "the kernel killed the program in its memcg (exit 137, memory.events oom_kill 1)",
              (meta.get(f"ustack.{v}.exit"), ev_text, sections.get(f"ustack.{v}.out", "")[:300]),
              ("137", "oom_kill 1"))
        for mode in MODES:
            check.prefix = f"{ver} ustack {v} {mode}: "
            check(meta.get(f"ustack.{v}.tracer.{mode}.exit") == "0", "tracer exit 0",
                  (meta.get(f"ustack.{v}.tracer.{mode}.exit"),
                   sections.get(f"ustack.{v}.{mode}.err", "")[-300:]), "0")
            # -n 1: it ends once its event is read, which takes a wake-up
            # (a deferred one in tracepoint and fentry modes: wake_later())
            check(meta.get(f"ustack.{v}.tracer.{mode}.ended") == "yes",
                  "tracer ended by itself after its one event (woken)",
                  meta.get(f"ustack.{v}.tracer.{mode}.ended"), "yes")
            evs = [e for e in events(sections, f"ustack.{v}.{mode}.json")
                   if e.get("type") == "oom_kill" and e["trigger"]["pid"] == pid]
            if not check(len(evs) == 1, "one event, triggered by the program", len(evs), 1):
                continue
            ev = evs[0]
            st = ev.get("user_stack", [])
            names = [f.get("sym") for f in st]
            print(f"#       {ver} ustack {v} {mode}: " + " <- ".join(
                f"{f.get('sym', f.get('ip'))}{' (inlined)' if f.get('inlined') else ''}"
                f"{':%s' % f['line'] if f.get('line') else ''}" for f in st) +
                (f"; stop: {ev['user_stack_stop']}" if ev.get("user_stack_stop") else ""))
            got = [(f.get("sym"), f.get("object"), f.get("line"), bool(f.get("inlined"))) for f in st[:5]]
            check(got == want, "f3 (touch inlined), f2, f1, main: objects and source lines",
                  got, want)
            check(all(f.get("unwind") == "dwarf" for f in st[:5]), 'every frame "unwind":"dwarf"',
                  [f.get("unwind") for f in st[:5]], "dwarf")
            check(all(f.get("build_id") == ids.get(f.get("object")) for f in st[:5]),
                  "build ids of the files built on the host",
                  [f.get("build_id") for f in st[:5]], ids)
            # binutils on the host: the same address names the same
            # functions and lines, inlined calls innermost first (a caller's
            # line is its return address less one, as in a backtrace)
            a2l, first = [], True
            for i in range(5):
                f = st[i] if i < len(st) else {}
                if f.get("inlined"):
                    continue
                obj = host.get(f.get("object"))
                va = obj and f.get("file_offset") and elf_vaddr(obj, int(f["file_offset"], 16))
                if va is None:
                    a2l.append(("?", f.get("object"), f.get("file_offset")))
                    continue
                a2l += addr2line(arch, obj, va if first else va - 1)
                first = False
            ours = [(f.get("sym"), os.path.basename(f.get("file", "")), f.get("line")) for f in st[:5]]
            check(ours == a2l[:5], "frames as addr2line names their addresses", ours, a2l[:5])
            if v == "live" and mode == "tracepoint":
                # tracepoint mode completes an event after a quiet spell: the
                # program is usually gone by then. How soon it exits is
                # timing (220 ms on a loaded arm64 emulation), so said, not
                # judged; the "gone" run takes the maps away for certain
                ex = [e for e in events(sections, f"ustack.{v}.{mode}.json")
                      if e.get("type") == "victim_exit" and e["pid"] == pid]
                print(f"#       {check.prefix}the program exited "
                      f"{ex[0]['kill_to_exit_us'] if ex else '(not seen)'} us after the kill")


PY_SCRIPT = 'l = []\nwhile True:\n    l.append("x" * 1000 + str(len(l)))\n'
# gdb commands shared with t-ustack-python.sh
PY_GDB = os.path.join(TOP, "tests", "e2e", "ustack", "python-bt.gdb")


def check_python_vm(sections, meta, ver):
    """Debian's python3 in the guest, held to gdb's backtrace of the same
    interpreter and script on the host (as t-ustack-python.sh): from
    PyEval_EvalCode to _start the same frames, files and lines, through
    _PyEval_EvalFrameDefault, the C library's frames named by libc6-dbg's
    debug file, every frame unwound with DWARF."""
    import subprocess
    import tempfile
    py = meta["ustack.python"]
    libc = os.path.realpath("/lib/x86_64-linux-gnu/libc.so.6")
    check.prefix = f"{ver} ustack python: "
    ev_text = sections.get("ustack.python.memory.events", "")
    kills = re.search(r"^oom_kill (\d+)$", ev_text, re.M)
    check(meta.get("ustack.python.exit") == "137" and kills and int(kills.group(1)) == 1,
          "the kernel killed python3 in its memcg (exit 137, memory.events oom_kill 1)",
          (meta.get("ustack.python.exit"), ev_text, sections.get("ustack.python.out", "")[-300:]),
          ("137", "oom_kill 1"))
    with tempfile.TemporaryDirectory() as tmp:
        gdb = os.path.join(tmp, "gdb.txt")
        with open(gdb, "w") as f:
            subprocess.run(["gdb", "-batch", "-x", PY_GDB, "--args", py,
                            "-S", "-I", "-c", PY_SCRIPT], stdout=f, stderr=subprocess.STDOUT)
        if not check(re.search(r"^#0 .*PyEval_EvalCode", open(gdb).read(), re.M) is not None,
                     "gdb on the host stopped in PyEval_EvalCode", open(gdb).read()[-500:],
                     "#0 PyEval_EvalCode"):
            return
        for mode in MODES:
            check.prefix = f"{ver} ustack python {mode}: "
            evs = os.path.join(tmp, f"{mode}.json")
            with open(evs, "w") as f:
                f.write(sections.get(f"ustack.python.{mode}.json", ""))
            r = subprocess.run([sys.executable, os.path.join(TOP, "tests", "e2e", "check_ustack.py"),
                                evs, gdb, meta.get("ustack.python.pid", "0"), "--from", "PyEval_EvalCode",
                                "--to", "_start", "--object", f"Py_BytesMain={py}",
                                "--object", f"__libc_start_call_main={libc}"],
                               capture_output=True, text=True)
            for line in r.stdout.splitlines():
                if line.startswith("# ours"):
                    print(f"#       {ver} ustack python {mode}: {line[2:]}")
            check(r.returncode == 0, "from PyEval_EvalCode to _start as gdb's backtrace on the host",
                  r.stdout[-600:], "ok")
            ev = [e for e in events(sections, f"ustack.python.{mode}.json") if e.get("type") == "oom_kill"]
            st = ev[0].get("user_stack", []) if ev else []
            names = [f.get("sym") for f in st]
            # python may exit before its maps are read (42 ms after the kill
            # on a loaded 5.10): libc is then placed by the dynamic linker's
            # list BPF read at the OOM (ULINKS), and must be all the same
            check("_PyEval_EvalFrameDefault" in names and "__libc_start_call_main" in names and
                  names.index("_PyEval_EvalFrameDefault") < names.index("__libc_start_call_main"),
                  "interpreter frames (_PyEval_EvalFrameDefault) down to __libc_start_call_main",
                  names, "_PyEval_EvalFrameDefault ... __libc_start_call_main")
            lc = [f for f in st if f.get("object") == libc]
            check(lc and all(f.get("sym") and f.get("file") and f.get("line") for f in lc),
                  "the C library's frames named with their lines (libc6-dbg by build id)", lc, "named")
            check(st and all(f.get("unwind") == "dwarf" for f in st), 'every frame "unwind":"dwarf"',
                  [f.get("unwind") for f in st], "dwarf")


def main():
    global MODES, KERNEL
    path, ver = sys.argv[1], sys.argv[2]
    KERNEL = ver
    if len(sys.argv) > 3:
        MODES = tuple(sys.argv[3].split(","))
    text = load(path)
    check.prefix = f"{ver}: "
    check("@@VM done" in text, "the guest ran to the end", text[-300:], "@@VM done")
    parts = re.split(r"^@@VM pass (\S+)\n", text, flags=re.M)
    head_sections, head_meta = parse(parts[0])
    check_doctor(text, head_sections, head_meta, ver)
    if wanted("names"):
        check_names(head_sections, head_meta)
    if wanted("ustack"):
        check_ustack_vm(head_sections, head_meta, ver)
        if "ustack.python" in head_meta:
            check_python_vm(head_sections, head_meta, ver)
        elif head_meta.get("ustack.arch") == "x86_64":
            check(False, "python3 in the guest", None, "/usr/bin/python3")
    check.prefix = f"{ver}: "
    passes = list(zip(parts[1::2], parts[2::2]))
    got = [p for p, _ in passes]
    check(sorted(m for p in got for m in p.split(",")) == sorted(MODES), "every expected mode had a pass",
          got, MODES)
    for names, chunk in passes:
        modes = tuple(names.split(","))
        sections, meta = parse(chunk)
        tag = f"{ver}" if len(passes) == 1 else f"{ver} [{names} pass]"
        check.prefix = f"{tag}: "
        ran = re.findall(r"^@@VM meta scenario (\S+)$", chunk, re.M)
        want = [sc for sc in SCENARIOS if wanted(sc)]
        check(ran == want, "every scenario ran", ran, want)
        for sc in ran:
            check_scenario(sc, sections, meta, tag, modes)
        secs = sum(int(meta.get(f"{sc}.seconds", 0)) for sc in ran)
        print(f"#       {tag}: scenarios took {secs}s in the guest")
    print(f"{check.passed} passed, {check.failed} failed")
    return 1 if check.failed else 0


sys.exit(main())
