#!/bin/sh
# The fleet files, checked as far as a machine without a cluster or a
# container engine can: the DaemonSet manifest is valid YAML (python3's yaml
# when present, else a structural check) with what the recorder needs
# (privileged, hostPID, the BTF, cgroup and debugfs host mounts, a writable
# log directory, args starting with `record`); the Containerfile builds the
# binary with the project's own dependency script and runs `record`.
. "$(dirname "$0")/lib.sh"

dist=$TOP/scripts/dist
m=$dist/k8s/daemonset.yaml
if python3 -c 'import yaml' 2>/dev/null; then
	python3 - "$m" <<'PY' || fail "DaemonSet manifest"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = [d["kind"] for d in docs]
assert kinds == ["Namespace", "DaemonSet"], kinds
ds = docs[1]
assert ds["apiVersion"] == "apps/v1"
spec = ds["spec"]["template"]["spec"]
assert ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items()
assert spec["hostPID"] is True
c = spec["containers"][0]
assert c["securityContext"]["privileged"] is True
assert c["args"][0] == "record" and "--output" in c["args"], c["args"]
assert c["resources"]["requests"] == c["resources"]["limits"], "not a Guaranteed pod"
mounts = {v["name"]: v for v in c["volumeMounts"]}
vols = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
want = {"/sys/kernel/btf": True, "/sys/fs/cgroup": True, "/sys/kernel/debug": True, "/var/log/oomtrace": False}
for path, ro in want.items():
    name = [n for n, p in vols.items() if p == path]
    assert name, f"no hostPath {path}"
    mt = mounts[name[0]]
    assert mt["mountPath"] == path, mt
    assert mt.get("readOnly", False) == ro, mt
print("ok: DaemonSet: valid YAML, privileged, hostPID, Guaranteed, host mounts", sorted(want))
PY
else
	for k in 'kind: DaemonSet' 'privileged: true' 'hostPID: true' 'path: /sys/kernel/btf' \
		'path: /sys/fs/cgroup' 'path: /sys/kernel/debug' 'path: /var/log/oomtrace' '- record'; do
		grep -q "$k" "$m" || fail "DaemonSet lacks '$k'"
	done
	grep -q '	' "$m" && fail "a tab in YAML"
	echo "ok: DaemonSet: structural check (python3 yaml not installed)"
fi
c=$dist/Containerfile
[ "$(grep -c '^FROM ' "$c")" -eq 2 ] || fail "Containerfile: expected a build and a run stage"
grep -q '^RUN scripts/install-deps.sh && make oomtrace$' "$c" || fail "Containerfile: build step"
grep -q '^COPY --from=build /src/oomtrace /usr/sbin/oomtrace$' "$c" || fail "Containerfile: binary"
grep -q '^ENTRYPOINT \["/usr/sbin/oomtrace"\]$' "$c" || fail "Containerfile: entrypoint"
grep -q '^CMD \["record",' "$c" || fail "Containerfile: record by default"
# the runtime packages are those the binary links against
for lib in libbpf libelf libz; do
	ldd "$TOP/oomtrace" | grep -q "$lib" || continue
	case $lib in libz) pkg=zlib1g ;; *) pkg=${lib}1 ;; esac
	grep -q "install .*$pkg" "$c" || fail "Containerfile: $pkg not installed for $lib"
done
echo "ok: Containerfile: two stages, the project's deps script, runtime libraries, record by default"
