#!/usr/bin/env python3
"""Summaries of `make bench`'s raw samples (tests/bench/run.sh).

  report.py report RAW_DIR OUT_DIR     the table on stdout, results.json and
                                       results.md in OUT_DIR
  report.py storm-lost STORM_JSONL COND RINGBUF_KIB
                                       exit 0 if that storm run lost records

Every figure comes from the samples of this run; nothing is assumed.
Medians with spread (p10..p90 and IQR); ratios of medians with a 95%
bootstrap confidence interval (resampling each condition's samples).
"""
import glob
import json
import os
import random
import re
import statistics
import sys

MIB = 1024.0
LAT_WARMUP_DEFAULT = 2
VERIFIED = {}	# mode -> program -> instructions the verifier processed (fdinfo verified_insns)


# ---- statistics -------------------------------------------------------------------


def pct(xs, q):
    """The q-quantile (0..1), linear between closest ranks."""
    s = sorted(xs)
    if not s:
        return None
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(xs):
    if not xs:
        return None
    return {"n": len(xs), "median": pct(xs, 0.5), "p10": pct(xs, 0.1), "p90": pct(xs, 0.9),
            "iqr": pct(xs, 0.75) - pct(xs, 0.25), "min": min(xs), "max": max(xs)}


def boot_ratio(xs, base, n=2000, seed=1):
    """Median(xs)/median(base) and its 95% bootstrap interval."""
    rnd = random.Random(seed)
    r = []
    for _ in range(n):
        a = [rnd.choice(xs) for _ in xs]
        b = [rnd.choice(base) for _ in base]
        r.append(statistics.median(a) / statistics.median(b))
    return {"ratio": statistics.median(xs) / statistics.median(base),
            "ci95": [pct(r, 0.025), pct(r, 0.975)]}


def fit_line(xs, ys):
    """Least squares y = a + b x; with r^2."""
    n = len(xs)
    if n < 2 or len(set(xs)) < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys))
    return {"intercept": a, "slope": b, "r2": 1 - ss_res / ss_tot if ss_tot else 1.0}


def jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path, errors="replace"):
        line = line.strip()
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


# ---- startup ------------------------------------------------------------------------


STRACE_RE = re.compile(r'^(\d+)\s+(\d+\.\d+)\s+(.*)$')
RESUMED_RE = re.compile(r'^<\.\.\. (\w+) resumed>(.*)$')
CALL_RE = re.compile(r'^(\w+)\((.*)$')
DUR_RE = re.compile(r'<(\d+\.\d+)>\s*$')


def strace_calls(path):
    """(pid, start, call, args, duration) per call, unfinished/resumed pairs joined."""
    calls, pending = [], {}
    for line in open(path, errors="replace"):
        m = STRACE_RE.match(line.strip())
        if not m:
            continue
        pid, t, rest = m.group(1), float(m.group(2)), m.group(3)
        r = RESUMED_RE.match(rest)
        if r:
            c = pending.pop(pid, None)
            d = DUR_RE.search(rest)
            if c is not None:
                c["dur"] = float(d.group(1)) if d else t - c["t"]
                c["args"] += r.group(2)
            continue
        m2 = CALL_RE.match(rest)
        if not m2:
            continue
        c = {"pid": pid, "t": t, "call": m2.group(1), "args": m2.group(2), "dur": 0.0}
        if rest.endswith("<unfinished ...>"):
            pending[pid] = c
        else:
            d = DUR_RE.search(rest)
            c["dur"] = float(d.group(1)) if d else 0.0
        calls.append(c)
    return calls


def strace_profile(path):
    """Where one start's time went, on the path to ready: the main thread's
    and the loading thread's (which the main thread waits for).

    The main thread reads the kernel's BTF (the open..close of
    /sys/kernel/btf/vmlinux; libbpf parses it afterwards), loads the programs
    (the verifier: BPF_PROG_LOAD), waits for the kallsyms thread if it is not
    done (futex waits between the last load and the first attach), attaches,
    then locks memory and prints ready. The kallsyms thread's own read runs
    beside it and is on the path only through that wait.
    """
    calls = strace_calls(path)
    if not calls:
        return None
    main = calls[0]["pid"]
    t0 = calls[0]["t"]
    # the main thread, and the thread it loads the programs on (it waits
    # for that thread: its loads and attaches are on the path to ready):
    # the one that attaches mark_victim's programs, which it loads itself
    # while a second thread loads the others beside it (loader.c's split
    # load; that one's loads and attaches are off the path)
    path = {main} | {c["pid"] for c in calls if c["call"] == "bpf" and
                     c["args"].startswith("BPF_RAW_TRACEPOINT_OPEN") and
                     'name="mark_victim"' in c["args"]}
    if len(path) == 1:
        path |= {c["pid"] for c in calls
                 if c["call"] == "bpf" and c["args"].startswith("BPF_PROG_LOAD")}
    ready = next((c["t"] for c in calls if c["call"] == "write" and "oomtrace: ready" in c["args"]), None)
    if ready is None:
        return None
    prof = {"total_ms": (ready - t0) * 1e3, "vmlinux_btf_reads": 0, "vmlinux_btf_ms": 0.0,
            "prog_loads": 0, "verifier_ms": 0.0, "kallsyms_thread_ms": 0.0, "wait_kallsyms_ms": 0.0,
            "attach_ms": 0.0, "after_attach_ms": 0.0, "slowest_loads": []}
    opened = {}
    loads = []
    last_load_end = None
    attaches = []
    waits = []
    for c in calls:
        if c["t"] > ready:
            break
        if c["call"] == "openat":
            fd = re.search(r'=\s*(\d+)', c["args"])
            name = re.search(r'"([^"]+)"', c["args"])
            if fd and name:
                opened[(c["pid"], fd.group(1))] = (name.group(1), c["t"])
        elif c["call"] == "close":
            fd = re.match(r'(\d+)', c["args"])
            o = opened.pop((c["pid"], fd.group(1)), None) if fd else None
            if o and o[0] == "/proc/kallsyms":
                prof["kallsyms_thread_ms"] += (c["t"] - o[1]) * 1e3
            elif o and o[0] == "/sys/kernel/btf/vmlinux" and c["pid"] in path:
                prof["vmlinux_btf_reads"] += 1
                prof["vmlinux_btf_ms"] += (c["t"] - o[1]) * 1e3
        elif c["call"] == "bpf" and c["args"].startswith("BPF_PROG_LOAD") and c["pid"] in path:
            name = re.search(r'prog_name="([^"]*)"', c["args"])
            prof["prog_loads"] += 1
            prof["verifier_ms"] += c["dur"] * 1e3
            loads.append({"prog": name.group(1) if name else "?", "ms": c["dur"] * 1e3})
            last_load_end = c["t"] + c["dur"]
        elif c["call"] == "bpf" and c["pid"] in path and \
                (c["args"].startswith("BPF_RAW_TRACEPOINT_OPEN") or c["args"].startswith("BPF_LINK_CREATE")):
            attaches.append(c)
        elif c["call"] == "futex" and c["pid"] == main and "WAIT" in c["args"]:
            waits.append(c)
    # the main thread's waits between the last load and the first attach
    # (kallsyms, or the second loading thread the split load waits for:
    # with loading on a thread, the attach follows on that thread)
    if last_load_end is not None:
        until = attaches[0]["t"] if attaches else ready
        for c in waits:
            lo, hi = max(c["t"], last_load_end), min(c["t"] + c["dur"], until)
            if hi > lo:
                prof["wait_kallsyms_ms"] += (hi - lo) * 1e3
    if attaches:
        first, last = attaches[0], attaches[-1]
        prof["attach_ms"] = (last["t"] + last["dur"] - first["t"]) * 1e3
        prof["after_attach_ms"] = (ready - last["t"] - last["dur"]) * 1e3
    prof["slowest_loads"] = sorted(loads, key=lambda x: -x["ms"])[:4]
    prof["other_ms"] = prof["total_ms"] - prof["vmlinux_btf_ms"] - prof["verifier_ms"] - \
        prof["wait_kallsyms_ms"] - prof["attach_ms"] - prof["after_attach_ms"]
    return prof


def by_round(rows):
    out = {}
    for r in rows:
        out.setdefault(r.get("round", 1), []).append(r)
    return dict(sorted(out.items()))


def boot_median(xs, n=2000, seed=1):
    """The median of xs and its 95% bootstrap interval."""
    rnd = random.Random(seed)
    meds = sorted(statistics.median([rnd.choice(xs) for _ in xs]) for _ in range(n))
    return {"median": statistics.median(xs), "ci95": [pct(meds, 0.025), pct(meds, 0.975)]}


def startup(raw):
    rows = jsonl(os.path.join(raw, "startup.jsonl"))
    if not rows:
        return None
    by = {}
    fails = {}
    for r in rows:
        if "ready_ms" in r:
            by.setdefault(r["label"], []).append(r["ready_ms"])
        else:
            fails[r["label"]] = fails.get(r["label"], 0) + 1
    res = {"ready_ms": {k: summary(v) for k, v in by.items()}, "not_ready": fails}
    floor = by.get("floor")
    if floor:
        res["ratio_to_floor"] = {k: boot_ratio(v, floor) for k, v in by.items() if k != "floor"}
    if by.get("bpftrace"):
        res["ratio_to_bpftrace"] = {k: boot_ratio(v, by["bpftrace"]) for k, v in by.items()
                                    if k.startswith("oomtrace")}
    rounds = {}
    for rnd, rs in by_round([r for r in rows if "ready_ms" in r]).items():
        lab = {}
        for r in rs:
            lab.setdefault(r["label"], []).append(r["ready_ms"])
        rounds[str(rnd)] = {k: boot_median(v) for k, v in lab.items()}
    res["rounds"] = rounds
    prof = {}
    for p in sorted(glob.glob(os.path.join(raw, "start-strace.*"))):
        mode = p.rsplit(".", 1)[1]
        if mode == "jsonl":
            continue
        pr = strace_profile(p)
        if pr:
            prof[mode] = pr
    res["profile_under_strace"] = prof
    return res


# ---- memory and idle ---------------------------------------------------------------------


def smaps_breakdown(path):
    """Rss by what is mapped, in KiB."""
    cats = {}
    name = None
    for line in open(path, errors="replace"):
        f = line.split()
        if not f:
            continue
        if re.match(r'^[0-9a-f]+-[0-9a-f]+$', f[0]):
            name = f[5] if len(f) > 5 else ""
            continue
        if f[0] != "Rss:":
            continue
        kb = int(f[1])
        if "bpf-map" in name:
            c = "ring buffer + BPF maps (anon_inode:bpf-map)"
        elif name in ("[heap]", ""):
            c = "heap and anonymous"
        elif name == "[stack]":
            c = "stack"
        elif "/libc.so" in name:
            c = "libc"
        elif "/libbpf.so" in name:
            c = "libbpf"
        elif ".so" in name:
            c = "other shared libraries"
        elif name.startswith("["):
            c = "vdso/vvar"
        else:
            c = "the program (" + os.path.basename(name) + ")"
        cats[c] = cats.get(c, 0) + kb
    return dict(sorted(cats.items(), key=lambda kv: -kv[1]))


def memory(raw):
    rows = jsonl(os.path.join(raw, "memory.jsonl"))
    if not rows:
        return None
    by = {}
    for r in rows:
        if "hwm_kb" in r:
            by.setdefault(r["label"], []).append(r)
    res = {}
    for label, rs in by.items():
        def med(key):
            return statistics.median(r[key] for r in rs)
        d = {"n": len(rs), "ready_ms": med("ready_ms"), "peak_kb": med("hwm_kb"), "steady_kb": med("rss_kb"),
             "steady_anon_kb": med("rss_anon_kb"), "steady_file_kb": med("rss_file_kb"),
             "locked_kb": med("locked_kb"),
             "peak_kb_range": [min(r["hwm_kb"] for r in rs), max(r["hwm_kb"] for r in rs)],
             "steady_kb_range": [min(r["rss_kb"] for r in rs), max(r["rss_kb"] for r in rs)]}
        if "idle_ms" in rs[0]:
            d["idle"] = {"window_s": rs[0]["idle_ms"] / 1000.0,
                         "wakeups": [r["idle_vol_cs"] + r["idle_invol_cs"] for r in rs],
                         "voluntary_cs": [r["idle_vol_cs"] for r in rs],
                         "involuntary_cs": [r["idle_invol_cs"] for r in rs],
                         "cpu_us": [r["idle_cpu_ns"] / 1000.0 for r in rs],
                         "oom_kills_anywhere_meanwhile": [r["idle_oom_kills_anywhere"] for r in rs],
                         "windows_disturbed": sum(r.get("idle_windows_disturbed", 0) for r in rs)}
        d["rounds"] = {str(r.get("round", 1)): {"peak_kb": r["hwm_kb"], "steady_kb": r["rss_kb"]}
                       for r in rs}
        sm = sorted(glob.glob(os.path.join(raw, "smaps.%s.*" % label)))
        if sm:
            d["breakdown_kb"] = smaps_breakdown(sm[0])
        res[label] = d
    return res


def idle_long(raw):
    rows = [r for r in jsonl(os.path.join(raw, "idle-long.jsonl")) if "idle_ms" in r]
    if not rows:
        return None
    return {r["label"]: {"window_s": r["idle_ms"] / 1000.0,
                         "wakeups": r["idle_vol_cs"] + r["idle_invol_cs"],
                         "cpu_us": r["idle_cpu_ns"] / 1000.0,
                         "oom_kills_anywhere_meanwhile": r["idle_oom_kills_anywhere"],
                         "windows_disturbed": r.get("idle_windows_disturbed", 0)} for r in rows}


# ---- OOM path -------------------------------------------------------------------------------


def count_oomtrace_events(path, memcgs):
    """oom_kill events (and the victims in them) whose domain is one of memcgs; lost records."""
    ev = victims = lost = 0
    size = []
    if path and os.path.exists(path):
        for line in open(path, "rb"):
            if b'"type":"oom_kill"' not in line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            lost += e.get("lost_events", 0) or 0
            if memcgs is not None and e.get("memcg") not in memcgs:
                continue
            ev += 1
            victims += max(1, len(e.get("victims") or []))
            size.append(len(line))
    warned = 0
    for err in (path + ".err",) if path else ():
        if os.path.exists(err):
            for line in open(err, errors="replace"):
                m = re.search(r'(\d+) records were lost', line)
                if m:
                    warned += int(m.group(1))
    return {"events": ev, "victims": victims, "lost_events_field": lost, "records_lost": warned,
            "bytes": size}


def oompath(raw):
    """Kill latency by N (candidates per OOM), condition and round."""
    rows = jsonl(os.path.join(raw, "oompath.jsonl"))
    if not rows:
        return None
    lat = {}		# n -> round -> cond -> [us]
    captured = {}	# n -> cond -> {kills, captured}
    for r in rows:
        warm = r.get("warmup", LAT_WARMUP_DEFAULT)
        n = str(r.get("n", 1))
        vals = []
        if os.path.exists(r["lat"]):
            for line in open(r["lat"]):
                if line.strip() and not line.startswith("#"):
                    vals.append(float(line))
        lat.setdefault(n, {}).setdefault(str(r.get("round", 1)), {}).setdefault(r["cond"], []).extend(vals[warm:])
        c = captured.setdefault(n, {}).setdefault(r["cond"], {"kills": 0, "captured": 0})
        c["kills"] += len(vals)
        # what the tracer reported of these kills (other OOMs on the machine left out)
        if r["cond"] == "oomtrace":
            c["captured"] += count_oomtrace_events(r["events"], {r.get("memcg")})["events"]
        elif r["cond"] == "bpftrace" and r.get("events") and os.path.exists(r["events"]):
            c["captured"] += sum(1 for line in open(r["events"]) if line.startswith("oom_kill ") and
                                 " comm=oomlat " in line)
    res = {}
    for n, rounds in sorted(lat.items(), key=lambda kv: int(kv[0])):
        allc = {}
        per_round = {}
        for rnd, conds in rounds.items():
            pr = {"median_us": {k: statistics.median(v) for k, v in conds.items() if v}}
            base = conds.get("none")
            if base:
                pr["ratio_to_none"] = {k: boot_ratio(v, base) for k, v in conds.items() if k != "none" and v}
            if conds.get("oomtrace") and conds.get("bpftrace"):
                pr["oomtrace_to_bpftrace"] = boot_ratio(conds["oomtrace"], conds["bpftrace"])
            per_round[rnd] = pr
            for k, v in conds.items():
                allc.setdefault(k, []).extend(v)
        d = {"latency_us": {k: summary(v) for k, v in allc.items() if v}, "rounds": per_round,
             "tracer_saw": captured.get(n, {})}
        if allc.get("none"):
            d["ratio_to_none"] = {k: boot_ratio(v, allc["none"]) for k, v in allc.items() if k != "none" and v}
        res[n] = d
    return res


# ---- storm -------------------------------------------------------------------------------------


def recorded(path_glob, memcgs):
    ev = victims = lost = 0
    reconcile = []
    for f in sorted(glob.glob(path_glob)):
        for line in open(f, "rb"):
            try:
                e = json.loads(line)
            except ValueError:
                continue
            t = e.get("type")
            if t == "oom_kill" and e.get("memcg") in memcgs:
                ev += 1
                victims += max(1, len(e.get("victims") or []))
            elif t == "lost":
                lost += e.get("records", 0)
            elif t == "reconcile":
                reconcile.append({k: e.get(k) for k in ("scope", "kernel_kills", "recorded_kills", "gap", "status")})
    return {"events": ev, "victims": victims, "records_lost": lost, "reconcile": reconcile[-1:]}


def storm_run(r):
    s = r["storm"]
    d = {"cond": r["cond"], "ringbuf_kib": r["ringbuf_kib"], "children": s["children"],
         "kills": s["sigkilled"], "other_exits": s["other_exits"], "seconds": s["seconds"],
         "kills_per_s": s["kills_per_s"], "kernel_memcg_oom_kill": s["memcg_oom_kill_delta"],
         "kernel_vmstat_oom_kill": r["vmstat_oom_kill_delta"]}
    if r["cond"] != "none":
        d["tracer_cpu_s"] = r.get("tracer_cpu_s")
    memcgs = set(r["memcgs"])
    if r["cond"] == "trace":
        c = count_oomtrace_events(r["files"] + ".events", memcgs)
        d.update({"captured_events": c["events"], "captured_kills": c["victims"],
                  "lost": c["records_lost"] + c["lost_events_field"]})
    elif r["cond"] == "record":
        c = recorded(r["files"] + ".rec/oomtrace.jsonl*", memcgs)
        d.update({"captured_events": c["events"], "captured_kills": c["victims"], "lost": c["records_lost"],
                  "reconcile": c["reconcile"]})
    return d


def storm(raw):
    rows = jsonl(os.path.join(raw, "storm.jsonl"))
    if not rows:
        return None
    runs = [storm_run(r) for r in rows]
    res = {"runs": runs}
    clean = [x for x in runs if x["cond"] == "trace" and x.get("lost") == 0]
    lossy = [x for x in runs if x["cond"] == "trace" and x.get("lost")]
    if lossy:
        res["ringbuf_kib_needed"] = min(x["ringbuf_kib"] for x in clean) if clean else None
    return res


def storm_lost(path, cond, ring):
    for r in jsonl(path):
        if r["cond"] == cond and r["ringbuf_kib"] == ring:
            return (storm_run(r).get("lost") or 0) > 0
    return False


# ---- scale ---------------------------------------------------------------------------------------


def fit_ci(xs, ys):
    """fit_line with a 95% interval for the slope (t quantile for n - 2 dof, up to 30)."""
    f = fit_line(xs, ys)
    n = len(xs)
    if not f or n < 3:
        return f
    mx = sum(xs) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    ss_res = sum((y - f["intercept"] - f["slope"] * x) ** 2 for x, y in zip(xs, ys))
    se = (ss_res / (n - 2) / sxx) ** 0.5 if sxx else 0.0
    t = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26,
         10: 2.23}.get(n - 2, 2.0)
    f["slope_ci95"] = [f["slope"] - t * se, f["slope"] + t * se]
    return f


def scale_point(r, events_cache):
    """One OOM of a scale or ustack run: BPF time, event size, candidates,
    and the event itself ("event", None if the tracer printed none)."""
    run = r["run"]
    names = {p["id"]: p.get("name", "?") for p in json.load(open(r["progs_file"]))} \
        if os.path.exists(r["progs_file"]) else {}
    if r["events"] not in events_cache:
        events_cache[r["events"]] = [l for l in open(r["events"], "rb") if b'"type":"oom_kill"' in l] \
            if os.path.exists(r["events"]) else []
    ev = None
    for line in events_cache[r["events"]]:
        e = json.loads(line)
        if e.get("memcg") == r["memcg"]:
            ev = (e, len(line))
    per_prog = {}
    for p in run["progs"]:
        n = names.get(p["id"], str(p["id"]))
        per_prog[n] = {"run_cnt": p["run_cnt"], "run_time_ns": p["run_time_ns"]}
        VERIFIED.setdefault(r["mode"], {})[n] = p.get("verified_insns")
    # mark_victim's work: handle_mark_victim and, right after it on the same
    # tracepoint, handle_mark_victim_walk (tracepoint mode's candidates)
    mv = [per_prog[n] for n in ("handle_mark_victim", "handle_mark_victim_walk") if n in per_prog]
    return {"n": run["n"], "processes_on_system": run["processes_on_system"],
            "bpf_ns": sum(p["run_time_ns"] for p in run["progs"]),
            "mark_victim_ns": sum(p["run_time_ns"] for p in mv) if mv else None,
            "mark_victim_runs": per_prog.get("handle_mark_victim", {}).get("run_cnt"),
            "per_prog": per_prog, "kill_latency_us": run["kill_latency_us"],
            "event_bytes": ev[1] if ev else None,
            "candidates_total": ev[0].get("candidates_total") if ev else None,
            "event": ev[0] if ev else None}


def scale(raw):
    """BPF time per OOM against N: per mode, inside and outside, per round and all rounds."""
    rows = jsonl(os.path.join(raw, "scale.jsonl"))
    if not rows:
        return None
    events_cache = {}
    pts = {}	# (mode, outside) -> round -> [point]
    for r in rows:
        if not r.get("run") or r["mode"] == "none":
            continue
        pt = scale_point(r, events_cache)
        # an OOM elsewhere on the machine meanwhile also ran mark_victim: not ours alone
        if pt["mark_victim_runs"] not in (1, None):
            continue
        pts.setdefault((r["mode"], bool(r.get("outside"))), {}).setdefault(str(r.get("round", 1)), []).append(pt)
    out = {}
    for (mode, outside), rounds in sorted(pts.items()):
        allp = [p for rs in rounds.values() for p in rs]
        rows_n = []
        for n in sorted({p["n"] for p in allp}):
            use = [p for p in allp if p["n"] == n]
            rows_n.append({"n": n, "reps": len(use),
                           "bpf_us": statistics.median(p["bpf_ns"] for p in use) / 1e3,
                           "mark_victim_us": statistics.median(p["mark_victim_ns"] or 0 for p in use) / 1e3,
                           "processes_on_system": statistics.median(p["processes_on_system"] for p in use),
                           "kill_latency_ms": statistics.median(p["kill_latency_us"] for p in use) / 1e3,
                           "event_bytes": statistics.median(p["event_bytes"] or 0 for p in use),
                           "candidates_total": max((p["candidates_total"] or 0) for p in use),
                           "per_prog_us": {k: v["run_time_ns"] / 1e3 for k, v in use[0]["per_prog"].items()
                                           if v["run_cnt"]}})
        per_round = {}
        for rnd, ps in rounds.items():
            one = [p["bpf_ns"] / 1e3 for p in ps if p["n"] == 1]
            per_round[rnd] = {"fit_bpf_us": fit_ci([p["n"] for p in ps], [p["bpf_ns"] / 1e3 for p in ps]),
                              "n1_bpf_us": boot_median(one) if one else None}
        d = {"points": rows_n, "rounds": per_round,
             "fit_bpf_us": fit_ci([p["n"] for p in allp], [p["bpf_ns"] / 1e3 for p in allp]),
             "fit_event_bytes": fit_line([r["n"] for r in rows_n], [r["event_bytes"] for r in rows_n])}
        if outside:
            out.setdefault(mode, {})["outside"] = d
        else:
            out.setdefault(mode, {}).update(d)
    return out


REFERENCES = {
    "bpftrace": "bpftrace, one line per kill on oom:mark_victim (tests/bench/mark_victim.bt)",
    "bpftrace-stacks": "bpftrace, kstack and ustack on oom:mark_victim (tests/bench/stacks.bt)",
}


def reference(raw):
    """The references' BPF time per OOM at N=1 (bpftrace's programs, by
    their fdinfo as oomtrace's): per round (median) and over all rounds."""
    rows = jsonl(os.path.join(raw, "reference.jsonl"))
    events_cache, by = {}, {}
    for r in rows:
        if not r.get("run"):
            continue
        pt = scale_point(r, events_cache)
        VERIFIED.pop(r["mode"], None)	# not ours
        if sum(p["run_cnt"] for p in pt["per_prog"].values()) != 1:
            continue	# an OOM elsewhere ran it too, or it did not run
        by.setdefault(r["mode"], {}).setdefault(str(r.get("round", 1)), []).append(pt["bpf_ns"] / 1e3)
    out = {}
    for mode, rounds in by.items():
        allv = [v for vs in rounds.values() for v in vs]
        out[mode] = {"what": REFERENCES.get(mode, mode), "bpf_us": statistics.median(allv),
                     "bpf_us_p10": pct(allv, 0.1), "bpf_us_p90": pct(allv, 0.9), "reps": len(allv),
                     "rounds_bpf_us": {k: statistics.median(v) for k, v in sorted(rounds.items())}}
    return out or None


def ustack(raw):
    """BPF time per OOM (N=1) against the size of the user-stack copy; the
    frames the event got, and why unwinding stopped."""
    rows = jsonl(os.path.join(raw, "ustack.jsonl"))
    if not rows:
        return None
    events_cache, by_copy, mode = {}, {}, None
    for r in rows:
        if not r.get("run"):
            continue
        pt = scale_point(r, events_cache)
        if pt["mark_victim_runs"] not in (1, None):
            continue
        ev = pt["event"]
        pt["frames"] = len(ev.get("user_stack", [])) if ev else None
        pt["stop"] = (ev.get("user_stack_stop") or "").split(":")[0] if ev else None
        pt["round"] = r.get("round", 1)
        mode = r["mode"]
        by_copy.setdefault(r["copy"], {"depth_kib": r.get("depth_kib")})
        by_copy[r["copy"]].setdefault("pts", []).append(pt)
    out = {"mode": mode, "copies": []}
    base = None
    for copy in sorted(by_copy):
        pts = by_copy[copy]["pts"]
        d = {"copy": copy, "depth_kib": by_copy[copy]["depth_kib"], "reps": len(pts),
             "bpf_us": statistics.median(p["bpf_ns"] for p in pts) / 1e3,
             "bpf_us_p10": pct([p["bpf_ns"] / 1e3 for p in pts], 0.1),
             "bpf_us_p90": pct([p["bpf_ns"] / 1e3 for p in pts], 0.9),
             "rounds_bpf_us": {str(rn): statistics.median(p["bpf_ns"] for p in pts if p["round"] == rn) / 1e3
                               for rn in sorted({p["round"] for p in pts})},
             "frames": statistics.median(p["frames"] or 0 for p in pts),
             "stops": sorted({p["stop"] or "-" for p in pts}),
             "event_bytes": statistics.median(p["event_bytes"] or 0 for p in pts),
             "kill_latency_ms": statistics.median(p["kill_latency_us"] for p in pts) / 1e3}
        if copy == 0:
            base = d["bpf_us"]
        if base is not None:
            d["vs_no_copy_us"] = d["bpf_us"] - base
        out["copies"].append(d)
    return out


# ---- output --------------------------------------------------------------------------------------


def fmt_ms(x):
    return "-" if x is None else ("%.1f" % x if x >= 10 else "%.2f" % x)


def fmt_mib(kb):
    return "-" if kb is None else "%.2f" % (kb / MIB)


def per_round(what, target, rounds, fmt, limit_ok):
    """A target met only if every round meets it: rounds is {round: (value, ci or None, ok)}."""
    if not rounds:
        return None
    oks = [ok for _, _, ok in rounds.values()]
    # the round shown: the first that misses, else the one nearest its limit
    miss = [kv for kv in sorted(rounds.items()) if kv[1][2] is False]
    shown = miss[0] if miss else max(sorted(rounds.items()), key=lambda kv: limit_ok(kv[1][0]))
    v, ci, _ = shown[1]
    measured = "%s%s in round %s; rounds %s" % (
        fmt(v), " [95%% CI %s..%s]" % (fmt(ci[0]), fmt(ci[1])) if ci else "", shown[0],
        "/".join(fmt(x[0]) for _, x in sorted(rounds.items())))
    return {"what": what, "target": target, "measured": measured,
            "met": None if any(o is None for o in oks) else all(oks),
            "rounds": {k: {"value": x[0], "ci95": x[1], "met": x[2]} for k, x in rounds.items()}}


def targets(res):
    """The targets of the README's Benchmarks section, each met or missed, round by round."""
    t = []

    def add(x):
        if x:
            t.append(x)

    st = res.get("startup")
    if st:
        labels = sorted({k for rd in st.get("rounds", {}).values() for k in rd if k.startswith("oomtrace")})
        for k in labels:
            lim = 35.0 if k == "oomtrace-auto" else 30.0
            rounds = {r: (v[k]["median"], v[k]["ci95"], v[k]["median"] <= lim)
                      for r, v in st["rounds"].items() if k in v}
            add(per_round("start to ready, %s" % k, "<= %g ms (median)" % lim, rounds,
                          lambda x: "%.1f ms" % x, lambda x: x))
    mem = res.get("memory")
    if mem and "floor" in mem:
        for k in ("trace", "record"):
            if k not in mem:
                continue
            rounds = {r: (v["peak_kb"] / MIB, None, v["peak_kb"] <= 16 * 1024) for r, v in mem[k]["rounds"].items()}
            add(per_round("peak RSS, %s" % k, "<= 16 MiB", rounds, lambda x: "%.2f MiB" % x, lambda x: x))
        if "trace" in mem:
            fl = mem["floor"]["rounds"]
            rounds = {r: ((v["steady_kb"] - fl[r]["steady_kb"]) / MIB, None,
                          v["steady_kb"] - fl[r]["steady_kb"] <= 1536)
                      for r, v in mem["trace"]["rounds"].items() if r in fl}
            add(per_round("steady RSS, trace, above the floor", "<= floor + 1.5 MiB (same round)", rounds,
                          lambda x: "%+.2f MiB" % x, lambda x: x))
        for k in ("trace", "record"):
            if k in mem and "idle" in mem[k]:
                idle = mem[k]["idle"]
                # only windows without an OOM kill anywhere on the machine say what idle costs
                w = [x for x, kills in zip(idle["wakeups"], idle["oom_kills_anywhere_meanwhile"]) if not kills]
                t.append({"what": "idle wakeups, %s" % k, "target": "0 in %g s" % idle["window_s"],
                          "measured": "/".join(str(x) for x in w) if w else
                          "no window without OOM kills elsewhere", "met": max(w) == 0 if w else None})
    for k, v in (res.get("idle_long") or {}).items():
        # the recorder's reconcile timer (--reconcile-interval, 60 s) is by design
        allowed = int(v["window_s"] // 60) if k == "record" else 0
        clean = not v["oom_kills_anywhere_meanwhile"]
        t.append({"what": "idle wakeups, %s, long window" % k,
                  "target": "0" if not allowed else "<= %d (its 60 s timer)" % allowed,
                  "measured": "%d in %g s%s" % (v["wakeups"], v["window_s"],
                                                "" if clean else " (OOM kills elsewhere meanwhile)"),
                  "met": v["wakeups"] <= allowed if clean else None})
    for n, d in sorted((res.get("oompath") or {}).items(), key=lambda kv: int(kv[0])):
        big = int(n) > 1000
        lim = 1.2 if big else 1.05
        rounds = {}
        for r, pr in d["rounds"].items():
            rt = (pr.get("ratio_to_none") or {}).get("oomtrace")
            if not rt:
                continue
            ok = rt["ratio"] <= lim
            if not big:
                ob = pr.get("oomtrace_to_bpftrace")
                ok = ok and (ob is None or ob["ratio"] <= 1.0)
            rounds[r] = (rt["ratio"], rt["ci95"], ok)
        x = per_round("kill latency, N=%s, oomtrace vs none" % n,
                      "<= x%.2f median%s" % (lim, "" if big else ", and <= bpftrace's"), rounds,
                      lambda x: "x%.3f" % x, lambda x: x)
        ob = [pr["oomtrace_to_bpftrace"]["ratio"] for _, pr in sorted(d["rounds"].items())
              if pr.get("oomtrace_to_bpftrace")]
        if x and ob and not big:
            x["measured"] += "; vs bpftrace %s" % "/".join("x%.3f" % v for v in ob)
        add(x)
    for mode, d in (res.get("scale") or {}).items():
        rounds = {r: (v["n1_bpf_us"]["median"], v["n1_bpf_us"]["ci95"], v["n1_bpf_us"]["median"] <= 40)
                  for r, v in d.get("rounds", {}).items() if v.get("n1_bpf_us")}
        x = per_round("BPF time per OOM at N=1, %s" % mode, "<= 40 us", rounds,
                      lambda x: "%.1f us" % x, lambda x: x)
        for name, label in (("bpftrace", "bpftrace's line"), ("bpftrace-stacks", "the stacks alone")):
            ref = (res.get("reference") or {}).get(name)
            if x and ref:
                x["measured"] += "; %s %s" % (label, "/".join(
                    "%.1f us" % v for v in ref["rounds_bpf_us"].values()))
        add(x)
        rounds = {r: (v["fit_bpf_us"]["slope"], v["fit_bpf_us"].get("slope_ci95"),
                      v["fit_bpf_us"]["slope"] <= 0.5)
                  for r, v in d.get("rounds", {}).items() if v.get("fit_bpf_us")}
        add(per_round("BPF time per added candidate, %s" % mode, "<= 0.5 us", rounds,
                      lambda x: "%.3f us" % x, lambda x: x))
        o = d.get("outside") or {}
        rounds = {}
        for r, v in o.get("rounds", {}).items():
            f = v.get("fit_bpf_us")
            if not f:
                continue
            ci = f.get("slope_ci95")
            # 0: not told apart from 0 (its interval reaches 0), or under 10 ns a process
            rounds[r] = (f["slope"], ci, f["slope"] <= 0.01 or bool(ci and ci[0] <= 0))
        add(per_round("BPF time per process outside the memcg, %s" % mode,
                      "0 (95% CI reaches 0, or < 0.01 us)", rounds, lambda x: "%.3f us" % x, lambda x: x))
    sm = res.get("storm")
    if sm:
        for x in sm["runs"]:
            if x["cond"] in ("trace", "record"):
                t.append({"what": "storm, %s, ring %d KiB" % (x["cond"], x["ringbuf_kib"]),
                          "target": "captured == kernel, 0 lost",
                          "measured": "%d of %d kills, %d lost" % (x.get("captured_kills", 0),
                                                                  x["kernel_memcg_oom_kill"], x.get("lost", 0)),
                          "met": x.get("captured_kills") == x["kernel_memcg_oom_kill"] and not x.get("lost")})
    return t


def table(res):
    out = []
    w = out.append
    m = res.get("machine", {})
    w("oomtrace bench (%s, kernel %s, %s CPUs, load %s at start, commit %s)" % (
        m.get("date", "?"), m.get("kernel", "?"), m.get("cpus", "?"), " ".join(m.get("loadavg", [])),
        m.get("commit", "?")))
    w("attach modes here: %s" % ", ".join(
        "%s %s" % (k, "ok" if v.get("ready") else "no (%s)" % v.get("why", "?")) for k, v in res.get("modes", {}).items()))
    st = res.get("startup")
    if st:
        w("")
        w("Start to ready (ms)           median    p10    p90    IQR   n   x floor [95% CI]     x bpftrace")
        for k in sorted(st["ready_ms"], key=lambda k: st["ready_ms"][k]["median"]):
            v = st["ready_ms"][k]
            rf = st.get("ratio_to_floor", {}).get(k)
            rb = st.get("ratio_to_bpftrace", {}).get(k)
            w("  %-26s %7s %6s %6s %6s %3d   %-20s %s" % (
                k, fmt_ms(v["median"]), fmt_ms(v["p10"]), fmt_ms(v["p90"]), fmt_ms(v["iqr"]), v["n"],
                "%.1f [%.1f..%.1f]" % (rf["ratio"], rf["ci95"][0], rf["ci95"][1]) if rf else "",
                "%.2f" % rb["ratio"] if rb else ""))
        for mode, p in st.get("profile_under_strace", {}).items():
            sl = ", ".join("%s %.0f" % (x["prog"], x["ms"]) for x in p["slowest_loads"][:2])
            w("  where (one start of %s under strace, main and loading threads, ms): total %.1f = kernel BTF read %.0f"
              " (%d reads) + verifier %.0f (%d loads; slowest %s) + waiting for kallsyms or the second loading thread %.0f + attach %.0f"
              " + attached to ready %.0f + other %.0f (libbpf parsing BTF, relocating; linking; argument"
              " parsing); beside it, the kallsyms thread %.0f" % (
                  mode, p["total_ms"], p["vmlinux_btf_ms"], p["vmlinux_btf_reads"], p["verifier_ms"],
                  p["prog_loads"], sl, p["wait_kallsyms_ms"], p["attach_ms"], p["after_attach_ms"],
                  p["other_ms"], p["kallsyms_thread_ms"]))
    for mode, progs in (res.get("verified_insns") or {}).items():
        w("  verifier work (%s mode, instructions processed): %s" % (mode, ", ".join(
            "%s %d" % (k, v) for k, v in sorted(progs.items(), key=lambda kv: -(kv[1] or 0))[:3])))
    mem = res.get("memory")
    if mem:
        w("")
        w("Memory (MiB) and idle         peak  steady   anon   file locked   wakeups/%ss  CPU us/%ss" % (
            _win(mem), _win(mem)))
        for k in ("trace", "trace-no-protect", "record", "floor", "bpftrace"):
            if k not in mem:
                continue
            v = mem[k]
            idle = v.get("idle", {})
            w("  %-26s %6s %7s %6s %6s %6s   %-13s %s" % (
                k, fmt_mib(v["peak_kb"]), fmt_mib(v["steady_kb"]), fmt_mib(v["steady_anon_kb"]),
                fmt_mib(v["steady_file_kb"]), fmt_mib(v["locked_kb"]),
                "/".join(str(x) for x in idle.get("wakeups", [])),
                "/".join("%.0f" % x for x in idle.get("cpu_us", []))))
        for k in ("trace", "record", "floor"):
            if k in mem and "breakdown_kb" in mem[k]:
                w("  %s steady, by mapping (MiB): %s" % (k, ", ".join(
                    "%s %.2f" % (c, kb / MIB) for c, kb in mem[k]["breakdown_kb"].items() if kb >= 64)))
        for k, v in (res.get("idle_long") or {}).items():
            w("  %s idle over %g s: %d wakeups, %.0f us CPU%s" % (
                k, v["window_s"], v["wakeups"], v["cpu_us"],
                " (%d OOM kills elsewhere meanwhile)" % v["oom_kills_anywhere_meanwhile"]
                if v["oom_kills_anywhere_meanwhile"] else ""))
        kills = sum(sum(v.get("idle", {}).get("oom_kills_anywhere_meanwhile", [])) for v in mem.values())
        redone = sum(v.get("idle", {}).get("windows_disturbed", 0) for v in mem.values()) + \
            sum(v.get("windows_disturbed", 0) for v in (res.get("idle_long") or {}).values())
        if kills or redone:
            w("  note: OOM kills elsewhere on the machine wake a tracer: %d idle windows were taken again for"
              " that%s" % (redone, ", and some still saw kills (not counted against the target)" if kills else ""))
    op = res.get("oompath")
    if op:
        w("")
        w("OOM kill latency (ms)           median    p10    p90    IQR    n   vs none [95% CI]        saw/kills")
        for n, d in sorted(op.items(), key=lambda kv: int(kv[0])):
            for k in ("none", "oomtrace", "bpftrace"):
                v = d["latency_us"].get(k)
                if not v:
                    continue
                r = d.get("ratio_to_none", {}).get(k)
                c = d["tracer_saw"].get(k, {})
                w("  N=%-5s %-20s %7.3f %6.3f %6.3f %6.3f %4d   %-23s %s" % (
                    n, k, v["median"] / 1e3, v["p10"] / 1e3, v["p90"] / 1e3, v["iqr"] / 1e3, v["n"],
                    "%+.1f%% [%+.1f%%..%+.1f%%]" % ((r["ratio"] - 1) * 100, (r["ci95"][0] - 1) * 100,
                                                   (r["ci95"][1] - 1) * 100) if r else "(baseline)",
                    "%d/%d" % (c["captured"], c["kills"]) if k != "none" else ""))
    sm = res.get("storm")
    if sm:
        w("")
        w("Storm                       ring KiB  kills  kills/s  kernel memcg  vmstat  captured  lost  tracer CPU s")
        for x in sm["runs"]:
            w("  %-26s %8s %6d %8.0f %13d %7d %9s %5s  %s" % (
                x["cond"], x["ringbuf_kib"] or "-", x["kills"], x["kills_per_s"], x["kernel_memcg_oom_kill"],
                x["kernel_vmstat_oom_kill"], x.get("captured_kills", "-"), x.get("lost", "-"),
                x.get("tracer_cpu_s", "-")))
        if "ringbuf_kib_needed" in sm:
            w("  ring buffer needed for 0 lost: %s KiB" % sm["ringbuf_kib_needed"])
    sc = res.get("scale")
    if sc:
        for mode, d in sc.items():
            w("")
            w("BPF time per OOM (%s mode)  N  processes  BPF us/OOM  mark_victim us  event KiB  candidates"
              "  kill ms  reps" % mode)
            for p in d.get("points", []):
                w("  %26d %10d %11.1f %15.1f %10.1f %11d %8.2f %5d" % (
                    p["n"], p["processes_on_system"], p["bpf_us"], p["mark_victim_us"], p["event_bytes"] / 1024.0,
                    p["candidates_total"], p["kill_latency_ms"], p["reps"]))
            big = d["points"][-1] if d.get("points") else None
            if big:
                w("  at N=%d, by program (us): %s" % (big["n"], ", ".join(
                    "%s %.1f" % (k, v) for k, v in sorted(big["per_prog_us"].items(), key=lambda kv: -kv[1]))))
            f = d.get("fit_bpf_us")
            fb = d.get("fit_event_bytes")
            if f:
                w("  fit, all rounds: BPF time = %.1f us + %.3f us x N (r2 %.4f); event = %.0f B + %.0f B x N" % (
                    f["intercept"], f["slope"], f["r2"], fb["intercept"] if fb else 0, fb["slope"] if fb else 0))
            o = d.get("outside")
            if o:
                w("  the N sleepers outside the OOM's memcg (1 candidate):  N  processes  BPF us/OOM  kill ms")
                for p in o["points"]:
                    w("  %54d %10d %11.1f %8.2f" % (p["n"], p["processes_on_system"], p["bpf_us"],
                                                   p["kill_latency_ms"]))
                fo = o.get("fit_bpf_us")
                if fo:
                    w("  fit, all rounds: BPF time = %.1f us + %.3f us x N processes outside (r2 %.4f)" % (
                        fo["intercept"], fo["slope"], fo["r2"]))
    for name, ref in sorted((res.get("reference") or {}).items()):
        w("  reference, N=1: %s: BPF us/OOM %.1f median, p10..p90 %.1f..%.1f, rounds %s (%d OOMs)" % (
            ref["what"], ref["bpf_us"], ref["bpf_us_p10"], ref["bpf_us_p90"],
            "/".join("%.1f" % v for v in ref["rounds_bpf_us"].values()), ref["reps"]))
    us = res.get("ustack")
    if us and us.get("copies"):
        w("")
        w("User-stack copy (%s mode, --ustack-copy BPF us/OOM  p10..p90     vs none  frames  stopped by"
          "           kill ms  reps" % us["mode"])
        w("  N=1, allocating %d KiB deep)" % (us["copies"][0]["depth_kib"] or 0))
        for d in us["copies"]:
            w("  %24s %12.1f  %5.1f..%-5.1f %7s  %6d  %-22s %7.2f %5d" % (
                "%d KiB" % (d["copy"] // 1024) if d["copy"] else "0 (off)", d["bpf_us"], d["bpf_us_p10"],
                d["bpf_us_p90"], "%+.1f" % d["vs_no_copy_us"] if "vs_no_copy_us" in d else "-",
                d["frames"], ",".join(d["stops"]), d["kill_latency_ms"], d["reps"]))
    pa = res.get("parse")
    if pa is not None:
        w("")
        w("Parser (tests/bench/parse.sh): %s" % json.dumps(pa))
    rp = res.get("replay")
    if rp is not None:
        w("")
        w("Replay (tests/bench/replay.sh): %s" % json.dumps(rp))
    t = res.get("targets", [])
    if t:
        w("")
        w("Targets (met only if every round meets it; the round shown is the first that misses, or the"
          " one nearest its limit)")
        for x in t:
            w("  %-4s %-52s %-34s %s" % ("n/a" if x["met"] is None else "met" if x["met"] else "MISS",
                                          x["what"], x["target"], x["measured"]))
    return "\n".join(out) + "\n"


def _win(mem):
    for v in mem.values():
        if "idle" in v:
            return "%g" % v["idle"]["window_s"]
    return "?"


def report(raw, out):
    res = {}
    mpath = os.path.join(raw, "machine.json")
    if os.path.exists(mpath):
        res["machine"] = json.load(open(mpath))
    res["modes"] = {}
    for r in jsonl(os.path.join(raw, "modes.jsonl")):
        lines = [l for l in (r.get("output") or "").splitlines() if l.strip()]
        res["modes"][r["label"]] = {"ready": "ready_ms" in r, "why": lines[-1] if lines else None}
    for name, fn in (("startup", startup), ("memory", memory), ("idle_long", idle_long), ("oompath", oompath),
                     ("storm", storm), ("scale", scale), ("reference", reference),
                     ("ustack", ustack)):
        v = fn(raw)
        if v is not None:
            res[name] = v
    if VERIFIED:
        res["verified_insns"] = VERIFIED
    ppath = os.path.join(raw, "parse.json")
    if os.path.exists(ppath):
        try:
            res["parse"] = json.loads(open(ppath).read().strip() or "null")
        except ValueError:
            res["parse"] = {"error": "tests/bench/parse.sh: last line is not JSON"}
    rpath = os.path.join(raw, "replay.json")
    if os.path.exists(rpath):
        try:
            res["replay"] = json.loads(open(rpath).read().strip() or "null")
        except ValueError:
            res["replay"] = {"error": "tests/bench/replay.sh: last line is not JSON"}
    res["targets"] = targets(res)
    text = table(res)
    sys.stdout.write(text)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("```\n" + text + "```\n")
    print("bench: wrote %s and %s" % (os.path.join(out, "results.json"), os.path.join(out, "results.md")))


def main(argv):
    if len(argv) == 4 and argv[1] == "report":
        report(argv[2], argv[3])
        return 0
    if len(argv) == 5 and argv[1] == "storm-lost":
        return 0 if storm_lost(argv[2], argv[3], int(argv[4])) else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
