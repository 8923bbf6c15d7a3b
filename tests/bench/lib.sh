# tests/bench/lib.sh: shared by the benchmarks. Starts a private serve and
# a private config directory; cleans up on exit. Sourced from the top of
# the source tree, as the benchmarks cd there.

. tests/lib.sh

CHATCTL=${CHATCTL:-build/chatctl}
CHATCTL=$(cd "$(dirname "$CHATCTL")" && pwd)/$(basename "$CHATCTL")
BENCH_DIR=$(mktemp -d)
export CHATCTL_CONFIG_DIR=$BENCH_DIR/config
# Mailboxes too: never the user's own.
export XDG_STATE_HOME=$BENCH_DIR/state
SERVE_PID=

bench_cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$BENCH_DIR"
}
trap bench_cleanup EXIT INT TERM

# bench_serve [options]: start serve with the test hooks on a free port.
bench_serve() {
	serve_start "$BENCH_DIR/serve.log" --test-hooks --seed tests/fixtures/seed.json "$@" || exit 1
	export CHATCTL_SERVER=$SERVER_URL
}

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
