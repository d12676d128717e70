#!/bin/sh
# deps.sh - make sure the Debian packages selfheal needs are installed.
# As root it runs apt-get; otherwise it prints the exact command and fails.
# usage: mk/deps.sh build|check|bench|demo
set -eu
want="gcc make pkg-config libpcre2-dev libcjson-dev libcurl4-openssl-dev libnats-dev"
case "$(dpkg --print-architecture 2>/dev/null || echo unknown)" in
amd64) want="$want libhyperscan-dev" ;;
esac
case "${1:-build}" in
check) want="$want mandoc perl python3 git nats-server clang libclang-rt-14-dev \
	jq systemd man-db procps" ;;
bench) want="$want ripgrep time nats-server" ;;
demo) want="$want python3" ;;
esac
command -v dpkg-query >/dev/null 2>&1 || {
	echo "deps: not a Debian system; install the equivalents of: $want" >&2
	exit 0
}
missing=
for p in $want; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || apt-get update
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >/dev/null || apt-get install -y $missing
else
	echo "deps: missing Debian packages; run:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
