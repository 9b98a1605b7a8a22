#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hold an oom_kill event's user stack to gdb's backtrace of the same code.

  check_ustack.py EVENTS_JSON GDB_BT PID [--from SYM] [--to SYM] [--object SYM=PATH ...]
                  [--unwind dwarf|fp] [--inlined SYM]

EVENTS_JSON: oomtrace --json output; the event whose trigger is PID is
checked. GDB_BT: gdb's `bt` output ("#N ... in NAME (...) at FILE:LINE"),
stopped at the same place. Our frames from --from (default: the first) to
--to (default main) must name the same functions (gdb's ?? is a frame
without a name), in the same order, with the same source
file and line where gdb has one; each frame has its object, build id, file
offset, and the unwind method asked for. --object SYM=PATH: that frame's
object. --inlined SYM: that frame is marked inlined. --unplaced-after SYM:
when the event's stack stops at an object nothing placed (user_stack_stop
no_object: the process exited before its maps were read, and no frame of
the kernel's named that object), the frames it has, down to SYM at least,
are held to gdb's, and the rest is said. Exit 0 or 1 with why.
"""
import argparse
import json
import os
import re
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def gdb_frames(path):
    frames = []
    for line in open(path, errors="replace"):
        m = re.match(r"#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+) \(.*?\)(?: at (\S+):(\d+))?", line)
        if m:
            frames.append((m.group(2), m.group(3), int(m.group(4)) if m.group(4) else None))
    return frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events")
    ap.add_argument("gdb")
    ap.add_argument("pid", type=int)
    ap.add_argument("--from", dest="start")
    ap.add_argument("--to", dest="end", default="main")
    ap.add_argument("--object", action="append", default=[])
    ap.add_argument("--unwind", default="dwarf")
    ap.add_argument("--inlined", action="append", default=[])
    ap.add_argument("--unplaced-after", dest="unplaced_after")
    a = ap.parse_args()

    ev = None
    for line in open(a.events):
        e = json.loads(line)
        if e.get("type") == "oom_kill" and e.get("trigger", {}).get("pid") == a.pid:
            ev = e
    if not ev:
        fail("no oom_kill event triggered by pid %d" % a.pid)
    ours = ev.get("user_stack", [])
    for f in ours:
        f.setdefault("sym", "??")
    names = [f.get("sym") for f in ours]
    print("# ours: " + " <- ".join("%s%s" % (f.get("sym", f.get("ip")),
          " (inlined)" if f.get("inlined") else "") for f in ours))
    if ev.get("user_stack_stop"):
        print("# user_stack_stop: " + ev["user_stack_stop"])
    gdb = gdb_frames(a.gdb)
    print("# gdb:  " + " <- ".join(g[0] for g in gdb))
    if not gdb:
        fail("no frames in gdb's backtrace")
    if a.start:
        if a.start not in names:
            fail("our stack has no %s" % a.start)
        ours = ours[names.index(a.start):]
        gnames = [g[0] for g in gdb]
        if a.start not in gnames:
            fail("gdb's backtrace has no %s" % a.start)
        gdb = gdb[gnames.index(a.start):]
    if a.end not in [g[0] for g in gdb]:
        fail("gdb's backtrace does not reach %s" % a.end)
    gdb = gdb[:[g[0] for g in gdb].index(a.end) + 1]
    stop = ev.get("user_stack_stop", "")
    placed = next((i for i, f in enumerate(ours) if not f.get("object")), len(ours))
    if placed < len(gdb) and a.unplaced_after and stop.startswith("no_object"):
        gn = [g[0] for g in gdb]
        if a.unplaced_after not in gn[:placed]:
            fail("%d frames placed, stopped (%s) before %s" % (placed, stop, a.unplaced_after))
        print("# the stack's objects end after %d of gdb's %d frames down to %s: %s (the "
              "process exited before its maps were read)" % (placed, len(gdb), a.end, stop))
        ours, gdb = ours[:placed], gdb[:placed]
    if len(ours) < len(gdb):
        fail("%d frames, gdb has %d down to %s" % (len(ours), len(gdb), a.end))
    objects = dict(o.split("=", 1) for o in a.object)
    for i, (g, f) in enumerate(zip(gdb, ours)):
        where = "frame %d (%s)" % (i, g[0])
        if f.get("sym") != g[0]:
            fail("%s: ours is %s" % (where, f.get("sym")))
        if g[1] and (not f.get("file") or os.path.basename(f["file"]) != os.path.basename(g[1])
                     or f.get("line") != g[2]):
            fail("%s: at %s:%s, gdb says %s:%d" % (where, f.get("file"), f.get("line"), g[1], g[2]))
        for k in ("object", "build_id", "file_offset"):
            if not f.get(k):
                fail("%s: no %s" % (where, k))
        if f.get("unwind") != a.unwind:
            fail("%s: unwind %s, not %s" % (where, f.get("unwind"), a.unwind))
        if g[0] in objects and f["object"] != objects[g[0]]:
            fail("%s: object %s, not %s" % (where, f["object"], objects[g[0]]))
        if bool(f.get("inlined")) != (g[0] in a.inlined):
            fail("%s: inlined is %s" % (where, bool(f.get("inlined"))))
    print("ok: %d frames down to %s match gdb's backtrace" % (len(gdb), gdb[-1][0]))


main()
