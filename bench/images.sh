#!/usr/bin/env bash
# Image build benchmark: every image of images/*/image.conf built from nothing (fresh debootstrap base) into a
# throw-away cache, then the no-op check a second run does. Prints the figures next to the known baseline.
#   bash bench/images.sh [NAME...]
# Needs root and the Debian mirror; leaves the real cache (~/.cache/chart-testware/images) alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$(mktemp -d /var/tmp/ct-bench-images.XXXXXX)"
trap 'rm -rf "$cache"' EXIT
export CT_IMAGES_CACHE="$cache"

t0=$EPOCHREALTIME
bash "$root/scripts/images.sh" build "$@" 2>&1 | sed 's/^/  /'
t1=$EPOCHREALTIME
bash "$root/scripts/images.sh" build "$@" >/dev/null 2>&1
t2=$EPOCHREALTIME
total=$(python3 -c "print($t1 - $t0)")
noop=$(python3 -c "print($t2 - $t1)")

python3 - "$cache" "$total" "$noop" <<'PY'
import glob, json, os, sys
cache, total, noop = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
base = glob.glob(os.path.join(cache, "base", "*", "complete"))
base_s = float(open(base[0]).read()) if base else 0.0
print()
print(f"{'image':<12} {'build s':>8} {'size MiB':>9}")
for meta in sorted(glob.glob(os.path.join(cache, "tar", "*.tar.json"))):
    m = json.load(open(meta))
    name = m["ref"].split("/")[-1].split(":")[0]
    print(f"{name:<12} {m['seconds']:>8.1f} {m['bytes'] / 2**20:>9.0f}")
print(f"{'base':<12} {base_s:>8.1f}")
print()
print(f"all images from nothing: {total:.0f} s   (baseline: 4 images built and imported in ~111 s on a 2-core VM;")
print( "                                        sizes tangodb 322 or slim 152, tango-cs 225, sshd 96 MiB)")
print(f"second run, nothing to do: {noop:.2f} s")
PY
