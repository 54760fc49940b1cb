#!/usr/bin/env bash
# chart-testware local images (no registry, no container daemon).
#
#   bash scripts/images.sh build  [NAME...] [--force]  build tarballs of images/<NAME>/ (default: all)
#   bash scripts/images.sh import [NAME...]            import built tarballs into containerd (namespace k8s.io)
#   bash scripts/images.sh ensure [NAME...]            build what is missing or changed, import what is not current
#   bash scripts/images.sh list                        table of images, cache and import state
#   bash scripts/images.sh refs                        the image references, one per line
#
# Cache: $CT_IMAGES_CACHE, else images/ in the cache root ($CHART_TESTWARE_CACHE_DIR, $XDG_CACHE_HOME/chart-testware or
# ~/.cache/chart-testware). containerd socket: ${CT_CONTAINERD_ADDRESS}.
# See docs/images.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmd="${1:-}"

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "images: building images needs root (debootstrap, chroot, numeric file ownership)" >&2
    exit 1
  fi
}

apt_install() {
  echo "images: installing $* with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "$@" >&2 ||
    { apt-get update -o DPkg::Lock::Timeout=600 >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "$@" >&2; }
}

python=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1; then python="$(command -v "$candidate")"; break; fi
done

case "$cmd" in
  build|ensure)
    need_root
    missing=()
    command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
    command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
    [ -n "$python" ] || missing+=(python3)
    [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
    if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
    [ -n "$python" ] || python="$(command -v python3)"
    ;;
  import|list|refs) [ -n "$python" ] || apt_install python3 && python="${python:-$(command -v python3)}" ;;
  ""|-h|--help|help)
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

# The elasticsearch image copies a node folder assembled from Maven Central jars (.cache/elasticsearch-dist):
# assemble it first (cached; a no-op when current) whenever that image may be hashed or built.
case "$cmd" in
  build|ensure)
    names=()
    for arg in "${@:2}"; do case "$arg" in -*) ;; *) names+=("$arg") ;; esac; done
    wants_es=1
    if [ "${#names[@]}" -gt 0 ]; then
      wants_es=""
      for n in "${names[@]}"; do [ "$n" = elasticsearch ] && wants_es=1; done
    fi
    if [ -n "$wants_es" ] && [ -f "$here/../images/elasticsearch/image.conf" ]; then
      bash "$here/elasticsearch-dist.sh" >/dev/null
    fi
    ;;
esac

PYTHONDONTWRITEBYTECODE=1 exec "$python" "$here/images/cli.py" "$@"
