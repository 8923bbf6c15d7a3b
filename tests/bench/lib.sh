# tests/bench/lib.sh: shared by the benchmarks. Starts a private serve and
# a private config directory; cleans up on exit.

CHATCTL=${CHATCTL:-build/chatctl}
CHATCTL=$(cd "$(dirname "$CHATCTL")" && pwd)/$(basename "$CHATCTL")
BENCH_DIR=$(mktemp -d)
export CHATCTL_CONFIG_DIR=$BENCH_DIR/config
SERVE_PID=

bench_cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$BENCH_DIR"
}
trap bench_cleanup EXIT INT TERM

# bench_serve [options]: start serve with the test hooks on a free port.
bench_serve() {
	"$CHATCTL" serve --listen 127.0.0.1:0 --test-hooks --seed tests/fixtures/seed.json "$@" \
		2>"$BENCH_DIR/serve.log" &
	SERVE_PID=$!
	i=0
	until grep -q 'listening on ' "$BENCH_DIR/serve.log"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$BENCH_DIR/serve.log" >&2; exit 1; }
		sleep 0.05
	done
	SERVER_URL=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$BENCH_DIR/serve.log")
	export CHATCTL_SERVER=$SERVER_URL
}

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
