#!/usr/bin/env bash
# The images the cluster itself needs, built without a container engine or registry and imported into
# containerd's k8s.io namespace:
#   chart-testware.local/pause:3.10-ct1        the pod sandbox (images/pause/pause.c, gcc -static)
#   chart-testware.local/busybox:<deb version>  Debian's busybox-static (sh, nslookup, wget, nc) for tests
#   chart-testware.local/coredns:<version>-ct1  the CoreDNS build from local/coredns
# images/<name>/Containerfile defines the same images for docker/podman users.
#
#   base-images.sh COREDNS_BIN_DIR     build what is missing (cached by input hash), import what is not current
#   base-images.sh refs COREDNS_BIN_DIR   print the references
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/cluster/common.sh
. "$root/scripts/cluster/common.sh"

cache="$CT_CACHE/images/cluster"
imported="$CT_CONTAINERD_ROOT/chart-testware-imported"
archive=(python3 "$root/scripts/images/archive.py")

busybox_tag() {
  # Debian version without epoch, made a valid tag: 1:1.35.0-4+b3 -> 1.35.0-4-b3
  dpkg-query -W -f '${Version}' busybox-static | sed -e 's/^[0-9]*://' -e 's/[^A-Za-z0-9_.-]/-/g'
}
coredns_tag() { echo "$(coredns_version "$root" | sed 's/^v//')-ct1"; }

# ensure NAME REF INPUT_HASH BUILD_FUNCTION: build the tarball if its input hash is new, import it if the
# image containerd has is not that tarball.
ensure() {
  local name="$1" ref="$2" hash="$3" fn="$4"
  local tar="$cache/$name-$hash.tar"
  mkdir -p "$cache" "$imported"
  if [ ! -f "$tar" ]; then
    local rootfs
    rootfs="$(mktemp -d "$cache/.rootfs-$name.XXXXXX")"
    "$fn" "$rootfs"
    "${archive[@]}" --rootfs "$rootfs" --tag "$ref" --out "$tar.partial" "${ARCHIVE_ARGS[@]}" \
      --label "dev.chart-testware.input=$hash" >&2
    rm -rf "$rootfs"
    mv "$tar.partial" "$tar"
    find "$cache" -maxdepth 1 -name "$name-*.tar" ! -name "$name-$hash.tar" -delete
  fi
  if [ "$(cat "$imported/$name" 2>/dev/null)" != "$hash" ] ||
    ! grep -qxF "$ref" <<< "$(ctr --address "$CT_CONTAINERD_SOCK" -n k8s.io images ls -q)"; then
    ctr --address "$CT_CONTAINERD_SOCK" -n k8s.io images import "$tar" >/dev/null ||
      die "ctr images import $tar failed"
    echo "$hash" > "$imported/$name"
    log "imported $ref"
  fi
}

build_pause() {
  gcc -Os -Wall -static -o "$1/pause" "$root/images/pause/pause.c"
  strip "$1/pause"
  ARCHIVE_ARGS=(--entrypoint '["/pause"]' --user 65535:65535)
}

build_busybox() {
  local r="$1" applet
  mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/etc" "$r/root" "$r/tmp"
  chmod 1777 "$r/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [ -e "$r/$applet" ] || ln -s /bin/busybox "$r/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
  ARCHIVE_ARGS=(--cmd '["sh"]')
}

build_coredns() {
  cp "$COREDNS_DIR/coredns" "$1/coredns"
  mkdir -p "$1/etc" "$1/tmp"
  chmod 1777 "$1/tmp"
  ARCHIVE_ARGS=(--entrypoint '["/coredns"]' --user 65532:65532)
}

ARCHIVE_ARGS=()
if [ "${1:-}" = refs ]; then
  echo "$PAUSE_IMAGE"
  echo "chart-testware.local/busybox:$(busybox_tag)"
  echo "chart-testware.local/coredns:$(coredns_tag)"
  exit 0
fi
COREDNS_DIR="${1:?usage: base-images.sh COREDNS_BIN_DIR}"

gcc_version="$(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion)"
ensure pause "$PAUSE_IMAGE" \
  "$(cat "$root/images/pause/pause.c" "$root/scripts/images/archive.py" <(echo "$gcc_version") | sha256sum | cut -c1-16)" build_pause
ensure busybox "chart-testware.local/busybox:$(busybox_tag)" \
  "$(cat /bin/busybox "$root/scripts/images/archive.py" | sha256sum | cut -c1-16)" build_busybox
ensure coredns "chart-testware.local/coredns:$(coredns_tag)" \
  "$(cat "$COREDNS_DIR/coredns" "$root/scripts/images/archive.py" | sha256sum | cut -c1-16)" build_coredns
