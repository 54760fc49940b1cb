#!/bin/sh
# tangodb entrypoint: create the Tango database at the first start, then exec MariaDB as `mysqld` (PID 1).
#
# Environment:
#   MYSQL_PASSWORD       password of MYSQL_USER (required)
#   MYSQL_USER           account DataBaseds uses (default: tango), granted ALL on the tango schema
#   MYSQL_ROOT_PASSWORD  optional; without it root can only log in through the local socket
#   MYSQL_DATADIR        data directory (default: /var/lib/mysql)
# Extra arguments are passed to mysqld.
#
# Runs as root (the data directory is chowned to mysql, the server drops to mysql itself) or as mysql (uid 999)
# directly, e.g. with runAsUser 999 and an emptyDir/fsGroup volume.
set -eu

datadir="${MYSQL_DATADIR:-/var/lib/mysql}"
socket=/run/mysqld/mysqld.sock
user="${MYSQL_USER:-tango}"
marker="$datadir/.chart-testware-tango-initialised"
# The schema name is fixed: Tango's stored procedures refer to `tango.` explicitly.
database=tango

log() { echo "tangodb: $*" >&2; }

if [ -z "${MYSQL_PASSWORD:-}" ]; then
  log "MYSQL_PASSWORD is not set; give the database account a password (e.g. from a Secret)"
  exit 2
fi

user_arg=""
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$datadir" /run/mysqld
  chown -R mysql:mysql "$datadir" /run/mysqld   # hostPath volumes arrive owned by root
  user_arg="--user=mysql"
fi

sql_string() { printf "%s" "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g"; }

if [ ! -e "$marker" ]; then
  if [ -d "$datadir/mysql" ]; then
    # A first start that was interrupted before the marker: nothing of value yet, start over.
    log "found an incomplete initialisation in $datadir; starting it again"
    find "$datadir" -mindepth 1 -delete
  fi
  started=$(date +%s)
  log "initialising $datadir"
  # root starts password-less on the socket only (the temporary server has no TCP); locked down below.
  if ! mariadb-install-db $user_arg --datadir="$datadir" --skip-test-db --force \
      --auth-root-authentication-method=normal >/tmp/mariadb-install-db.log 2>&1; then
    cat /tmp/mariadb-install-db.log >&2
    log "mariadb-install-db failed (output above)"
    exit 1
  fi
  # Temporary server on the socket only: nobody can connect over TCP to a half-made database.
  mysqld $user_arg --datadir="$datadir" --socket="$socket" --skip-networking --skip-log-bin &
  pid=$!
  i=0
  until mariadb --socket="$socket" -uroot -e 'SELECT 1' >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
      log "temporary server did not come up"
      exit 1
    fi
    sleep 0.1
  done
  unset MYSQL_PWD
  password="$(sql_string "$MYSQL_PASSWORD")"
  mariadb --socket="$socket" -uroot -e "CREATE DATABASE IF NOT EXISTS \`$database\`;"
  # Debian's own install script (what dbconfig-common would run): tables, stored procedures, sys/tg_test/1.
  mariadb --socket="$socket" -uroot "$database" < /usr/share/dbconfig-common/data/tango-db/install/mysql
  {
    echo "CREATE USER '$(sql_string "$user")'@'%' IDENTIFIED BY '$password';"
    echo "GRANT ALL PRIVILEGES ON \`$database\`.* TO '$(sql_string "$user")'@'%';"
    if [ -n "${MYSQL_ROOT_PASSWORD:-}" ]; then
      echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('$(sql_string "$MYSQL_ROOT_PASSWORD")');"
    else
      echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket;"
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$socket" -uroot
  kill "$pid"
  wait "$pid" || true
  touch "$marker"
  log "tango database ready in $(( $(date +%s) - started )) s"
fi

exec mysqld $user_arg --datadir="$datadir" --socket="$socket" --bind-address=0.0.0.0 --port=3306 "$@"
