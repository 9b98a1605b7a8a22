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


STRACE_RE = re.compile(r'^(\d+)\s+(\d+\.\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)(?:\s.*?)?(?:<(\d+\.\d+)>)?\s*$')


def strace_profile(path):
    """Where one start's time went: kallsyms, kernel BTF parsing, the verifier."""
    calls = []
    for line in open(path, errors="replace"):
        m = STRACE_RE.match(line.strip())
        if m:
            calls.append({"t": float(m.group(2)), "call": m.group(3), "args": m.group(4),
                          "dur": float(m.group(6)) if m.group(6) else 0.0})
    if not calls:
        return None
    t0 = calls[0]["t"]
    ready = next((c["t"] for c in calls if c["call"] == "write" and "oomtrace: ready" in c["args"]), None)
    prof = {"total_ms": (ready - t0) * 1e3 if ready else None, "kallsyms_ms": 0.0,
            "vmlinux_btf_reads": 0, "vmlinux_btf_ms": 0.0, "prog_loads": 0, "verifier_ms": 0.0,
            "slowest_loads": []}
    loads = []
    for i, c in enumerate(calls):
        nxt = calls[i + 1]["t"] if i + 1 < len(calls) else c["t"]
        if c["call"] == "openat" and "/proc/kallsyms" in c["args"]:
            prof["kallsyms_ms"] += (nxt - c["t"]) * 1e3
        elif c["call"] == "openat" and "/sys/kernel/btf/vmlinux" in c["args"]:
            prof["vmlinux_btf_reads"] += 1
            prof["vmlinux_btf_ms"] += (nxt - c["t"]) * 1e3
        elif c["call"] == "bpf" and c["args"].startswith("BPF_PROG_LOAD"):
            name = re.search(r'prog_name="([^"]*)"', c["args"])
            ptype = re.search(r'prog_type=BPF_PROG_TYPE_(\w+)', c["args"])
            prof["prog_loads"] += 1
            prof["verifier_ms"] += c["dur"] * 1e3
            loads.append({"prog": name.group(1) if name else "?",
                          "type": ptype.group(1).lower() if ptype else "?", "ms": c["dur"] * 1e3})
    prof["slowest_loads"] = sorted(loads, key=lambda x: -x["ms"])[:4]
    if prof["total_ms"]:
        prof["other_ms"] = prof["total_ms"] - prof["kallsyms_ms"] - prof["vmlinux_btf_ms"] - prof["verifier_ms"]
    return prof


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
    rows = jsonl(os.path.join(raw, "oompath.jsonl"))
    if not rows:
        return None
    lat = {}
    captured = {}
    for r in rows:
        warm = r.get("warmup", LAT_WARMUP_DEFAULT)
        vals = []
        tail = ""
        for line in open(r["lat"]):
            if line.startswith("#"):
                tail = line.strip()
            elif line.strip():
                vals.append(float(line))
        kills = len(vals)
        lat.setdefault(r["cond"], []).extend(vals[warm:])
        c = captured.setdefault(r["cond"], {"kills": 0, "captured": 0})
        c["kills"] += kills
        # what the tracer reported of these kills (other OOMs on the machine left out)
        if r["cond"] == "oomtrace":
            c["captured"] += count_oomtrace_events(r["events"], {r.get("memcg")})["events"]
        elif r["cond"] == "bpftrace":
            c["captured"] += sum(1 for line in open(r["events"]) if line.startswith("oom_kill ") and
                                 " comm=oomlat " in line)
        c["last_summary"] = tail
    res = {"latency_us": {k: summary(v) for k, v in lat.items()}, "tracer_saw": captured}
    base = lat.get("none")
    if base:
        res["ratio_to_none"] = {k: boot_ratio(v, base) for k, v in lat.items() if k != "none"}
        res["added_median_us"] = {k: statistics.median(v) - statistics.median(base)
                                  for k, v in lat.items() if k != "none"}
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


def scale(raw):
    rows = jsonl(os.path.join(raw, "scale.jsonl"))
    if not rows:
        return None
    res = {}
    events_cache = {}
    baseline = {}
    for r in rows:
        run = r.get("run")
        if not run:
            continue
        mode = r["mode"]
        if mode == "none":
            baseline.setdefault(run["n"], []).append(run["kill_latency_us"] / 1e3)
            continue
        names = {p["id"]: p.get("name", "?") for p in json.load(open(r["progs_file"]))} \
            if os.path.exists(r["progs_file"]) else {}
        if r["events"] not in events_cache:
            events_cache[r["events"]] = [l for l in open(r["events"], "rb") if b'"type":"oom_kill"' in l]
        ev = None
        for line in events_cache[r["events"]]:
            e = json.loads(line)
            if e.get("memcg") == r["memcg"]:
                ev = (e, len(line))
        per_prog = {}
        for p in run["progs"]:
            n = names.get(p["id"], str(p["id"]))
            per_prog[n] = {"run_cnt": p["run_cnt"], "run_time_ns": p["run_time_ns"]}
            VERIFIED.setdefault(mode, {})[n] = p.get("verified_insns")
        key = (mode, bool(r.get("outside")))
        pt = res.setdefault(key, {}).setdefault(str(run["n"]), [])
        pt.append({"n": run["n"], "processes_on_system": run["processes_on_system"],
                   "bpf_ns": sum(p["run_time_ns"] for p in run["progs"]),
                   "mark_victim_ns": per_prog.get("handle_mark_victim", {}).get("run_time_ns"),
                   "mark_victim_runs": per_prog.get("handle_mark_victim", {}).get("run_cnt"),
                   "per_prog": per_prog, "kill_latency_us": run["kill_latency_us"],
                   "event_bytes": ev[1] if ev else None,
                   "candidates_total": ev[0].get("candidates_total") if ev else None,
                   "candidates_listed": len(ev[0].get("candidates") or []) if ev else None})
    out = {}
    for (mode, outside), pts in sorted(res.items()):
        rows = []
        xs, ys = [], []
        for n, runs in sorted(pts.items(), key=lambda kv: int(kv[0])):
            # an OOM elsewhere on the machine meanwhile also ran mark_victim: not ours alone
            ok = [x for x in runs if x["mark_victim_runs"] in (1, None)]
            use = ok or runs
            row = {"n": int(n), "reps": len(runs), "contaminated_reps": len(runs) - len(ok),
                   "bpf_us": statistics.median(x["bpf_ns"] for x in use) / 1e3,
                   "mark_victim_us": statistics.median(x["mark_victim_ns"] or 0 for x in use) / 1e3,
                   "processes_on_system": statistics.median(x["processes_on_system"] for x in use),
                   "kill_latency_ms": statistics.median(x["kill_latency_us"] for x in use) / 1e3,
                   "kill_latency_ms_no_tracer": statistics.median(baseline[int(n)])
                   if baseline.get(int(n)) and not outside else None,
                   "event_bytes": statistics.median(x["event_bytes"] or 0 for x in use),
                   "candidates_total": max((x["candidates_total"] or 0) for x in use),
                   "candidates_listed": max((x["candidates_listed"] or 0) for x in use),
                   "per_prog_us": {k: v["run_time_ns"] / 1e3 for k, v in use[0]["per_prog"].items()
                                   if v["run_cnt"]}}
            rows.append(row)
            for x in use:
                xs.append(x["n"])
                ys.append(x["bpf_ns"] / 1e3)
        d = {"points": rows, "fit_bpf_us": fit_line(xs, ys),
             "fit_event_bytes": fit_line([r["n"] for r in rows], [r["event_bytes"] for r in rows])}
        if outside:
            out.setdefault(mode, {})["outside"] = d
        else:
            out.setdefault(mode, {}).update(d)
    for d in out.values():
        f, fo = d.get("fit_bpf_us"), (d.get("outside") or {}).get("fit_bpf_us")
        if f and fo:
            # the walk visits every process on the machine; a candidate costs more on top
            d["us_per_process_walked"] = fo["slope"]
            d["us_per_candidate_on_top"] = f["slope"] - fo["slope"]
    return out


# ---- output --------------------------------------------------------------------------------------


def fmt_ms(x):
    return "-" if x is None else ("%.1f" % x if x >= 10 else "%.2f" % x)


def fmt_mib(kb):
    return "-" if kb is None else "%.2f" % (kb / MIB)


def targets(res):
    t = []
    st = res.get("startup")
    if st:
        fl = (st["ready_ms"].get("floor") or {}).get("median")
        for k, v in st["ready_ms"].items():
            if k.startswith("oomtrace"):
                t.append({"what": "start to ready, %s" % k, "target": "<= 30 ms",
                          "measured": "%.1f ms (floor %.1f ms)" % (v["median"], fl or 0),
                          "met": v["median"] <= 30})
    mem = res.get("memory")
    if mem and "floor" in mem:
        fl = mem["floor"]["steady_kb"]
        for k in ("trace", "record"):
            if k in mem:
                m = mem[k]
                t.append({"what": "peak RSS, %s" % k, "target": "<= 16 MiB",
                          "measured": "%s MiB" % fmt_mib(m["peak_kb"]), "met": m["peak_kb"] <= 16 * 1024})
                t.append({"what": "steady RSS, %s" % k, "target": "floor + 1.5 MiB (%s MiB)" % fmt_mib(fl + 1536),
                          "measured": "%s MiB (+%s MiB)" % (fmt_mib(m["steady_kb"]), fmt_mib(m["steady_kb"] - fl)),
                          "met": m["steady_kb"] <= fl + 1536})
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
    op = res.get("oompath")
    if op and "ratio_to_none" in op and "oomtrace" in op["ratio_to_none"]:
        r = op["ratio_to_none"]["oomtrace"]
        t.append({"what": "OOM kill latency, oomtrace -k 0 vs none", "target": "<= +5% median",
                  "measured": "%+.1f%% (95%% CI %+.1f%%..%+.1f%%)" % ((r["ratio"] - 1) * 100,
                                                                       (r["ci95"][0] - 1) * 100,
                                                                       (r["ci95"][1] - 1) * 100),
                  "met": r["ratio"] <= 1.05})
    sm = res.get("storm")
    if sm:
        for x in sm["runs"]:
            if x["cond"] in ("trace", "record"):
                t.append({"what": "storm, %s, ring %d KiB" % (x["cond"], x["ringbuf_kib"]),
                          "target": "captured == kernel, 0 lost",
                          "measured": "%d of %d kills, %d lost" % (x.get("captured_kills", 0),
                                                                  x["kernel_memcg_oom_kill"], x.get("lost", 0)),
                          "met": x.get("captured_kills") == x["kernel_memcg_oom_kill"] and not x.get("lost")})
    sc = res.get("scale")
    if sc:
        for mode, d in sc.items():
            f = d.get("fit_bpf_us")
            pts = d.get("points") or []
            if not f or len(pts) < 3:
                continue
            # linear: the cost of each further task about the same from N to N
            # (not growing: within 2x of the first step's)
            steps = [(b["bpf_us"] - a["bpf_us"]) / (b["n"] - a["n"]) for a, b in zip(pts, pts[1:])]
            t.append({"what": "scale, %s: BPF time per OOM vs N" % mode,
                      "target": "linear (us per added task steady)",
                      "measured": "%s us/task between N steps; fit %.1f us + %.2f us/task" % (
                          "/".join("%.2f" % x for x in steps), f["intercept"], f["slope"]),
                      "met": steps[0] > 0 and max(steps) <= 2 * steps[0]})
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
            w("  where (one start of %s under strace, ms): total %s = verifier %.0f (%d loads; slowest %s)"
              " + kallsyms %.0f + kernel BTF %.0f (%d reads) + other %.0f" % (
                  mode, fmt_ms(p["total_ms"]), p["verifier_ms"], p["prog_loads"], sl, p["kallsyms_ms"],
                  p["vmlinux_btf_ms"], p["vmlinux_btf_reads"], p.get("other_ms") or 0))
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
        w("OOM kill latency (ms)         median    p10    p90    IQR    n   vs none [95% CI]        saw/kills")
        for k in ("none", "oomtrace", "bpftrace"):
            v = op["latency_us"].get(k)
            if not v:
                continue
            r = op.get("ratio_to_none", {}).get(k)
            c = op["tracer_saw"].get(k, {})
            w("  %-26s %7.3f %6.3f %6.3f %6.3f %4d   %-23s %s" % (
                k, v["median"] / 1e3, v["p10"] / 1e3, v["p90"] / 1e3, v["iqr"] / 1e3, v["n"],
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
            w("Scale (%s mode)   N  processes  BPF us/OOM  mark_victim us  event KiB  candidates  kill ms"
              " (no tracer)" % mode)
            for p in d.get("points", []):
                w("  %20d %10d %11.1f %15.1f %10.1f %11d %8.2f %-8s%s" % (
                    p["n"], p["processes_on_system"], p["bpf_us"], p["mark_victim_us"], p["event_bytes"] / 1024.0,
                    p["candidates_total"], p["kill_latency_ms"],
                    "(%.2f)" % p["kill_latency_ms_no_tracer"] if p.get("kill_latency_ms_no_tracer") else "",
                    "  (%d reps with another OOM)" % p["contaminated_reps"] if p["contaminated_reps"] else ""))
            big = d["points"][-1] if d.get("points") else None
            if big:
                w("  at N=%d, by program (us): %s" % (big["n"], ", ".join(
                    "%s %.1f" % (k, v) for k, v in sorted(big["per_prog_us"].items(), key=lambda kv: -kv[1]))))
            f = d.get("fit_bpf_us")
            fb = d.get("fit_event_bytes")
            if f:
                w("  fit: BPF time = %.1f us + %.3f us x N (r2 %.4f); event = %.0f B + %.0f B x N" % (
                    f["intercept"], f["slope"], f["r2"], fb["intercept"] if fb else 0, fb["slope"] if fb else 0))
            o = d.get("outside")
            if o:
                w("  the N sleepers outside the OOM's memcg (1 candidate):  N  processes  BPF us/OOM  kill ms")
                for p in o["points"]:
                    w("  %54d %10d %11.1f %8.2f" % (p["n"], p["processes_on_system"], p["bpf_us"],
                                                   p["kill_latency_ms"]))
                fo = o.get("fit_bpf_us")
                if fo:
                    w("  fit: BPF time = %.1f us + %.3f us x N (r2 %.4f): the walk visits every process on the"
                      " machine (%.3f us each); a candidate costs %.3f us more" % (
                          fo["intercept"], fo["slope"], fo["r2"], fo["slope"],
                          d.get("us_per_candidate_on_top", 0)))
    pa = res.get("parse")
    if pa is not None:
        w("")
        w("Parser (tests/bench/parse.sh): %s" % json.dumps(pa))
    t = res.get("targets", [])
    if t:
        w("")
        w("Targets")
        for x in t:
            w("  %-4s %-44s %-30s %s" % ("n/a" if x["met"] is None else "met" if x["met"] else "MISS",
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
                     ("storm", storm), ("scale", scale)):
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
