#!/usr/bin/env bash
# Creates the unprivileged users that rootless tests run as (run as root; idempotent):
#   layerfs-tester   has a subordinate uid/gid range (full user-namespace mapping)
#   layerfs-nosubid  has none (single mapping of the user to root)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "test-users.sh: run as root" >&2; exit 1; }
for user in layerfs-tester layerfs-nosubid; do
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
done
# useradd gives new users a range; make sure the first has one and the second has none.
grep -q '^layerfs-tester:' /etc/subuid || usermod --add-subuids 300000-365535 layerfs-tester
grep -q '^layerfs-tester:' /etc/subgid || usermod --add-subgids 300000-365535 layerfs-tester
sed -i '/^layerfs-nosubid:/d' /etc/subuid /etc/subgid
