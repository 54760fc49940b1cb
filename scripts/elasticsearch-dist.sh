#!/usr/bin/env bash
# Assembles an Elasticsearch node folder from Maven Central jars (images/elasticsearch: dist.conf, jars.sha256,
# launcher/, rest-root/, config/, bin/) and prints its path. Used by the loopback test node and the image build.
#
#   bash scripts/elasticsearch-dist.sh           the folder (built once per definition, then cached)
#   bash scripts/elasticsearch-dist.sh --pin     fetch, then rewrite images/elasticsearch/jars.sha256
#
# Cache: <cache root>/elasticsearch/ (dist-<key>/ and the Maven repository m2/). The jars are checked against
# jars.sha256, so a cached or fetched jar is used only with the content the repository pins. Needs mvn and javac
# (Debian: maven, openjdk-17-jdk-headless; installed with apt-get when missing and run as root).
# Also points <repo>/.cache/elasticsearch-dist at the folder: the image's COPY reads it from there.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
def="$repo/images/elasticsearch"
cache="${CHART_TESTWARE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chart-testware}/elasticsearch"
pin=""
case "${1:-}" in
  "") ;;
  --pin) pin=1 ;;
  *) echo "elasticsearch-dist: unknown argument '$1' (expected nothing or --pin)" >&2; exit 64 ;;
esac

log() { echo "elasticsearch-dist: $*" >&2; }
die() { echo "elasticsearch-dist: error: $*" >&2; exit 1; }

# shellcheck source=/dev/null
. "$def/dist.conf"
[ -n "${ES_VERSION:-}" ] || die "$def/dist.conf sets no ES_VERSION"

ensure_tools() {
  local missing=()
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  command -v jar >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  command -v unzip >/dev/null 2>&1 || missing+=(unzip)
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "needs ${missing[*]} (apt-get install ${missing[*]}), and only root can install them here"
  log "installing ${missing[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2 ||
    { apt-get update -o DPkg::Lock::Timeout=600 >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2; }
}

key="$(cd "$repo" && { sha256sum scripts/elasticsearch-dist.sh images/elasticsearch/dist.conf \
  images/elasticsearch/jars.sha256 2>/dev/null || true; find images/elasticsearch/launcher images/elasticsearch/rest-root \
  images/elasticsearch/config images/elasticsearch/bin -type f -print0 | sort -z | xargs -0 sha256sum; } |
  sha256sum | cut -c1-16)"
dist="$cache/dist-$ES_VERSION-$key"

link() {
  mkdir -p "$repo/.cache"
  ln -sfn "$dist" "$repo/.cache/elasticsearch-dist.tmp" && mv -T "$repo/.cache/elasticsearch-dist.tmp" "$repo/.cache/elasticsearch-dist"
}

if [ -z "$pin" ] && [ -f "$dist/.complete" ]; then link; echo "$dist"; exit 0; fi

mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [ -z "$pin" ] && [ -f "$dist/.complete" ]; then link; echo "$dist"; exit 0; fi
ensure_tools
started=$SECONDS
work="$(mktemp -d "$cache/work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.chart-testware</groupId>
  <artifactId>elasticsearch-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.elasticsearch</groupId><artifactId>elasticsearch</artifactId><version>$ES_VERSION</version></dependency>
    <dependency><groupId>org.elasticsearch.plugin</groupId><artifactId>transport-netty4</artifactId><version>$ES_VERSION</version></dependency>
  </dependencies>
</project>
POM
log "fetching Elasticsearch $ES_VERSION jars with Maven (repository $cache/m2)"
if ! mvn -q -B -f "$work/pom.xml" -Dmaven.repo.local="$cache/m2" \
  "org.apache.maven.plugins:maven-dependency-plugin:${MAVEN_DEPENDENCY_PLUGIN:-3.8.1}:copy-dependencies" \
  -DoutputDirectory="$work/jars" >"$work/mvn.log" 2>&1; then
  # A failed lookup is cached by Maven: retry once with -U before giving up.
  mvn -q -B -U -f "$work/pom.xml" -Dmaven.repo.local="$cache/m2" \
    "org.apache.maven.plugins:maven-dependency-plugin:${MAVEN_DEPENDENCY_PLUGIN:-3.8.1}:copy-dependencies" \
    -DoutputDirectory="$work/jars" >"$work/mvn.log" 2>&1 || { cat "$work/mvn.log" >&2; die "mvn could not fetch the jars"; }
fi
if [ -n "$pin" ]; then
  (cd "$work/jars" && sha256sum -- *.jar) >"$def/jars.sha256"
  log "wrote $def/jars.sha256 ($(wc -l <"$def/jars.sha256") jars); run again without --pin"
  exit 0
fi
(cd "$work/jars" && sha256sum --quiet -c "$def/jars.sha256") >&2 ||
  die "the fetched jars differ from images/elasticsearch/jars.sha256 (a changed version needs --pin)"
[ "$(find "$work/jars" -name '*.jar' | wc -l)" = "$(wc -l <"$def/jars.sha256")" ] ||
  die "Maven fetched jars that images/elasticsearch/jars.sha256 does not list (a changed version needs --pin)"

out="$work/dist"
mkdir -p "$out/lib" "$out/modules/transport-netty4" "$out/modules/rest-root" "$out/launcher" "$out/plugins"
for jar in "$work/jars"/*.jar; do
  case "$(basename "$jar")" in
    transport-netty4-*.jar | netty-*.jar) cp "$jar" "$out/modules/transport-netty4/" ;;
    *) cp "$jar" "$out/lib/" ;;
  esac
done
unzip -q -p "$out/modules/transport-netty4/transport-netty4-$ES_VERSION.jar" \
  META-INF/es-plugins/transport-netty4/plugin-descriptor.properties >"$out/modules/transport-netty4/plugin-descriptor.properties"

# Fixed jar entry times: the same sources give the same bytes, so the image hash stays put.
mkdir -p "$work/classes/launcher" "$work/classes/rest-root"
javac --release 17 -nowarn -d "$work/classes/rest-root" -cp "$out/lib/*" "$def/rest-root/RestRootPlugin.java" >&2
jar --create --date 2026-01-01T00:00:00Z --file "$out/modules/rest-root/rest-root.jar" -C "$work/classes/rest-root" .
cat >"$out/modules/rest-root/plugin-descriptor.properties" <<PROPS
description=GET / and HEAD / (chart-testware; the distribution's rest-root module is not on Maven Central)
version=$ES_VERSION
name=rest-root
classname=dev.charttestware.elasticsearch.restroot.RestRootPlugin
java.version=17
elasticsearch.version=$ES_VERSION
PROPS
javac --release 17 -nowarn -d "$work/classes/launcher" -cp "$out/lib/*" "$def/launcher/Launcher.java" >&2
jar --create --date 2026-01-01T00:00:00Z --file "$out/launcher/launcher.jar" -C "$work/classes/launcher" .
cp -r "$def/config" "$def/bin" "$out/"
chmod -R a+rX,go-w "$out"
touch "$out/.complete"
rm -rf "$dist"
mv "$out" "$dist"
for old in "$cache"/dist-*; do [ "$old" = "$dist" ] || rm -rf "$old"; done
link
log "assembled $dist in $((SECONDS - started)) s"
echo "$dist"
