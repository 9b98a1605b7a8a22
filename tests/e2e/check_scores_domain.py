#!/usr/bin/env python3
"""`oomtrace scores --json`'s domain_memory and verdict against the files
the kernel keeps them in, read by this test right before and right after
scores read them.

usage: check_scores_domain.py SCORES_JSON global MEMINFO_BEFORE MEMINFO_AFTER
       check_scores_domain.py SCORES_JSON memcg SNAP_BEFORE SNAP_AFTER [LIMIT_KB]

A memcg snapshot is memory.stat (cgroup v1) followed by "usage BYTES" and,
when the kernel keeps it, "kmem BYTES". Each number must lie within
max(2 %, 1 MiB) of the range the two reads span (the machine is shared:
other sessions' memory moves between them). Every row carries the same
domain_memory; unkillable_kb is usage less what the eligible rows hold
(rss and page tables), and the verdict is there exactly when over half of
usage is unkillable, with what killing them all frees at most.
Prints one ok line per check; exits 1 with the reason."""
import json
import sys


def tol(v):
    return max(0.02 * v, 1024)


def within(got, a, b):
    lo, hi = min(a, b), max(a, b)
    return lo - tol(lo) <= got <= hi + tol(hi)


def meminfo(path):
    m = {}
    for line in open(path):
        k, v = line.split(":", 1)
        m[k] = int(v.split()[0])
    shmem = m["Shmem"]
    out = {"limit_kb": m["MemTotal"], "free_kb": m["MemFree"],
           "usage_kb": m["MemTotal"] - m["MemFree"], "shmem_kb": shmem,
           "anon_kb": max(m["Active(anon)"] + m["Inactive(anon)"] - shmem, 0),
           "file_kb": m["Active(file)"] + m["Inactive(file)"] + shmem,
           "slab_reclaimable_kb": m["SReclaimable"], "slab_unreclaimable_kb": m["SUnreclaim"],
           "kernel_stack_kb": m["KernelStack"], "pagetables_kb": m["PageTables"],
           "unevictable_kb": m["Unevictable"]}
    if "Hugetlb" in m:
        out["hugetlb_kb"] = m["Hugetlb"]
    if "Percpu" in m:
        out["percpu_kb"] = m["Percpu"]
    return out


def memcg_snap(path):
    kv = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            kv.setdefault(parts[0], int(parts[1]))
    out = {"usage_kb": kv["usage"] // 1024, "anon_kb": kv["total_rss"] // 1024,
           "file_kb": kv["total_cache"] // 1024, "shmem_kb": kv["total_shmem"] // 1024}
    if "kmem" in kv:
        out["kernel_kb"] = kv["kmem"] // 1024
    return out


def main():
    path, kind, before, after = sys.argv[1:5]
    rows = [json.loads(line) for line in open(path)]
    if not rows:
        sys.exit("scores printed no rows")
    dm = rows[0].get("domain_memory")
    if dm is None:
        sys.exit(f"no domain_memory in scores --json: {rows[0]}")
    for r in rows:
        if r.get("domain_memory") != dm or r.get("verdict") != rows[0].get("verdict"):
            sys.exit(f"pid {r['pid']}: another domain_memory or verdict than the first row's")
    print(f"ok: {len(rows)} rows carry the same domain_memory ({len(dm)} keys)")
    read = meminfo if kind == "global" else memcg_snap
    a, b = read(before), read(after)
    bad = {k: (dm.get(k), a[k], b[k]) for k in a if dm.get(k) is None or not within(dm[k], a[k], b[k])}
    if bad:
        sys.exit(f"not the kernel's (scores', before, after): {bad}")
    print(f"ok: {len(a)} numbers within max(2 %, 1 MiB) of the kernel's files read around it "
          f"({', '.join(f'{k} {dm[k]}' for k in sorted(a))})")
    if kind == "memcg" and len(sys.argv) > 5 and dm.get("limit_kb") != int(sys.argv[5]):
        sys.exit(f"limit_kb {dm.get('limit_kb')}, the memcg's limit is {sys.argv[5]}")
    held = sum(r["rss_kb"] + r["pgtables_bytes"] // 1024 for r in rows if r.get("eligible"))
    want = max(dm["usage_kb"] - held, 0)
    if "unkillable_kb" not in dm or abs(dm["unkillable_kb"] - want) > 1024:
        sys.exit(f"unkillable_kb {dm.get('unkillable_kb')}, usage {dm['usage_kb']} less "
                 f"what the eligible rows hold ({held}) is {want}")
    print(f"ok: unkillable_kb {dm['unkillable_kb']} = usage {dm['usage_kb']} less the "
          f"eligible rows' rss and page tables ({held} kB)")
    v = rows[0].get("verdict")
    if (dm["unkillable_kb"] * 2 > dm["usage_kb"]) != (v is not None):
        sys.exit(f"verdict {v} for unkillable {dm['unkillable_kb']} of {dm['usage_kb']}")
    if v is not None:
        unk = dm.get("unkillable", {})
        top = max(unk, key=unk.get) if unk else None
        if v["frees_at_most_kb"] != dm["usage_kb"] - dm["unkillable_kb"] or \
                v["usage_kb"] != dm["usage_kb"] or \
                (top and unk[top] and (v.get("largest_unkillable") + "_kb" != top or
                                       v.get("largest_unkillable_kb") != unk[top])):
            sys.exit(f"verdict {v} does not follow from {dm}")
        print(f"ok: verdict: killing frees at most {v['frees_at_most_kb']} of {v['usage_kb']} kB, "
              f"largest unkillable part {v.get('largest_unkillable')}")
    else:
        print("ok: no verdict: half or more of usage is killable")
    if len(sys.argv) > 6:
        want_part = sys.argv[6]
        if v is None or v.get("largest_unkillable") != want_part:
            sys.exit(f"verdict {v}: expected {want_part} as the largest unkillable part")
        print(f"ok: the verdict names {want_part}")


if __name__ == "__main__":
    main()
