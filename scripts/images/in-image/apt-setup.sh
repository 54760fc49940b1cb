#!/bin/sh
# Prepare apt inside an image build (chroot here, a RUN step under docker/podman):
# no daemons started by postinsts, no recommends, no docs/man/locales installed, debconf preseeded.
# Usage: sh apt-setup.sh [DEBCONF_SEEDS_FILE]
set -eu
export DEBIAN_FRONTEND=noninteractive

# invoke-rc.d consults policy-rc.d: 101 = "action forbidden", so postinsts never start services.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d

cat > /etc/apt/apt.conf.d/90chart-testware <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Dpkg::Use-Pty "0";
quiet "1";
CONF

cat > /etc/dpkg/dpkg.cfg.d/90chart-testware-excludes <<'CONF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/linda/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
CONF

echo 'debconf debconf/frontend select Noninteractive' | debconf-set-selections
if [ "${1:-}" ] && [ -s "$1" ]; then
  debconf-set-selections "$1"
fi

apt-get update
