#!/bin/sh
# tests/valgrind.sh: the one-shot commands and listen --count against a
# chatctl serve, every process under valgrind's memcheck. Fails on any
# memory error and on any byte definitely or indirectly lost; prints one
# line per process with its figures. `make valgrind` runs it.
#
#   CHATCTL=build/chatctl [KEEP=1] sh tests/valgrind.sh
#
# Some 20 s (memcheck makes each command twenty times slower), so make
# check runs it, after the suite, on the plain build. KEEP=1 leaves the
# temporary directory, with every report in logs/, behind.
# tests/valgrind.supp holds the suppressions, each with its reason.
set -u

here=$(cd "$(dirname "$0")" && pwd)
CHATCTL=${CHATCTL:-$here/../build/chatctl}
# wait_until, wait_for
. "$here/lib.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/chatctl-valgrind.XXXXXX")
SERVE_PID=
LISTEN_PID=
cleanup() {
	[ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

export HOME="$dir/home" CHATCTL_CONFIG_DIR="$dir/config"
export XDG_CONFIG_HOME="$dir/home/.config" XDG_STATE_HOME="$dir/home/.local/state"
unset CHATCTL_PROFILE CHATCTL_TOKEN CHATCTL_PASSWORD
mkdir -p "$HOME" "$dir/logs"
failed=0

# memcheck NAME ARGS...: become chatctl ARGS under memcheck (one process:
# its pid is the command's), the report in logs/NAME.
memcheck() {
	_mc_name=$1
	shift
	exec valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --num-callers=30 \
		--suppressions="$here/valgrind.supp" --log-file="$dir/logs/$_mc_name" \
		"$CHATCTL" "$@"
}

# vg NAME EXPECTED_STATUS ARGS...: memcheck NAME ARGS in a subshell; a
# status other than EXPECTED_STATUS fails the run.
vg() {
	_vg_name=$1 _vg_want=$2
	shift 2
	(memcheck "$_vg_name" "$@")
	_vg_rc=$?
	if [ "$_vg_rc" != "$_vg_want" ]; then
		echo "valgrind.sh: $_vg_name exited $_vg_rc, not $_vg_want" >&2
		failed=1
	fi
}

# Serve under memcheck too: every feature the commands below touch, plus
# pings, the connect burst's tips (on by default) and the state file.
(memcheck serve serve --listen 127.0.0.1:0 --seed "$here/fixtures/seed.json" --state "$dir/state.json" \
	--test-hooks --ping-interval 0.5) 2>"$dir/serve.err" 3>&- &
SERVE_PID=$!
wait_for -t 60 -p "$SERVE_PID" "$dir/serve.err" 'listening on ' || exit 1
CHATCTL_SERVER=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$dir/serve.err" | head -n 1)
export CHATCTL_SERVER

echo 123456 | vg login 0 login --username alice01 --password-stdin >/dev/null
echo 123456 | vg login-bob 0 -p bob login --username bob001 --password-stdin >/dev/null
vg whoami 0 whoami >/dev/null
vg isfriend 0 isfriend 2 >/dev/null
vg apply-list 0 apply list >/dev/null
vg apply-accept 0 apply accept 1 --nickname carol >/dev/null
vg apply 0 apply 5 --message 'hello erin' >/dev/null
vg friends 0 friends >/dev/null
vg user-search 0 user search 01 --jq .id >/dev/null
vg isfriend-name 0 isfriend @bob001 >/dev/null
vg isfriend-nobody 1 -q isfriend @nobody 2>/dev/null

# bob listens for three messages; alice sends them once he is connected.
(memcheck listen -p bob -v listen --count 3 --timeout 120 --jq 'select(kind == "message") | [sender, text]' -c) >"$dir/listen.out" 2>"$dir/listen.err" 3>&- &
LISTEN_PID=$!
wait_for -t 60 -p "$LISTEN_PID" "$dir/listen.err" 'offline messages requested' || exit 1
vg send 0 send 2 'one' >/dev/null
printf '%s\n' two three | vg send-lines 0 send --lines 2 >/dev/null
vg send-group 0 send --group 1 'to the team' >/dev/null
wait_until -t 120 -m "listen (pid $LISTEN_PID) to exit" sh -c "! kill -0 $LISTEN_PID 2>/dev/null" || exit 1
wait "$LISTEN_PID"
rc=$?
LISTEN_PID=
[ "$rc" = 0 ] || { echo "valgrind.sh: listen exited $rc" >&2; cat "$dir/listen.err" >&2; failed=1; }
[ "$(wc -l <"$dir/listen.out")" = 3 ] || { echo "valgrind.sh: listen printed:" >&2; cat "$dir/listen.out" >&2; failed=1; }

# serve's own paths for a body (carol, whose token nothing else uses):
# chunked, and chunked past the cap
for want in 200:32 413:200000; do
	code=$(head -c "${want#*:}" /dev/zero | tr '\0' 1 | sed 's/^1*/username=carol01\&password=123456\&x=&/' |
		curl -sS -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @- \
		"$CHATCTL_SERVER/api/loginChat")
	[ "$code" = "${want%:*}" ] || { echo "valgrind.sh: a chunked body got $code, not ${want%:*}" >&2; failed=1; }
done

vg history 0 history --with 2 >/dev/null
vg history-bob 0 -p bob history --with @Alice-remark --jq 'reply_to' >/dev/null
vg logout 0 logout >/dev/null

kill "$SERVE_PID"
wait "$SERVE_PID"
rc=$?
SERVE_PID=
[ "$rc" = 0 ] || { echo "valgrind.sh: serve exited $rc" >&2; cat "$dir/serve.err" >&2; failed=1; }

# One line per process: errors, then the bytes definitely and indirectly
# lost (memcheck prints no leak lines when nothing leaked).
for log in "$dir"/logs/*; do
	name=${log##*/}
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d ,)
	definitely=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d ,)
	indirectly=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d ,)
	printf '%-13s errors %s definitely lost %s indirectly lost %s\n' "$name" "${errors:-?}" \
		"${definitely:-0}" "${indirectly:-0}"
	if [ "${errors:-1}" != 0 ] || [ "${definitely:-0}" != 0 ] || [ "${indirectly:-0}" != 0 ]; then
		cat "$log" >&2
		failed=1
	fi
done
[ "$failed" = 0 ] && echo "valgrind.sh: no errors, nothing lost"
exit "$failed"
