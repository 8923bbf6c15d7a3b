#!/bin/sh
# tools/demo.sh: what `make demo` shows. Starts `chatctl serve` on a free
# port with the demo seed, logs two users in (in a throwaway config
# directory), and runs login, isfriend, apply, send and listen against it.
# Run from the top of the source tree, as `make demo` does (tests/lib.sh and
# the seed are found from there).
set -eu
. tests/lib.sh

CHATCTL=${CHATCTL:-build/chatctl}
dir=$(mktemp -d)
export CHATCTL_CONFIG_DIR="$dir/config"
SERVE_PID=
listen_pid=
cleanup() {
	[ -n "$listen_pid" ] && kill "$listen_pid" 2>/dev/null || true
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

serve_start "$dir/serve.log" --seed tools/demo-seed.json || exit 1
CHATCTL_SERVER=$SERVER_URL
export CHATCTL_SERVER
echo "chatctl serve is listening on $CHATCTL_SERVER (users alice01, bob001, carol01; password 123456)"

echo 123456 | run "$CHATCTL" -p alice login --username alice01 --password-stdin --jq '{id, username, nickname}'
echo 123456 | run "$CHATCTL" -p bob login --username bob001 --password-stdin --print-token >/dev/null
run "$CHATCTL" -p alice whoami --jq '{id, username}'
run "$CHATCTL" -p bob isfriend 1 --jq '"bob and alice are friends; bob calls her \(.nickname)"' -r
run "$CHATCTL" -p alice isfriend 3 || echo "(exit $?: carol is not a friend yet)"
run "$CHATCTL" -p alice apply 3 --message "hi carol, it's alice"

printf '\n$ %s\n' "$CHATCTL -p bob listen --count 1 &   # bob waits for one message"
"$CHATCTL" -p bob -v listen --count 1 >"$dir/listen.out" 2>"$dir/listen.err" &
listen_pid=$!
wait_for -p "$listen_pid" "$dir/listen.err" 'offline messages requested' || exit 1
printf 'hello bob, from a pipe\n' | run "$CHATCTL" -p alice send --jq '"sent message \(.id)"' -r 2
wait $listen_pid || true
listen_pid=
echo "bob's listen printed:"
cat "$dir/listen.out"
echo
echo "demo done: see README.md for more."
