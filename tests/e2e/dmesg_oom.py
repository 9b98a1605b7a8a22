"""Read the kernel's own OOM report out of dmesg text: the evidence the
end-to-end tests hold oomtrace's events against. Independent of oomtrace's
own parser on purpose, so one cannot hide the other's mistakes.

The report (header, task table, oom-kill: line) is rate-limited: the kernel
prints it for at most 10 kills in 5 s (oom_kill_process(): dump_header()
only while __ratelimit(&oom_rs) allows), the "Killed process" line always.
parse() keeps the kills that came without their report apart, so a test
can tell a missing report from a wrong one.

As a command, checks that a log holds the report of every kill:
    dmesg_oom.py DMESG_FILE [--memcg PATH --kills N]
With --memcg, the reports whose oom_memcg is PATH must number N (the kills
the memcg's own counter saw). Prints one line; exits 1 with the reason."""
import re
import sys

ROW = re.compile(r"\[\s*(\d+)\]\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$")
# the comm may hold a newline (hostile names): match up to the parenthesis only
KILLED = re.compile(r"(?:Memory cgroup out of memory|Out of memory): Killed process (\d+) \(")
REAPED = re.compile(r"oom_reaper: reaped process (\d+) \(")
TS = re.compile(r"^\[\s*[\d.]+\]\s?")
HEADER = re.compile(r"invoked oom-killer: gfp_mask=(0x[0-9a-f]+).*?, order=(-?\d+)")
CPU = re.compile(r"^CPU: \d+ (?:UID: \d+ )?PID: (\d+) Comm:")
# printed at a later report, when the window that suppressed them is over
SUPPRESSED = re.compile(r"oom_kill_process: (\d+) callbacks suppressed")


def reports(text):
    """Each report: dict(header, rows, constraint line, killed pid)."""
    return parse(text)[0]


def parse(text):
    """(reports, unreported): the reports, and the pids of kill lines that
    came without a report of their own (the kernel suppressed it)."""
    out, cur, in_table = [], None, False
    unreported = []
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
            m = KILLED.search(line)
            if m:
                unreported.append(int(m.group(1)))
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
            # the first kill line is the chosen victim; memory.oom.group adds
            # more after its "are going to be killed" line. Any other kill
            # line is a later kill whose report the kernel left out.
            if cur["killed"] is None:
                cur["killed"] = int(m.group(1))
            elif not cur["group"]:
                unreported.append(int(m.group(1)))
                in_table = False
                continue
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
    return out, unreported


def suppressed(text):
    """How many reports the log says were suppressed (these lines come at a
    later report and may count kills from before the text begins)."""
    return sum(int(m.group(1)) for m in SUPPRESSED.finditer(text))


def missing_reports(text):
    """None when every kill in the text has its report; else why not."""
    _, unreported = parse(text)
    if not unreported:
        return None
    why = (f"{len(unreported)} OOM kill(s) without the kernel's report "
           f"(pid {', '.join(map(str, unreported))}): the kernel prints its report "
           f"for at most 10 kills in 5 s (oom_kill_process: __ratelimit)")
    n = suppressed(text)
    return why + (f"; the log says {n} callbacks suppressed" if n else "")


def kernel_points(row, totalpages):
    """oom_badness() from a task-table row (5.9+ formula)."""
    adj = int(row["oom_score_adj"])
    return (row["rss"] + int(row.get("swapents", 0)) + int(row["pgtables_bytes"]) // 4096
            + adj * (totalpages // 1000))


def main(argv):
    args = argv[1:]
    if len(args) not in (1, 5) or (len(args) == 5 and (args[1], args[3]) != ("--memcg", "--kills")):
        print("usage: dmesg_oom.py DMESG_FILE [--memcg PATH --kills N]", file=sys.stderr)
        return 2
    text = open(args[0], encoding="utf-8", errors="replace").read()
    why = missing_reports(text)
    if len(args) == 5:
        memcg, kills = args[2], int(args[4])
        mine = [r for r in reports(text) if (r["oomkill"] or {}).get("oom_memcg") == memcg]
        if len(mine) != kills:
            print(f"FAIL: {kills} OOM kill(s) in {memcg} by its counter, {len(mine)} report(s) "
                  f"of it in the kernel log: {why or 'no kill line lacks its report'}")
            return 1
        print(f"ok: the kernel's report of each of the {kills} OOM kill(s) in {memcg} is in the log")
        if why:  # other memcgs' kills: not this test's evidence
            print(f"# elsewhere: {why}")
        return 0
    if why:
        print(f"FAIL: {why}")
        return 1
    print(f"ok: the kernel's report of every one of {len(reports(text))} OOM kill(s) is in the log")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
