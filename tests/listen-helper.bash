# tests/listen-helper.bash: what the listen suites share (listen.bats,
# listen-mailbox.bats): a background listen, its readiness and its end.
# OUT and ERR are set by the suite's setup.

# listen_bg PROFILE [listen options...]: listen in the background, -v on stderr.
listen_bg() {
	local p=$1
	shift
	"$CHATCTL" -p "$p" -v listen "$@" >"$OUT" 2>"$ERR" 3>&- &
	LISTEN_PID=$!
}

# ready [N]: the N-th (re)connection has asked for its offline messages.
ready() { wait_for -p "$LISTEN_PID" "$ERR" "offline messages requested" "${1:-1}"; }

# listen_wait [SECS]: wait (at most SECS, default 20) for the background
# listen; its status in LISTEN_RC. One that outlives SECS is killed and the
# test fails: a regression must not hang the suite.
# (Not in $(...): a subshell cannot wait for its parent's child.)
listen_wait() {
	if ! wait_until -t "${1:-20}" -m "listen (pid $LISTEN_PID) to exit" \
		eval '! kill -0 "$LISTEN_PID" 2>/dev/null'; then
		kill -9 "$LISTEN_PID" 2>/dev/null
		LISTEN_PID=
		return 1
	fi
	LISTEN_RC=0
	wait "$LISTEN_PID" || LISTEN_RC=$?
	LISTEN_PID=
}

inject() { # USER KIND BODY [extra query]
	curl -ksS -X POST --data-binary "$3" "$SERVER_URL/__test/inject?user=$1&kind=$2${4:+&$4}" >/dev/null
}

stat() { curl -ksS "$SERVER_URL/__test/stats" | jq -r "$1"; }

send_as() { # PROFILE TO TEXT...
	local p=$1
	shift
	"$CHATCTL" -p "$p" send --jq .id -r "$@"
}
