#!/bin/sh
# sshd entrypoint: fresh host keys, authorized keys from the environment and mounted files, sshd in foreground.
#   SSH_AUTHORIZED_KEYS   public key lines for user tester
#   /etc/ssh/authorized-keys.d/*   more public key files (mount a Secret here)
#   SSH_ROOT_KEYS=yes     also accept the same keys for root
#   SSH_PORT              port to listen on (default 22)
#   SSH_PASSWORD          also allow password login for tester, with this password
set -eu
ssh-keygen -A >/dev/null
keys="$(mktemp)"
if [ -n "${SSH_AUTHORIZED_KEYS:-}" ]; then printf '%s\n' "$SSH_AUTHORIZED_KEYS" >> "$keys"; fi
for f in /etc/ssh/authorized-keys.d/*; do
  if [ -f "$f" ]; then { cat "$f"; echo; } >> "$keys"; fi
done
if ! grep -q '^[a-z]' "$keys" && [ -z "${SSH_PASSWORD:-}" ]; then
  echo "sshd: no public key given (SSH_AUTHORIZED_KEYS or /etc/ssh/authorized-keys.d/*) and no SSH_PASSWORD: nobody can log in" >&2
fi
install_keys() {
  home="$1"; owner="$2"
  install -d -m 0700 -o "$owner" -g "$owner" "$home/.ssh"
  install -m 0600 -o "$owner" -g "$owner" "$keys" "$home/.ssh/authorized_keys"
}
install_keys /home/tester tester
if [ "${SSH_ROOT_KEYS:-}" = yes ]; then install_keys /root root; fi
rm -f "$keys"
set --
if [ -n "${SSH_PASSWORD:-}" ]; then
  printf 'tester:%s\n' "$SSH_PASSWORD" | chpasswd
  # command-line options win over sshd_config.d, where password login is off
  set -- -o PasswordAuthentication=yes
fi
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e -p "${SSH_PORT:-22}" "$@"
