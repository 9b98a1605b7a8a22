#!/usr/bin/env python3
"""Hold the events' domain_memory to the kernel's own report of the same OOM.

usage: check_domain.py EVENTS_JSON DMESG [--shmem-unkillable PID] [--parsed PARSED_JSON]

For every event whose victim's kill the kernel reported (memcg v1: the
"memory:", "memory+swap:", "kmem:" lines and the memory.stat lines printed
before the kill; a global OOM: Mem-Info's summary in pages, its node lines'
kernel_stack and hugepages, "pages RAM" less "pages reserved" and the swap
lines), each number must be within max(2 %, 1 MiB) of the kernel's. The report is read here with regular expressions of its own, not
with oomtrace's parser. --shmem-unkillable PID: the event of that victim must
say that shmem is what no kill frees (unkillable shmem_kb the largest part,
over half of usage). --parsed: `oomtrace parse --json` of the same log must
give the same numbers as the live events (the same tolerance).
Prints one ok line per check; exits 1 with the reason."""
import json
import re
import sys

TS = re.compile(r"^\[\s*[\d.]+\]\s?")
COUNTER = re.compile(r"^(memory|memory\+swap|kmem|swap): usage (\d+)kB, limit (\d+)kB")
STAT = re.compile(r"^(\w+) (\d+)$")
KILLED = re.compile(r"(?:Memory cgroup out of memory|^Out of memory): Killed process (\d+) \(")
# Mem-Info's summary, in pages: "active_anon:1689 inactive_anon:73484 ..."
PAIR = re.compile(r"(\w+):(\d+)(?=\s|$)")
MEMINFO = {"active_anon", "inactive_anon", "active_file", "inactive_file", "unevictable",
           "slab_reclaimable", "slab_unreclaimable", "shmem", "pagetables", "free"}
BUDDY = re.compile(r"^Node \d+ \w+: (\d+)\*(\d+)kB ")
# the kernel's key -> domain_memory's, and how to make kB of it
KEYS = {
    ("memory", "usage"): "usage_kb",
    ("memory", "limit"): "limit_kb",
    ("memory+swap", "usage"): "memsw_usage_kb",
    ("kmem", "usage"): "kernel_kb",
    ("swap", "usage"): "swap_usage_kb",
    ("swap", "limit"): "swap_limit_kb",
    # cgroup v1's memory.stat: the hierarchical totals
    "total_rss": "anon_kb",
    "total_cache": "file_kb",
    "total_shmem": "shmem_kb",
}
# cgroup v2's memory.stat (bytes), when no total_ key says v1
V2_KEYS = {k: k + "_kb" for k in (
    "anon", "file", "shmem", "kernel", "kernel_stack", "pagetables", "percpu", "sock",
    "slab_reclaimable", "slab_unreclaimable")}


def global_numbers(g):
    """domain_memory's keys from a Mem-Info (g: what global_line gathered).
    shmem sits on the anon LRU lists: anon without it, file with it, as
    memory.stat counts them."""
    pages, out = g.get("pages", {}), {}
    kb = g.get("page_kb")
    if kb is None or not pages:
        return out
    for key in ("shmem", "slab_reclaimable", "slab_unreclaimable", "pagetables",
                "unevictable", "free"):
        if key in pages:
            out[key + "_kb"] = pages[key] * kb
    shmem = pages.get("shmem", 0)
    if "active_anon" in pages and "inactive_anon" in pages:
        out["anon_kb"] = max(pages["active_anon"] + pages["inactive_anon"] - shmem, 0) * kb
    if "active_file" in pages and "inactive_file" in pages:
        out["file_kb"] = (pages["active_file"] + pages["inactive_file"] + shmem) * kb
    if "kernel_stack" in g:
        out["kernel_stack_kb"] = g["kernel_stack"]
    if "hugetlb" in g:
        out["hugetlb_kb"] = g["hugetlb"]
    if "ram" in g:
        out["limit_kb"] = (g["ram"] - g.get("reserved", 0)) * kb
        if "free" in pages:
            out["usage_kb"] = out["limit_kb"] - pages["free"] * kb
    if "swap_free" in g and "swap_total" in g:
        out["swap_limit_kb"] = g["swap_total"]
        out["swap_usage_kb"] = g["swap_total"] - g["swap_free"]
    return out


def global_line(g, line):
    """Gather one line of a global OOM's Mem-Info into g."""
    if line == "Mem-Info:":
        g["in"] = True
        return
    if not g.get("in"):
        return
    m = BUDDY.match(line)
    if m and "page_kb" not in g:
        g["page_kb"] = int(m.group(2))
        return
    if line.startswith("Node "):
        m = re.search(r"hugepages_total=(\d+) .*hugepages_size=(\d+)kB", line)
        if m:
            g["hugetlb"] = g.get("hugetlb", 0) + int(m.group(1)) * int(m.group(2))
        m = re.search(r" kernel_stack:(\d+)kB", line)
        if m:
            g["kernel_stack"] = g.get("kernel_stack", 0) + int(m.group(1))
        g["nodes_seen"] = True
        return
    if not g.get("nodes_seen"):
        for k, v in PAIR.findall(line):
            if k in MEMINFO and k not in g.setdefault("pages", {}):
                g["pages"][k] = int(v)
        return
    for key, rx in (("ram", r"^(\d+) pages RAM$"), ("reserved", r"^(\d+) pages reserved$"),
                    ("swap_free", r"^Free swap += (\d+)kB$"),
                    ("swap_total", r"^Total swap += (\d+)kB$")):
        m = re.match(rx, line)
        if m:
            g[key] = int(m.group(1))


def kernel_reports(text):
    """{victim pid: {domain_memory key: kB}} for each complete report."""
    out, cur, v2, g = {}, None, {}, {}
    for raw in text.splitlines():
        line = TS.sub("", raw).strip()
        if "invoked oom-killer:" in line:
            cur, v2, g = {}, {}, {}
            continue
        if cur is None:
            continue
        global_line(g, line)
        m = COUNTER.match(line)
        if m:
            for part, v in (("usage", m.group(2)), ("limit", m.group(3))):
                key = KEYS.get((m.group(1), part))
                if key and int(v) < 1 << 50:
                    cur[key] = int(v)
            continue
        m = STAT.match(line)
        if m and m.group(1) in KEYS:
            cur[KEYS[m.group(1)]] = int(m.group(2)) // 1024
            continue
        if m and m.group(1) in V2_KEYS and m.group(1) not in v2:
            v2[V2_KEYS[m.group(1)]] = int(m.group(2)) // 1024
            continue
        m = KILLED.search(line)
        if m:
            if line.startswith("Out of memory"):
                cur = global_numbers(g)
            elif not any(k in cur for k in ("anon_kb", "file_kb")):
                cur.update(v2)
            out[int(m.group(1))] = cur
            cur = None
    return out


def close(a, b):
    return abs(a - b) <= max(0.02 * max(a, b), 1024)


def in_flight(want):
    """kB the kernel's report charges to the group but none of its parts
    counts: pages an earlier victim unmapped and has not yet uncharged (a
    second OOM while the first victim's memory is being freed). None when
    the report lacks the parts to tell, and for a global OOM (its usage
    holds much that no part names: reserved and vmalloc memory, buffers)."""
    if "free_kb" in want:
        return None
    kernel = want.get("kernel_kb")
    if kernel is None:
        parts = [want[k] for k in ("slab_reclaimable_kb", "slab_unreclaimable_kb",
                                   "kernel_stack_kb", "pagetables_kb", "percpu_kb") if k in want]
        kernel = sum(parts) if parts else None
    if kernel is None or "usage_kb" not in want or "anon_kb" not in want or "file_kb" not in want:
        return None
    return want["usage_kb"] - want["anon_kb"] - want["file_kb"] - kernel - want.get("sock_kb", 0)


def off(dm, want, freeing_kb=0):
    """{key: (got, kernel's)} for the numbers not within max(2 %, 1 MiB).
    freeing_kb: what an earlier victim of the same domain held, which its
    exit or the reaper may uncharge between the read at the kill and the
    report (fentry and kprobe read before it, tracepoint after): usage,
    anon, what no kill frees, and a global OOM's free memory may differ from
    the report's by up to that, either way.
    Live anon is usage at the kill less what a kill does not move, read when
    the event is complete: memory in flight at the kill (in_flight) counts
    in it, so with some in flight anon must lie between the kernel's anon
    and that plus twice what is in flight, and usage (read at the kill,
    before or after the report by the mode) within what is in flight of
    the kernel's."""
    bad = {}
    flight = in_flight(want) or 0
    for key, kv in sorted(want.items()):
        got = dm.get(key)
        if got is None:
            bad[key] = (None, kv)
        elif key == "anon_kb" and not close(flight, 0):
            # usage less the parts: what was in flight, and what was freed
            # between the usage read and the report (at most that again)
            if not (close(got, kv) or kv <= got <= kv + 2 * flight) and \
                    not close(got, kv + 2 * flight):
                bad[key] = (got, f"{kv} .. {kv + 2 * flight} ({flight} kB in flight)")
        elif key in ("usage_kb", "memsw_usage_kb") and not close(flight, 0):
            # read at the kill: before the report is printed (fentry, kprobe:
            # oom_kill_process) or after it (tracepoint: mark_victim); what
            # was in flight may have been uncharged in between, either way
            if not (close(got, kv) or kv - flight <= got <= kv + flight) and \
                    not close(got, kv - flight) and not close(got, kv + flight):
                bad[key] = (got, f"{kv - flight} .. {kv + flight} ({flight} kB in flight)")
        elif not close(got, kv) and not (freeing_kb and key in ("anon_kb", "usage_kb", "memsw_usage_kb", "unkillable_kb", "free_kb")
                                         and abs(got - kv) <= freeing_kb):
            bad[key] = (got, kv)
    return bad


def events(path):
    with open(path) as f:
        return [e for e in map(json.loads, f) if e.get("type") == "oom_kill"]


def main():
    args = sys.argv[1:]
    shmem_pid = parsed = None
    if "--shmem-unkillable" in args:
        i = args.index("--shmem-unkillable")
        shmem_pid = int(args[i + 1])
        del args[i:i + 2]
    if "--parsed" in args:
        i = args.index("--parsed")
        parsed = args[i + 1]
        del args[i:i + 2]
    evs = events(args[0])
    with open(args[1], errors="replace") as f:
        reports = kernel_reports(f.read())
    checked = 0
    for ev in evs:
        pid = ev.get("victim", {}).get("pid")
        want = reports.get(pid)
        dm = ev.get("domain_memory")
        if want is None:
            continue
        if dm is None:
            sys.exit(f"event #{ev['seq']} (victim {pid}) has no domain_memory")
        bad = off(dm, want)
        if bad:
            sys.exit(f"victim {pid}: not the kernel's numbers (got, kernel's): {bad}")
        print(f"ok: victim {pid}: {len(want)} numbers within max(2 %, 1 MiB) of the "
              f"kernel's ({', '.join(f'{k} {dm[k]}' for k in sorted(want))})")
        checked += 1
        if pid == shmem_pid:
            unk = dm.get("unkillable", {})
            parts = sorted(unk.items(), key=lambda kv: -kv[1])
            if not parts or parts[0][0] != "shmem_kb":
                sys.exit(f"victim {pid}: shmem is not the largest unkillable part: {unk}")
            if dm.get("unkillable_kb", 0) * 2 <= dm["usage_kb"]:
                sys.exit(f"victim {pid}: unkillable {dm.get('unkillable_kb')} kB is not over "
                         f"half of usage {dm['usage_kb']} kB")
            if not close(unk["shmem_kb"], want["shmem_kb"]):
                sys.exit(f"victim {pid}: unkillable shmem {unk['shmem_kb']} kB, the kernel's "
                         f"shmem {want['shmem_kb']} kB (no candidate maps the tmpfs file)")
            print(f"ok: victim {pid}: unkillable {dm['unkillable_kb']} kB of "
                  f"{dm['usage_kb']} kB, shmem {unk['shmem_kb']} kB the largest part")
            shmem_pid = None
    if not checked:
        sys.exit("no event has a kernel report to hold it to")
    if shmem_pid is not None:
        sys.exit(f"no reported event of victim {shmem_pid}")
    if parsed:
        live = {e["victim"]["pid"]: e.get("domain_memory", {}) for e in evs if "victim" in e}
        n = 0
        for pe in events(parsed):
            pid = pe.get("victim", {}).get("pid")
            pdm = pe.get("domain_memory")
            if pid not in live or pid not in reports or pdm is None:
                continue
            for key in sorted(set(pdm) & set(live[pid]) - {"unkillable"}):
                if not close(pdm[key], live[pid][key]):
                    sys.exit(f"victim {pid}: parsed {key} {pdm[key]} kB, live "
                             f"{live[pid][key]} kB")
            n += 1
        if n == 0:
            sys.exit("no parsed event to compare with the live ones")
        print(f"ok: {n} parsed event(s) agree with the live ones")


if __name__ == "__main__":
    main()
