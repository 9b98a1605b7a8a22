#!/bin/sh
# Container names on a real memcg OOM (cgroup v1): a memcg whose tasks sit in
# child groups named the way container runtimes name them (cri-containerd-,
# docker-, libpod-<64 hex>.scope), and the runtimes' state laid out under a
# temporary directory the way the kubelet, docker and podman write it. The
# victim, the trigger and a candidate must carry the names of their own
# container, in JSON, in text and in the --exec hook's environment; and
# `record` writes them so that `report` reads them back.
. "$(dirname "$0")/lib.sh"

cg=$(memcg_new 32)
name=$(basename "$cg")
hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
IDA=$(hex) IDB=$(hex) IDC=$(hex)
# children first in the cleanup list: they go before their parent
for c in "cri-containerd-$IDA.scope" "docker-$IDB.scope" "libpod-$IDC.scope"; do
	mkdir "$cg/$c" || fail "cannot create $cg/$c"
done
{ for c in "$cg"/*.scope; do echo "$c"; done; cat "$WORK/cgroups"; } >"$WORK/cgroups.new"
mv "$WORK/cgroups.new" "$WORK/cgroups"

# the kubelet's log link for A, docker's config for B, podman's containers.json for C
mkdir -p "$WORK/logs" "$WORK/docker/containers/$IDB" "$WORK/podman/overlay-containers"
ln -s "/var/log/pods/shop_cart-7d9_uid/app/0.log" "$WORK/logs/cart-7d9_shop_app-$IDA.log"
ln -s "/var/log/pods/x/y/0.log" "$WORK/logs/other-1_kube-system_proxy-$IDB.log.tmp"
printf '{"ID":"%s","Name":"/web-1","Config":{"Labels":{"com.example":"x"}}}' "$IDB" \
	>"$WORK/docker/containers/$IDB/config.v2.json"
printf '[{"id":"%s","names":["db"],"image":"i"},{"id":"%s","names":["no"]}]' "$IDC" "$(hex)" \
	>"$WORK/podman/overlay-containers/containers.json"
DIRS="--k8s-log-dir $WORK/logs --docker-dir $WORK/docker --podman-dir $WORK/podman"

# A: the victim (adj 1000); C: a sleeping candidate; B: the trigger
sh -c "$IN_CG" "$cg/cri-containerd-$IDA.scope" "$HOG" -a 1000 10 >"$WORK/a" & VA=$!
sh -c "$IN_CG" "$cg/libpod-$IDC.scope" "$HOG" 2 >"$WORK/c" & VC=$!
PIDS="$PIDS $VA $VC"
wait_ready "$WORK/a" "$WORK/c"

cat >"$WORK/hook.sh" <<'SH'
env | grep '^OOMTRACE_' | sort >"$HOOK_OUT"
SH
export HOOK_OUT=$WORK/hook.env
start_tracer "$WORK/ev.json" --json -n 1 -k 0 -c "/$name" $DIRS --exec ". $WORK/hook.sh"
T_JSON=$TRACER
start_tracer "$WORK/ev.txt" -n 1 -c "/$name" $DIRS; T_TEXT=$TRACER
mkdir "$WORK/rec"
start_tracer "$WORK/rec.out" record -o "$WORK/rec/" -n 1 -c "/$name" $DIRS \
	--prom-file "$WORK/oom.prom" --exec 'cat >/dev/null'; T_REC=$TRACER

# B: 24 MiB beside A's 10 and C's 2 do not fit in 32: the kernel kills A
sh -c "$IN_CG" "$cg/docker-$IDB.scope" "$HOG" 24 1 >/dev/null
wait_gone "$VA"
for t in $T_JSON $T_TEXT $T_REC; do wait_gone "$t" 20; wait "$t" || fail "tracer $t failed"; done

python3 - "$WORK/ev.json" "$VA" "$VC" "$IDA" "$IDB" "$IDC" <<'PY' || fail "names in JSON"
import json, sys
ev = next(json.loads(l) for l in open(sys.argv[1]) if '"oom_kill"' in l)
va, vc, ida, idb, idc = int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:]
v = ev["victim"]
assert v["pid"] == va, v
assert v["container_id"] == ida, v
assert (v.get("namespace"), v.get("pod"), v.get("container")) == ("shop", "cart-7d9", "app"), v
assert ev["victims"][0].get("pod") == "cart-7d9", ev["victims"]
t = ev["trigger"]
assert t["container_id"] == idb, t
assert t.get("container") == "web-1" and "pod" not in t and "namespace" not in t, t
c = [c for c in ev["candidates"] if c["pid"] == vc]
assert c and c[0].get("container") == "db" and "pod" not in c[0], ev["candidates"]
print("ok: victim pod shop/cart-7d9 container app, trigger web-1 (docker), candidate db (podman)")
PY
grep -q "\"hog\" .* pod shop/cart-7d9 container app$" "$WORK/ev.txt" ||
	{ cat "$WORK/ev.txt"; fail "text victim line lacks the names"; }
echo "ok: text victim line names the pod"
grep -qx "OOMTRACE_POD=cart-7d9" "$HOOK_OUT" && grep -qx "OOMTRACE_NAMESPACE=shop" "$HOOK_OUT" &&
	grep -qx "OOMTRACE_CONTAINER=app" "$HOOK_OUT" || { cat "$HOOK_OUT"; fail "hook environment lacks the names"; }
echo "ok: hook environment names the pod"
# record wrote them; report reads the record back and prints them again
"$OOMTRACE" report -e 1 --json "$WORK/rec/"*.jsonl >"$WORK/report.json" 2>"$WORK/report.err" ||
	{ cat "$WORK/report.err"; fail "report failed"; }
grep -q '"namespace":"shop","pod":"cart-7d9","container":"app"' "$WORK/report.json" ||
	{ head -c 2000 "$WORK/report.json"; fail "report lost the names"; }
echo "ok: record keeps the names, report reads them back"
# the metric's series carries the names; the hook's outcome is counted
grep -qx "oomtrace_oom_kills_total{domain=\"/$name\",namespace=\"shop\",pod=\"cart-7d9\",container=\"app\"} 1" \
	"$WORK/oom.prom" || { grep oom_kills "$WORK/oom.prom"; fail "metric lacks the names"; }
grep -qx 'oomtrace_exec_hooks_total{result="ok"} 1' "$WORK/oom.prom" ||
	{ grep exec_hooks "$WORK/oom.prom"; fail "metric lacks the hook's outcome"; }
grep -q '"exec_hooks":{"run":1,"ok":1,"failed":0,"timed_out":0,"not_run":0}' "$WORK/rec/"*.jsonl ||
	fail "recorder_stop lacks the hook counts"
echo "ok: metrics name the pod's kill and count the hook"
