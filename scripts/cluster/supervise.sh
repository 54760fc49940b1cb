#!/usr/bin/env bash
# Supervises one component of the local cluster (there is no systemd here):
#
#   supervise.sh NAME RUN_DIR LOG_FILE -- COMMAND [ARG...]
#
# Runs COMMAND with its output appended to LOG_FILE, records its pid in RUN_DIR/NAME.child.pid, and restarts it
# when it exits (kube-controller-manager exits once when it starts before the API server's RBAC bootstrap), with
# a growing pause between quick restarts. SIGTERM/SIGINT stop the child (SIGTERM, then SIGKILL after 20 s) and
# end the supervisor. cluster.sh starts it with setsid; it records its own pid in RUN_DIR/NAME.pid.
set -uo pipefail

# The body is one compound command, read whole before it runs: editing this file cannot upset a running
# supervisor.
{
name="$1" run="$2" logfile="$3"
shift 3
[ "${1:-}" = "--" ] && shift

echo "$$" > "$run/$name.pid"
child=""
last_child=""
stopping=""
# shellcheck disable=SC2329  # invoked by the trap below
stop() {
  stopping=1
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
}
trap stop TERM INT

note() { echo "[supervise $(date -u +%FT%TZ)] $name: $*" >> "$logfile"; }

pause=1
while [ -z "$stopping" ]; do
  started=$(date +%s)
  "$@" >> "$logfile" 2>&1 < /dev/null &
  child=$!
  echo "$child" > "$run/$name.child.pid"
  note "started pid $child"
  # wait returns early when a trapped signal arrives: keep waiting until the child is really gone
  rc=0
  waited=0
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    rc=$?
    if [ -n "$stopping" ] && kill -0 "$child" 2>/dev/null; then
      sleep 0.2
      waited=$((waited + 1))
      [ "$waited" -ge 100 ] && kill -KILL "$child" 2>/dev/null
    fi
  done
  last_child="$child"
  child=""  # gone: never signal a pid that may be reused
  [ -n "$stopping" ] && break
  if [ $(($(date +%s) - started)) -gt 60 ]; then pause=1; fi
  note "exited with status $rc; restarting in ${pause}s"
  sleep "$pause" &
  wait $! || true
  [ "$pause" -lt 16 ] && pause=$((pause * 2))
done
note "stopped"
# only our own pid files: a new supervisor of the same name may already have replaced them
[ "$(cat "$run/$name.child.pid" 2>/dev/null)" = "$last_child" ] && rm -f "$run/$name.child.pid"
[ "$(cat "$run/$name.pid" 2>/dev/null)" = "$$" ] && rm -f "$run/$name.pid"
exit 0
}
