#!/bin/sh
# tools/demo.sh: what `make demo` shows. Starts `chatctl serve` on a free
# port with the demo seed, logs two users in (in a throwaway config
# directory), and runs login, isfriend, apply, send and listen against it.
set -eu

CHATCTL=${CHATCTL:-build/chatctl}
dir=$(mktemp -d)
export CHATCTL_CONFIG_DIR="$dir/config"
serve_pid=
listen_pid=
cleanup() {
	[ -n "$listen_pid" ] && kill "$listen_pid" 2>/dev/null || true
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

"$CHATCTL" serve --listen 127.0.0.1:0 --seed tools/demo-seed.json 2>"$dir/serve.log" &
serve_pid=$!
i=0
until grep -q 'listening on ' "$dir/serve.log"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $serve_pid 2>/dev/null; then
		cat "$dir/serve.log" >&2
		echo "demo: serve did not start" >&2
		exit 1
	fi
	sleep 0.05
done
CHATCTL_SERVER=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$dir/serve.log")
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
i=0
until grep -q 'offline messages requested' "$dir/listen.err"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$dir/listen.err" >&2; exit 1; }
	sleep 0.05
done
printf 'hello bob, from a pipe\n' | run "$CHATCTL" -p alice send 2 --jq '"sent message \(.id)"' -r
wait $listen_pid || true
listen_pid=
echo "bob's listen printed:"
cat "$dir/listen.out"
echo
echo "demo done: see README.md for more."
