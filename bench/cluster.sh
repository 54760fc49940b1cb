#!/usr/bin/env bash
# Benchmark of the embedded local cluster (npm run bench:cluster), printed next to the baseline measured on a
# machine of the same kind (shared/notes/local-cluster-facts.md):
#   cold build     the recorded duration of the last cold build of the binaries (build.json in the cache)
#   warm start     a real `down` then `up` with everything cached: total, and process start to node Ready
#   first pod      create to Running of a busybox pod right after that start
#   idle memory    RSS of the cluster's processes once it has settled, and their CPU use over 20 s
# It restarts the cluster: other users of it see their pods restarted.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/cluster/common.sh
. "$root/scripts/cluster/common.sh"
cluster=(bash "$root/scripts/cluster.sh")
need_root "bench:cluster"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
row() { printf '  %-36s %12s   %s\n' "$1" "$2" "$3"; }

cold_build() {
  local f total=0 parts=""
  for f in "$CT_CACHE"/bin/*/build.json; do
    [ -f "$f" ] || continue
    local s c
    s="$(sed -n 's/.*"seconds":\([0-9]*\).*/\1/p' "$f")"
    c="$(sed -n 's/.*"component":"\([^"]*\)".*/\1/p' "$f")"
    # a build on a warm Go cache is not a cold build: listed, not added
    if grep -q '"goCacheWarm":true' "$f"; then parts="$parts $c ${s}s (warm Go cache)"; else
      total=$((total + s))
      parts="$parts $c ${s}s"
    fi
  done
  echo "$total|${parts# }"
}

echo "chart-testware bench:cluster ($(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo))"
"${cluster[@]}" up > /dev/null   # make sure binaries and images exist (no-op when up)
IFS='|' read -r build_total build_parts < <(cold_build)

# hold the cluster lock across down+up, so that no other `up` (another test run) restarts it in between
exec 8> "$(dirname "$CT_STATE")/cluster.lock"
flock -w 1200 8 || die "bench: the cluster lock is busy"
export CT_CLUSTER_LOCK_HELD=1
"${cluster[@]}" down
t0=$(now)
CT_IMAGES_ON_UP=0 "${cluster[@]}" up > /dev/null
t1=$(now)
warm_total="$(secs "$t0" "$t1")"
exec 8>&-
unset CT_CLUSTER_LOCK_HELD
to_ready="$(sed -n 's/.*"startToNodeReadySeconds":\([0-9.]*\).*/\1/p' "$CT_STATE/last-up.json")"

ns="ct-bench-$$"
image="$(bash "$root/scripts/cluster/base-images.sh" refs | grep /busybox:)"
kc create namespace "$ns" > /dev/null
trap 'kc delete namespace "$ns" --wait=false > /dev/null 2>&1 || true' EXIT
# the namespace's default service account appears asynchronously; pods cannot be created before it exists
until kc -n "$ns" get serviceaccount default > /dev/null 2>&1; do sleep 0.1; done
p0=$(now)
kc -n "$ns" run first --image="$image" --image-pull-policy=Never --restart=Never -- sleep 3600 > /dev/null
kc -n "$ns" wait pod/first --for=jsonpath='{.status.phase}'=Running --timeout=120s > /dev/null
p1=$(now)
pod_running="$(secs "$p0" "$p1")"
kc delete namespace "$ns" --wait=false > /dev/null

sleep "${CT_BENCH_SETTLE:-30}"   # let start-up work (informer syncs, GC) settle before measuring idle memory
total_kib=0
details=""
for c in "${COMPONENTS[@]}"; do
  pid="$(child_pid "$c")"
  [ -n "$pid" ] || continue
  kib="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")"
  total_kib=$((total_kib + kib))
  details="$details $c $((kib / 1024))"
done
idle="$(awk -v k="$total_kib" 'BEGIN { printf "%.2f GiB", k / 1048576 }')"

# idle CPU: utime+stime of the components over 20 s, as a share of one core
cpu_ticks() {
  local c pid sum=0 t
  for c in "${COMPONENTS[@]}"; do
    pid="$(child_pid "$c")"
    [ -n "$pid" ] || continue
    t="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    sum=$((sum + t))
  done
  echo "$sum"
}
c0="$(cpu_ticks)"
sleep 20
c1="$(cpu_ticks)"
cpu="$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f %%", (b - a) / hz / 20 * 100 }')"

echo
row "figure" "measured" "baseline (notes)"
row "cold build of the binaries" "${build_total} s" "~400 s (5 Kubernetes binaries); here: $build_parts"
row "warm start: process start to Ready" "${to_ready} s" "10-11 s"
row "warm start: whole \`up\` (cached)" "${warm_total} s" "-"
row "first pod: create to Running" "${pod_running} s" "~1 s"
row "idle memory (RSS of the components)" "$idle" "~0.8 GiB"
row "idle CPU (share of one core)" "$cpu" "~6 %"
echo "  per component (MiB):$details"
