# tests/helper.bash: loaded by every bats file.
# Each test gets its own config directory, HOME and `chatctl serve` on a free
# port (started by start_server, stopped by teardown), so tests never touch
# the real $HOME and never share state.

bats_load_library bats-support
bats_load_library bats-assert
# wait_until, wait_for, serve_start
source "$BATS_TEST_DIRNAME/lib.sh"

CHATCTL=${CHATCTL:-$BATS_TEST_DIRNAME/../build/chatctl}
CHATCTL_BIN_DIR=${CHATCTL_BIN_DIR:-$(dirname "$CHATCTL")/bin}
CHATCTL_TOOLS_DIR=${CHATCTL_TOOLS_DIR:-$(dirname "$CHATCTL")/tests/tools}
FIXTURES=$BATS_TEST_DIRNAME/fixtures
export PATH="$CHATCTL_BIN_DIR:$PATH"

common_setup() {
	export HOME=$BATS_TEST_TMPDIR/home
	export XDG_CONFIG_HOME=$HOME/.config XDG_STATE_HOME=$HOME/.local/state
	export CHATCTL_CONFIG_DIR=$BATS_TEST_TMPDIR/config
	unset CHATCTL_SERVER CHATCTL_PROFILE CHATCTL_TOKEN CHATCTL_PASSWORD
	mkdir -p "$HOME"
}

# start_server [serve options...]: serve_start (tests/lib.sh) with the test
# hooks and the test seed; export the URL.
start_server() {
	serve_start "$BATS_TEST_TMPDIR/serve.log" --test-hooks \
		--seed "${SEED:-$FIXTURES/seed.json}" "$@" || return 1
	export SERVER_URL CHATCTL_SERVER=$SERVER_URL
}

stop_server() {
	if [ -n "${SERVE_PID:-}" ]; then
		kill "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
		SERVE_PID=
	fi
}

common_teardown() {
	stop_server
	[ -n "${BLACKHOLE_PID:-}" ] && kill "$BLACKHOLE_PID" 2>/dev/null
	true
}

# start_tls_server [serve options...]: a throwaway self-signed certificate
# for 127.0.0.1 in $BATS_TEST_TMPDIR (CERT, KEY), and serve over TLS with it.
start_tls_server() {
	CERT=$BATS_TEST_TMPDIR/cert.pem KEY=$BATS_TEST_TMPDIR/key.pem
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -days 1 \
		-keyout "$KEY" -out "$CERT" 2>/dev/null
	start_server --tls-cert "$CERT" --tls-key "$KEY" "$@"
}

# start_blackhole [accept]: a local port where connect() hangs, or with
# "accept" one that accepts and never says a word (tests/tools/blackhole);
# BLACKHOLE_URL. The test's teardown kills it.
start_blackhole() {
	"$CHATCTL_TOOLS_DIR/blackhole" "$@" >"$BATS_TEST_TMPDIR/blackhole.out" 3>&- &
	BLACKHOLE_PID=$!
	wait_for -p "$BLACKHOLE_PID" "$BATS_TEST_TMPDIR/blackhole.out" 'listening on' || return 1
	BLACKHOLE_URL=http://127.0.0.1:$(sed -n 's/listening on //p' "$BATS_TEST_TMPDIR/blackhole.out")
}

# hook NAME [query]: call a /__test/ endpoint of the running serve.
hook() {
	curl -ksS -X POST "$SERVER_URL/__test/$1${2:+?$2}"
}

# api METHOD PATH [curl args...]: a raw REST call, printing status then body.
api() {
	local method=$1 path=$2
	shift 2
	curl -ksS -X "$method" -w '\n%{http_code}\n' "$@" "$SERVER_URL$path"
}

# login_as USER [PROFILE]: log USER in (password 123456) under PROFILE.
login_as() {
	echo 123456 | "$CHATCTL" -p "${2:-default}" login --username "$1" --password-stdin >/dev/null
}
