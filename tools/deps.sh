#!/bin/sh
# tools/deps.sh [--print] PURPOSE...: make sure the Debian packages that
# PURPOSE (build, check, bench, fuzz) needs are installed. As root it
# installs the missing ones; otherwise it prints the exact apt-get line and
# fails. fuzz: clang (clang-14 on Debian 12) and its libFuzzer runtime.
set -eu

print_only=0
if [ "${1:-}" = "--print" ]; then
	print_only=1
	shift
fi

pkgs=""
for purpose in "$@"; do
	case $purpose in
	build) pkgs="$pkgs gcc make pkg-config libc6-dev libssl-dev libwebsockets-dev libjq-dev libonig-dev libsqlite3-dev scdoc" ;;
	check) pkgs="$pkgs bats bats-support bats-assert curl libcurl4-openssl-dev jq openssl procps zsh fish man-db bash-completion valgrind sqlite3" ;;
	bench) pkgs="$pkgs hyperfine curl jq bc nodejs node-ws procps" ;;
	fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
	*) echo "tools/deps.sh: unknown purpose '$purpose'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	case " $missing " in *" $p "*) continue ;; esac
	status=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done

if [ $print_only = 1 ]; then
	echo "apt-get install -y$missing"
	exit 0
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || apt-get update
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null || \
		apt-get install -y --no-install-recommends $missing
else
	echo "chatctl: missing Debian packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
