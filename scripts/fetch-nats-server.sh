#!/usr/bin/env bash
# Fetch nats-server 2.10 (auth callout needs 2.10 or later; Debian bookworm ships 2.9.10) from
# Debian trixie into .cache/nats-server/, without touching the system's apt sources: a private
# sources list, package lists and cache under a temporary folder, `apt-get download`, then
# `dpkg-deb -x`. The package is a static Go binary, so it runs on bookworm as it is.
# Prints the binary's path on the last line. Idempotent: an existing 2.10+ binary is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=".cache/nats-server"
bin="$dest/nats-server"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -Eq 'v2\.(1[0-9]|[2-9][0-9])\.'; then
  echo "$PWD/$bin"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$dest"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  >"$work/sources.list"
opts=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
apt-get "${opts[@]}" -qq update >&2
(cd "$work" && apt-get "${opts[@]}" -qq download nats-server >&2)
dpkg-deb -x "$work"/nats-server_*.deb "$work/x"
install -m 0755 "$work/x/usr/sbin/nats-server" "$bin"
"$bin" --version >&2
echo "$PWD/$bin"
