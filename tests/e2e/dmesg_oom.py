"""Read the kernel's own OOM report out of dmesg text: the evidence the
end-to-end tests hold oomtrace's events against. Independent of oomtrace's
own parser on purpose, so one cannot hide the other's mistakes."""
import re

ROW = re.compile(r"\[\s*(\d+)\]\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$")
# the comm may hold a newline (hostile names): match up to the parenthesis only
KILLED = re.compile(r"(?:Memory cgroup out of memory|Out of memory): Killed process (\d+) \(")
REAPED = re.compile(r"oom_reaper: reaped process (\d+) \(")
TS = re.compile(r"^\[\s*[\d.]+\]\s?")
HEADER = re.compile(r"invoked oom-killer: gfp_mask=(0x[0-9a-f]+).*?, order=(-?\d+)")
CPU = re.compile(r"^CPU: \d+ (?:UID: \d+ )?PID: (\d+) Comm:")


def reports(text):
    """Each report: dict(header, rows, constraint line, killed pid)."""
    out, cur, in_table = [], None, False
    for raw in text.splitlines():
        line = TS.sub("", raw)
        if "invoked oom-killer:" in line:
            cur = {"header": line, "rows": [], "killed": None, "oomkill": None,
                   "trigger_comm": line.split(" invoked oom-killer")[0], "trigger_tid": None,
                   "killed_all": [], "reaped": [], "group": False}
            m = HEADER.search(line)
            if m:
                cur["gfp_mask"], cur["order"] = int(m.group(1), 16), int(m.group(2))
            out.append(cur)
            in_table = False
            continue
        if cur is None:
            continue
        m = CPU.match(line)
        if m and cur["trigger_tid"] is None:
            cur["trigger_tid"] = int(m.group(1))
            continue
        if line.startswith("Tasks state"):
            in_table = True
            continue
        if in_table and line.startswith("[  pid  ]"):
            cur["columns"] = line.split()[3:]
            continue
        if line.startswith("oom-kill:"):
            in_table = False
            cur["oomkill"] = dict(kv.split("=", 1) for kv in line[len("oom-kill:"):].split(",") if "=" in kv)
            continue
        m = KILLED.search(line)
        if m:
            # the first kill line is the chosen victim; memory.oom.group adds more
            if cur["killed"] is None:
                cur["killed"] = int(m.group(1))
            cur["killed_all"].append(int(m.group(1)))
            continue
        m = REAPED.search(line)
        if m:
            cur["reaped"].append(int(m.group(1)))
            continue
        if "are going to be killed due to memory.oom.group set" in line:
            cur["group"] = True
            continue
        if in_table:
            m = ROW.match(line)
            if m:
                cols = cur.get("columns", [])
                rest = m.group(6).split(None, len(cols) - 3) if cols else []
                row = {"pid": int(m.group(1)), "uid": int(m.group(2)), "tgid": int(m.group(3)),
                       "total_vm": int(m.group(4)), "rss": int(m.group(5))}
                # remaining numeric columns by the header's names, then the name
                names = cols[3:]  # after total_vm rss
                for n, v in zip(names[1:], rest):
                    row[n] = v
                row["name"] = rest[len(names) - 1] if len(rest) >= len(names) else ""
                cur["rows"].append(row)
    return out


def kernel_points(row, totalpages):
    """oom_badness() from a task-table row (5.9+ formula)."""
    adj = int(row["oom_score_adj"])
    return (row["rss"] + int(row.get("swapents", 0)) + int(row["pgtables_bytes"]) // 4096
            + adj * (totalpages // 1000))
