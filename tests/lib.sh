# tests/lib.sh: the bounded wait and the serve start-up, written once.
# Sourced by tests/helper.bash (so every bats file), tests/bench/lib.sh,
# tools/demo.sh and the serve wrapper that tests/docs.bats generates.
# POSIX sh, since tools/demo.sh runs under /bin/sh: no `local`, so each
# function's variables carry its own prefix (_wu_, _wf_, _ss_).

# wait_until [-t SECS] [-p PID] [-m WHAT] COMMAND [ARGS...]: run COMMAND
# every 0.05 s until it succeeds, then return 0. Return 1, saying why on
# stderr, once SECS seconds (a whole number, default 5) of polling have
# passed, or at once when process PID (the one expected to make COMMAND
# true; '' for none) has exited. WHAT names what is awaited in the message
# (default: COMMAND).
wait_until() {
	_wu_t=5 _wu_pid='' _wu_what=''
	while [ $# -gt 0 ]; do
		case $1 in
		-t) _wu_t=$2; shift 2 ;;
		-p) _wu_pid=$2; shift 2 ;;
		-m) _wu_what=$2; shift 2 ;;
		*) break ;;
		esac
	done
	_wu_what=${_wu_what:-$*}
	_wu_i=0
	while :; do
		# Look at PID before COMMAND: a process that does its part and
		# then exits must not count as having died first.
		_wu_dead=
		if [ -n "$_wu_pid" ] && ! kill -0 "$_wu_pid" 2>/dev/null; then
			_wu_dead=1
		fi
		if "$@"; then
			return 0
		fi
		if [ -n "$_wu_dead" ]; then
			echo "process $_wu_pid exited while waiting for $_wu_what" >&2
			return 1
		fi
		if [ "$_wu_i" -ge $((_wu_t * 20)) ]; then
			echo "timed out after $_wu_t s waiting for $_wu_what" >&2
			return 1
		fi
		_wu_i=$((_wu_i + 1))
		sleep 0.05
	done
}

# lines_match FILE PATTERN [N]: at least N (default 1) lines of FILE match
# PATTERN (grep's basic regular expression). A missing FILE has none.
lines_match() {
	_lm_n=$(grep -c -- "$2" "$1" 2>/dev/null) || :
	[ "${_lm_n:-0}" -ge "${3:-1}" ]
}

# wait_for [-t SECS] [-p PID] FILE PATTERN [N]: wait_until N lines of FILE
# match PATTERN; on failure FILE is shown too.
wait_for() {
	_wf_t=5 _wf_pid=''
	while [ $# -gt 0 ]; do
		case $1 in
		-t) _wf_t=$2; shift 2 ;;
		-p) _wf_pid=$2; shift 2 ;;
		*) break ;;
		esac
	done
	wait_until -t "$_wf_t" -p "$_wf_pid" -m "${3:-1} x '$2' in $1" lines_match "$1" "$2" "${3:-1}" && return 0
	if [ -e "$1" ]; then
		echo "$1 holds:" >&2
		cat "$1" >&2
	fi
	return 1
}

# serve_start LOG [serve options...]: start `$CHATCTL serve --listen
# 127.0.0.1:0 OPTIONS` in the background (a later --listen in OPTIONS wins),
# its stderr in LOG and fd 3 closed (bats waits for whatever holds it open);
# wait (bounded) for its "listening on URL" line. Sets SERVE_PID, which the
# caller kills when done (also after a failure), and SERVER_URL. Returns 1,
# showing LOG, if serve exits or says nothing for 5 s.
serve_start() {
	_ss_log=$1
	shift
	SERVER_URL=
	"$CHATCTL" serve --listen 127.0.0.1:0 "$@" 2>"$_ss_log" 3>&- &
	SERVE_PID=$!
	if ! wait_for -p "$SERVE_PID" "$_ss_log" 'listening on '; then
		echo "serve did not start" >&2
		return 1
	fi
	# shellcheck disable=SC2034 # for the caller
	SERVER_URL=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$_ss_log" | head -n 1)
}
