#!/usr/bin/env bash
# Builds (or reuses) the local cluster's binaries from the Go module proxy.
#
#   bash scripts/cluster/build.sh [kube|coredns|all]     prints the bin directory of each component
#
# The Go module and build caches and the built binaries live under ${CT_CACHE:-~/.cache/chart-testware}, the
# binaries in bin/<component>-<version>-<hash of go.mod+go.sum>/ so that a second run skips the build entirely.
# build.json beside the binaries records how long the cold build took (bench/cluster.sh prints it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/cluster/common.sh
. "$root/scripts/cluster/common.sh"

KUBE_VERSION="${KUBE_VERSION:-v1.32.13}"

go_env() {
  export GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
  export GOMODCACHE="$CT_CACHE/go/mod" GOCACHE="$CT_CACHE/go/build"
  command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"; } ||
    die "go is not installed: install Go >= 1.26 (the coredns module needs it) and retry"
}

# module_key DIR: a short hash of the module's go.mod and go.sum, so a change of pins rebuilds.
module_key() { cat "$1/go.mod" "$1/go.sum" | sha256sum | cut -c1-12; }

# build NAME MODULE_DIR VERSION LDFLAGS PACKAGE...
build() {
  local name="$1" dir="$2" version="$3" ldflags="$4"; shift 4
  local key out
  key="$(module_key "$dir")"
  out="$CT_CACHE/bin/$name-$version-$key"
  if [ -f "$out/build.json" ]; then echo "$out"; return 0; fi
  # one build at a time: a second caller waits for the first and then reuses its result
  mkdir -p "$CT_CACHE/bin"
  exec 9> "$CT_CACHE/bin/.build.lock"
  flock 9
  if [ -f "$out/build.json" ]; then exec 9>&-; echo "$out"; return 0; fi
  go_env
  local tmp="$out.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  log "building $name $version from the Go module proxy ($(go version | awk '{print $3}'), cache $CT_CACHE/go); a cold build takes minutes"
  local start end warm=false
  # whether the Go build cache already held compiled packages (then the duration is not a cold build)
  if [ -n "$(find "$GOCACHE" -mindepth 2 -maxdepth 2 -type f -print -quit 2>/dev/null)" ]; then warm=true; fi
  start=$(date +%s)
  (cd "$dir" && go mod download && go build -trimpath -ldflags "$ldflags" -o "$tmp/" "$@") >&2 ||
    die "go build of $name in $dir failed (see the compiler output above); the module caches are in $CT_CACHE/go"
  end=$(date +%s)
  printf '{"component":"%s","version":"%s","seconds":%d,"goCacheWarm":%s,"go":"%s","built":"%s"}\n' \
    "$name" "$version" "$((end - start))" "$warm" "$(go env GOVERSION)" "$(date -u +%FT%TZ)" > "$tmp/build.json"
  rm -rf "$out"; mv "$tmp" "$out"
  exec 9>&-
  log "built $name in $((end - start)) s: $out"
  echo "$out"
}

build_kube() {
  local v="$KUBE_VERSION" minor
  minor="$(echo "$v" | cut -d. -f2)"
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  build kubernetes "$root/local/kube" "$v" "$ld" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
}

build_coredns() {
  local v
  v="$(coredns_version "$root")"
  build coredns "$root/local/coredns" "$v" "-s -w" .
}

case "${1:-all}" in
  kube) build_kube ;;
  coredns) build_coredns ;;
  all) build_kube; build_coredns ;;
  *) die "usage: build.sh [kube|coredns|all]" ;;
esac
