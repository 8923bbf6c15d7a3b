#!/usr/bin/env bats
# chatctl listen: the stream, against serve and its /__test/ hooks.
bats_require_minimum_version 1.5.0
load helper
load listen-helper

setup() {
	common_setup
	start_server
	login_as alice01 alice
	login_as bob001 bob
	OUT=$BATS_TEST_TMPDIR/out
	ERR=$BATS_TEST_TMPDIR/err
	LISTEN_PID=
}

teardown() {
	[ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null
	[ -n "${PROXY_PID:-}" ] && kill "$PROXY_PID" 2>/dev/null
	common_teardown
}


@test "a sent message is printed within 1 s, byte for byte, one compact line" {
	listen_bg bob
	ready
	id=$(send_as alice 2 hello bob)
	wait_for "$OUT" "$id"
	run jq -r '.type, .data.id, .data.from_id, (.data.data | fromjson | .data)' "$OUT"
	assert_output "singleChat
$id
1
hello bob"
	[ "$(wc -l <"$OUT")" -eq 1 ]
	kill -TERM "$LISTEN_PID"
	listen_wait
	[ "$LISTEN_RC" = 0 ]
}

@test "messages that arrived while offline are printed once, in order, after connect" {
	a=$(send_as alice 2 first)
	b=$(send_as alice 2 second)
	run -0 --separate-stderr "$CHATCTL" -p bob listen --count 2 --timeout 5
	run jq -r .data.id <<<"$output"
	assert_output "$a
$b"
	# the queue is empty now: a second listen gets nothing
	run -0 "$CHATCTL" -p bob listen --idle 1
	assert_output ""
}

@test "--no-offline leaves them queued" {
	send_as alice 2 queued >/dev/null
	run -0 "$CHATCTL" -p bob listen --no-offline --idle 1
	assert_output ""
	run -0 "$CHATCTL" -p bob listen --count 1 --timeout 5 --jq '.data.data | fromjson | .data' -r
	assert_output queued
}

@test "after an abrupt drop it reconnects, and what was sent meanwhile arrives once" {
	listen_bg bob
	ready
	a=$(send_as alice 2 before)
	wait_for "$OUT" "$a"
	curl -ksS -X POST "$SERVER_URL/__test/drop?user=2" >/dev/null
	wait_for "$ERR" "reconnecting in"
	b=$(send_as alice 2 during)
	ready 2
	wait_for "$OUT" "$b"
	c=$(send_as alice 2 after)
	wait_for "$OUT" "$c"
	[ "$(grep -c "$a" "$OUT")" = 1 ]
	[ "$(grep -c "$b" "$OUT")" = 1 ]
	[ "$(wc -l <"$OUT")" = 3 ]
	[ "$(stat .data.ws_connects)" = 2 ]
}

@test "it survives a serve restart; messages sent meanwhile arrive once" {
	stop_server
	start_server --state "$BATS_TEST_TMPDIR/state.json"
	login_as alice01 alice
	login_as bob001 bob
	port=${SERVER_URL##*:}
	listen_bg bob --backoff-max 1
	ready
	a=$(send_as alice 2 before)
	wait_for "$OUT" "$a"
	kill -KILL "$SERVE_PID"
	wait "$SERVE_PID" 2>/dev/null || true
	wait_for "$ERR" "reconnecting in"
	serve_start "$BATS_TEST_TMPDIR/serve-again.log" --listen "127.0.0.1:$port" --test-hooks \
		--state "$BATS_TEST_TMPDIR/state.json"
	b=$(send_as alice 2 meanwhile)
	ready 2
	wait_for "$OUT" "$b"
	[ "$(grep -c "$a" "$OUT")" = 1 ]
	[ "$(grep -c "$b" "$OUT")" = 1 ]
}

@test "a rejected token exits 3 at once: one connection, no reconnect storm" {
	CHATCTL_TOKEN=not-a-token run -3 --separate-stderr "$CHATCTL" listen --timeout 10
	assert_output ""
	assert_equal "$stderr" "chatctl: listen: the server refused the connection: Token 不合法 (token refused); the token came from CHATCTL_TOKEN, which wins over any login: set a valid token there, or unset it to use the login of profile 'default'"
	[ "$(stat .data.ws_connects)" = 1 ]
}

@test "a refused stored token names the login that mends it" {
	login_as bob001 bot
	jq '.token = "forged"' "$CHATCTL_CONFIG_DIR/profiles/bot.json" >"$BATS_TEST_TMPDIR/bot.json"
	cat "$BATS_TEST_TMPDIR/bot.json" >"$CHATCTL_CONFIG_DIR/profiles/bot.json"
	run -3 --separate-stderr "$CHATCTL" -p bot listen --timeout 10
	assert_equal "$stderr" "chatctl: listen: the server refused the connection: Token 不合法 (token refused); log in again with 'chatctl -p bot -s $SERVER_URL login'"
}

@test "a force_logout frame exits 3 without reconnecting" {
	stop_server
	start_server --force-logout
	login_as bob001 bob
	listen_bg bob
	ready
	# another device: its own state, so no mailbox lock to follow
	XDG_STATE_HOME=$BATS_TEST_TMPDIR/elsewhere run -0 --separate-stderr "$CHATCTL" -p bob listen --timeout 1
	listen_wait
	[ "$LISTEN_RC" = 3 ]
	grep -qF "session taken over by another login: 你的账号在其他设备登录 (your account logged in on another device)" "$ERR"
	[ "$(stat .data.ws_connects)" = 2 ]
}

@test "a takeover seen by the offline fetch (400 Token 令牌不合法！) exits 3" {
	listen_bg bob
	ready
	login_as bob001 bob-elsewhere
	curl -ksS -X POST "$SERVER_URL/__test/drop?user=2" >/dev/null
	listen_wait
	[ "$LISTEN_RC" = 3 ]
	grep -q "token rejected while fetching offline messages" "$ERR"
	[ "$(stat .data.ws_connects)" = 2 ]
}

@test "bad frames are reported on stderr and skipped; the stream goes on" {
	listen_bg bob --max-frame 1000
	ready
	inject 2 text 'hello, not json'
	inject 2 binary '{"type":"singleChat","data":{"id":"bin"}}'
	inject 2 oversized '' 'size=5000'
	inject 2 text '{"type":"singleChat","data":{"id":"multi"},
"note":"raw newline between tokens"}'
	inject 2 fragmented '{"type":"singleChat","data":{"id":"frag","data":"in three pieces"}}' 'fragments=3'
	inject 2 text '{"type":"singleChat","data":{"id":"big","n":12345678901234567890123}}'
	wait_for "$OUT" '"id":"big"'
	wait_for "$ERR" "skipped a frame that is not JSON (unexpected character at byte 0): hello, not json"
	grep -q "skipped a binary frame of" "$ERR"
	grep -q "skipped a frame of 5000 bytes (over --max-frame)" "$ERR"
	run cat "$OUT"
	assert_line --index 0 '{"type":"singleChat","data":{"id":"multi"},"note":"raw newline between tokens"}'
	assert_line --index 1 '{"type":"singleChat","data":{"id":"frag","data":"in three pieces"}}'
	assert_line --index 2 '{"type":"singleChat","data":{"id":"big","n":12345678901234567890123}}'
	[ "${#lines[@]}" = 3 ]
	kill -INT "$LISTEN_PID"
	listen_wait
	[ "$LISTEN_RC" = 0 ]
}

# What libjq 1.6 aborts on (exit 134, half a line on stdout, a core file
# holding the token) or takes although it is not JSON: each is reported
# and skipped, and only strict JSON reaches stdout (issue 10 item 1).
hostile_frames() {
	local f
	listen_bg bob "$@"
	ready
	for f in '[1,\n]' '{"a":"\\ud800"}\r' '[1,]' '{"a":"\\ud800"}' '[1}' '{"a":"x\0y"}' '{"a":"\xff"}' \
		'{"a":"\xed\xa0\x80"}' '{"a":01}' '{"a":"\t"}'; do
		printf "$f" >frame.bin
		curl -ksS -X POST --data-binary @frame.bin "$SERVER_URL/__test/inject?user=2&kind=text" >/dev/null
	done
	inject 2 text '{"type":"singleChat","data":{"id":"after","data":"\ud83d\ude00 ok"}}'
	wait_for "$OUT" 'ok"'
	[ "$(grep -c "skipped a frame that is not JSON" "$ERR")" = 10 ]
	grep -qF '(\u escape of a lone surrogate at byte 6): {"a":"\ud800"}' "$ERR"
	grep -qF '(raw control character in a string at byte 7): {"a":"x?y"}' "$ERR"
	# Not UTF-8 from the server is not written raw to a terminal either.
	grep -qF '(invalid UTF-8 at byte 6): {"a":"\xff"}' "$ERR"
	grep -qF '(invalid UTF-8 at byte 6): {"a":"\xed\xa0\x80"}' "$ERR"
	iconv -f UTF-8 -t UTF-8 "$ERR" >/dev/null
	kill -INT "$LISTEN_PID"
	listen_wait
	[ "$LISTEN_RC" = 0 ]
	[ "$(wc -l <"$OUT")" = 1 ]
	jq -e . "$OUT" >/dev/null
}

@test "frames a strict JSON parser refuses are skipped, and listen lives on" {
	hostile_frames
	run cat "$OUT"
	assert_output '{"type":"singleChat","data":{"id":"after","data":"\ud83d\ude00 ok"}}'
}

@test "frames a strict JSON parser refuses are skipped with --jq . too" {
	hostile_frames --jq .data.data
	run cat "$OUT"
	assert_output '"😀 ok"'
}

@test "listen | head -1 returns, with listen exiting 0" {
	send_as alice 2 one >/dev/null
	send_as alice 2 two >/dev/null
	run -0 bash -c '"$0" -p bob listen | head -1; exit ${PIPESTATUS[0]}' "$CHATCTL"
	[ "${#lines[@]}" = 1 ]
}

@test "count, idle and timeout exit codes" {
	send_as alice 2 one >/dev/null
	run -0 "$CHATCTL" -p bob listen --count 1
	[ "${#lines[@]}" = 1 ]
	run -0 "$CHATCTL" -p bob listen --idle 0.5
	run -1 --separate-stderr "$CHATCTL" -p bob listen --count 3 --idle 0.5
	[[ $stderr == "chatctl: listen: idle for 0.5 s after 0 of 3 frames" ]]
	run -0 "$CHATCTL" -p bob listen --timeout 0.5
	run -1 --separate-stderr "$CHATCTL" -p bob listen --count 2 --timeout 0.5
	[[ $stderr == "chatctl: listen: timed out after 0.5 s with 0 of 2 frames" ]]
	run -2 "$CHATCTL" -p bob listen --count 0
	run -2 "$CHATCTL" -p bob listen --idle x
	run -2 "$CHATCTL" -p bob listen extra
}

@test "duplicates are dropped by (id, type, actionType); --no-store --no-dedupe keeps them" {
	msg='{"type":"singleChat","data":{"id":"m1","type":"text","data":"x"}}'
	revoke='{"type":"singleChat","data":{"id":"m1","type":"systemNotice","actionType":"revoke"}}'
	listen_bg bob
	ready
	inject 2 text "$msg"
	inject 2 text "$msg"
	inject 2 text "$revoke"
	inject 2 text "$revoke"
	inject 2 text '{"type":"singleChat","data":{"id":"end"}}'
	wait_for "$OUT" '"id":"end"'
	run cat "$OUT"
	assert_output "$msg
$revoke
{\"type\":\"singleChat\",\"data\":{\"id\":\"end\"}}"
	kill "$LISTEN_PID"
	listen_wait
	listen_bg bob --no-store --no-dedupe
	ready 1
	inject 2 text "$msg"
	inject 2 text "$msg"
	wait_for "$OUT" '"id":"m1"' 2
}

@test "SIGTERM and SIGINT close the connection and exit 0" {
	listen_bg bob
	ready
	kill -TERM "$LISTEN_PID"
	listen_wait
	[ "$LISTEN_RC" = 0 ]
	listen_bg bob
	ready
	kill -INT "$LISTEN_PID"
	listen_wait
	[ "$LISTEN_RC" = 0 ]
	! grep -q "reconnecting" "$ERR"
}

@test "filters: --type, --from, --jq; the welcome only with --type system" {
	listen_bg bob --type text --from 1 --jq '.data.data | fromjson | .data' -r
	ready
	inject 2 text '{"type":"singleChat","data":{"id":"n1","from_id":1,"type":"systemNotice"}}'
	inject 2 text '{"type":"singleChat","data":{"id":"n2","from_id":3,"type":"text","data":"{\"data\":\"from carol\"}"}}'
	send_as alice 2 wanted >/dev/null
	wait_for "$OUT" wanted
	[ "$(cat "$OUT")" = wanted ]
	# the welcome is not a message: only the socket's holder sees it
	kill "$LISTEN_PID"
	listen_wait
	run -0 "$CHATCTL" -p bob listen --type system --count 1 --jq .data -r
	assert_output "欢迎您访问我们的系统！"
}

@test "--from takes a user id and nothing else: exit 2 naming the valid form, before connecting" {
	local v
	for v in bob -3 1.5 0 +3 ' 3' '' 9007199254740992; do
		run -2 --separate-stderr "$CHATCTL" -p bob listen --from "$v" --timeout 2
		assert_equal "${stderr%%$'\n'*}" "chatctl: listen: invalid --from '$v': expected a user id, a whole number from 1 to 9007199254740991, or @NAME"
	done
	[ "$(stat .data.ws_connects)" = 0 ]
	# 007 is user 7, as the frame says it
	listen_bg bob --from 007 --count 1 --timeout 10 --jq .data.id -r
	ready
	inject 2 text '{"type":"singleChat","data":{"id":"f1","from_id":7,"type":"text"}}'
	listen_wait
	[ "$LISTEN_RC" = 0 ]
	[ "$(cat "$OUT")" = f1 ]
}

@test "a --type the server is not known to send: warned about once, with the known ones, and still a filter" {
	listen_bg bob --type sticker --type sticker --count 1 --timeout 10 --jq .data.id -r
	ready
	inject 2 text '{"type":"singleChat","data":{"id":"t1","from_id":1,"type":"text"}}'
	inject 2 text '{"type":"singleChat","data":{"id":"t2","from_id":1,"type":"sticker"}}'
	listen_wait
	[ "$LISTEN_RC" = 0 ]
	[ "$(cat "$OUT")" = t2 ]
	[ "$(grep -c "is none the server is known to send" "$ERR")" = 1 ]
	grep -qFx "chatctl: listen: --type 'sticker' is none the server is known to send (singleChat|system|ping|pong|text|iconMenus|image|audio|video|systemNotice); filtering on it anyway, in case it is a new one" "$ERR"
	run -0 --separate-stderr "$CHATCTL" -p bob listen --type text --idle 0.5
	assert_equal "$stderr" ""
	run -0 --separate-stderr "$CHATCTL" -q -p bob listen --type txt --idle 0.5
	assert_equal "$stderr" ""
}

@test "an invalid --jq program exits 2 before connecting" {
	run -2 --separate-stderr "$CHATCTL" -p bob listen --jq '.['
	[[ $stderr == "chatctl: listen: invalid --jq program: "* ]]
	[ "$(stat .data.ws_connects)" = 0 ]
}

@test "heartbeats: pings answered and not printed unless --heartbeats" {
	stop_server
	start_server --ping-interval 0.2
	login_as bob001 bob
	run -0 "$CHATCTL" -p bob listen --heartbeat 0.2 --timeout 1
	assert_output ""
	run -0 "$CHATCTL" -p bob listen --heartbeat 0.2 --heartbeats --timeout 1
	assert_line '{"type":"ping"}'
	assert_line --regexp '^\{"type":"pong","timestamp":[0-9]+\}$'
}

@test "a dead peer is noticed within about twice the heartbeat" {
	listen_bg bob --heartbeat 0.5
	ready
	curl -ksS -X POST "$SERVER_URL/__test/silence?user=2" >/dev/null
	SECONDS=0
	wait_for "$ERR" "the link is dead"
	[ "$SECONDS" -le 3 ]
	ready 2
}

@test "--no-reconnect exits 4 on a drop" {
	listen_bg bob --no-reconnect
	ready
	curl -ksS -X POST "$SERVER_URL/__test/drop?user=2" >/dev/null
	listen_wait
	[ "$LISTEN_RC" = 4 ]
	grep -q "chatctl: listen: connection to ws://.*token=<redacted> lost" "$ERR"
}

@test "nothing listening: reconnects with backoff, never in a tight loop" {
	stop_server
	"$CHATCTL" -p bob listen --timeout 2.5 2>"$ERR" || true
	n=$(grep -c "reconnecting in" "$ERR")
	[ "$n" -ge 1 ] && [ "$n" -le 3 ]
	run -4 --separate-stderr "$CHATCTL" -p bob listen --no-reconnect
	[[ $stderr == *"cannot connect to ws://127.0.0.1:${SERVER_URL##*:}/ws?token=<redacted>"* ]]
}

@test "-v logs the life cycle with the token redacted" {
	tok=$(jq -r .token "$CHATCTL_CONFIG_DIR/profiles/bob.json")
	listen_bg bob
	ready
	kill "$LISTEN_PID"
	listen_wait
	grep -q "connecting to ws://.*token=<redacted>" "$ERR"
	! grep -q -- "$tok" "$ERR"
}

@test "wss with --cacert; a certificate it cannot verify exits 4" {
	stop_server
	start_tls_server
	export CHATCTL_CACERT=$BATS_TEST_TMPDIR/cert.pem
	echo 123456 | "$CHATCTL" --cacert "$CHATCTL_CACERT" -p tls login --username bob001 --password-stdin >/dev/null
	echo 123456 | "$CHATCTL" --cacert "$CHATCTL_CACERT" -p tlsa login --username alice01 --password-stdin >/dev/null
	"$CHATCTL" -p tls --cacert "$CHATCTL_CACERT" -v listen --count 1 --timeout 5 >"$OUT" 2>"$ERR" 3>&- &
	LISTEN_PID=$!
	ready
	id=$("$CHATCTL" -p tlsa --cacert "$CHATCTL_CACERT" send --jq .id -r 2 over tls)
	listen_wait
	[ "$LISTEN_RC" = 0 ]
	grep -q "$id" "$OUT"
	run -4 --separate-stderr "$CHATCTL" -p tls listen --timeout 5
	# What curl says, not lws's "error:00000001:lib(0)::reason(1)".
	[[ $stderr == *"TLS failure connecting to wss://127.0.0.1:"*"/ws?token=<redacted>: SSL certificate problem: self-signed certificate (use --cacert FILE"* ]]
	[[ $stderr != *"lib(0)"* ]]
}

@test "an unknown host is named, with the resolver's reason" {
	CHATCTL_TOKEN=t0k run -4 --separate-stderr "$CHATCTL" -s http://nosuch.invalid listen --no-reconnect --no-offline
	# The resolver's words vary with the machine's network.
	[[ $stderr == "chatctl: listen: cannot connect to ws://nosuch.invalid/ws?token=<redacted>: Could not resolve host: nosuch.invalid ("*")" ]]
}

@test "an upgrade answered 404 (a wrong server path) is final: exit 5, no retry" {
	CHATCTL_TOKEN=$(jq -r .token "$CHATCTL_CONFIG_DIR/profiles/bob.json") \
		run -5 --separate-stderr "$CHATCTL" -s "$SERVER_URL/chat" listen --no-offline --timeout 20
	assert_equal "$stderr" "chatctl: listen: the server answered the WebSocket upgrade of ${SERVER_URL/http/ws}/chat/ws?token=<redacted> with HTTP 404: no WebSocket there (check the server URL)"
}

@test "a signal before --count is reached still exits 0" {
	listen_bg bob --count 5
	ready
	kill -TERM "$LISTEN_PID"
	listen_wait
	[ "$LISTEN_RC" = 0 ]
}

# start_proxy: tests/tools/connectproxy on a free port; PROXY_URL, PROXY_LOG.
start_proxy() {
	PROXY_LOG=$BATS_TEST_TMPDIR/proxy.log
	"$CHATCTL_TOOLS_DIR/connectproxy" >"$BATS_TEST_TMPDIR/proxy.out" 2>"$PROXY_LOG" 3>&- &
	PROXY_PID=$!
	wait_for -p "$PROXY_PID" "$BATS_TEST_TMPDIR/proxy.out" "listening on"
	PROXY_URL=http://127.0.0.1:$(sed -n 's/listening on //p' "$BATS_TEST_TMPDIR/proxy.out")
}

@test "proxies: the WebSocket and the offline fetch both go through http_proxy" {
	# Both are tunnelled (HTTP CONNECT): one connection each.
	start_proxy
	port=${SERVER_URL##*:}
	export http_proxy=$PROXY_URL
	listen_bg bob
	unset http_proxy
	ready
	id=$(send_as alice 2 via the proxy)
	wait_for "$OUT" "$id"
	kill "$PROXY_PID"
	# only listen has http_proxy: its WebSocket and its offline fetch
	[ "$(grep -c "^CONNECT 127.0.0.1:$port HTTP/1.1" "$PROXY_LOG")" -ge 2 ]
	grep -q "through the proxy 127.0.0.1" "$ERR"
}

@test "proxies: no_proxy is honoured for the WebSocket too" {
	http_proxy=http://127.0.0.1:1 no_proxy=localhost,127.0.0.1 run -0 --separate-stderr \
		"$CHATCTL" -p bob listen --type system --count 1 --timeout 5
	assert_output --partial '"type":"system"'
	# and without it the dead proxy is really used, not bypassed
	http_proxy=http://127.0.0.1:1 run -4 --separate-stderr "$CHATCTL" -p bob listen --no-reconnect
	[[ $stderr == *"(through the proxy 127.0.0.1:1)"* ]]
}

@test "proxies: one lws cannot use is a clear error, never bypassed" {
	all_proxy=socks5://127.0.0.1:1080 run -4 --separate-stderr "$CHATCTL" -p bob listen
	assert_equal "$stderr" "chatctl: listen: the proxy in all_proxy (socks5://127.0.0.1:1080) cannot carry the WebSocket: libwebsockets here tunnels only through http:// proxies (HTTP CONNECT); set no_proxy=127.0.0.1 to connect directly"
	http_proxy=http://127.0.0.1:notaport run -2 --separate-stderr "$CHATCTL" -p bob listen
	[[ $stderr == "chatctl: listen: invalid proxy in http_proxy: bad port"* ]]
	[ "$(stat .data.ws_connects)" = 0 ]
}

@test "--connect-timeout bounds the WebSocket connect too" {
	start_blackhole
	SECONDS=0
	CHATCTL_TOKEN=$(jq -r .token "$CHATCTL_CONFIG_DIR/profiles/bob.json") \
		run -4 --separate-stderr "$CHATCTL" -s "$BLACKHOLE_URL" --connect-timeout 1 listen --no-reconnect
	[[ $stderr == *"cannot connect to ws://127.0.0.1:"* ]]
	[ "$SECONDS" -le 4 ]
}

@test "a repeated key: the last value wins, as in jq (no false rejection, no false heartbeat)" {
	listen_bg bob
	ready
	inject 2 text '{"msg":"fa","msg":"il","data":"x"}'
	inject 2 text '{"type":"pi","type":"ng","data":{"id":"r1"}}'
	inject 2 text '{"type":"singleChat","data":{"id":"end"}}'
	wait_for "$OUT" '"id":"end"'
	kill -0 "$LISTEN_PID"
	run cat "$OUT"
	assert_output '{"msg":"fa","msg":"il","data":"x"}
{"type":"pi","type":"ng","data":{"id":"r1"}}
{"type":"singleChat","data":{"id":"end"}}'
}

@test "no core file can hold the token: the core size limit is 0 from the start" {
	bash -c 'ulimit -c unlimited 2>/dev/null || ulimit -c 1024; exec "$0" -p bob -v listen' "$CHATCTL" >"$OUT" 2>"$ERR" 3>&- &
	LISTEN_PID=$!
	ready
	grep -E '^Max core file size +0 +0 ' "/proc/$LISTEN_PID/limits"
}

@test "--connect-timeout bounds the upgrade too: a server that accepts and never answers" {
	start_blackhole accept
	SECONDS=0
	CHATCTL_TOKEN=$(jq -r .token "$CHATCTL_CONFIG_DIR/profiles/bob.json") \
		run -4 --separate-stderr "$CHATCTL" -s "$BLACKHOLE_URL" --connect-timeout 1 listen --no-reconnect
	[[ $stderr == *"cannot connect to ws://127.0.0.1:"*"no answer to the upgrade within 1 s"* ]]
	[ "$SECONDS" -le 4 ]
	# and with reconnects, it tries again instead of waiting for ever
	CHATCTL_TOKEN=x "$CHATCTL" -v -s "$BLACKHOLE_URL" --connect-timeout 1 listen --timeout 4 2>"$ERR" || true
	[ "$(grep -c 'no answer to the upgrade' "$ERR")" -ge 2 ]
}

# libjq 1.6 keeps a pending string when a parse fails: {[1]" then 1 MiB
# was 1 MiB a frame (listen 13 -> 222 MB after 200). Checked first, such
# frames cost nothing (issue 10 item 8).
@test "frames libjq would leak on leave listen's memory flat" {
	{ printf '{[1]"'; head -c 1048576 /dev/zero | tr '\0' x; printf '"}'; } >leak.json
	# ASan's quarantine of freed memory (256 MB) would pass for growth.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 listen_bg bob --jq .data.id
	ready
	inject 2 text '{"type":"singleChat","data":{"id":"first"}}'
	wait_for "$OUT" first
	before=$(awk '/^VmRSS/ { print $2 }' "/proc/$LISTEN_PID/status")
	for i in $(seq 60); do
		curl -ksS -X POST --data-binary @leak.json "$SERVER_URL/__test/inject?user=2&kind=text" >/dev/null
	done
	inject 2 text '{"type":"singleChat","data":{"id":"last"}}'
	wait_for "$OUT" last
	after=$(awk '/^VmRSS/ { print $2 }' "/proc/$LISTEN_PID/status")
	echo "listen RSS $before kB -> $after kB after 60 frames of 1 MiB" >&3
	[ "$(grep -c 'skipped a frame that is not JSON (expected a key at byte 1)' "$ERR")" = 60 ]
	[ $((after - before)) -lt 20000 ]
	kill -INT "$LISTEN_PID"
	listen_wait
}

# A --jq program that is a plain path is answered from the frame's text,
# without libjq (issue 11): what listen and history print must be what jq
# prints, byte for byte, the frames jq fails on skipped as before.
@test "--jq with a plain path prints what jq -c and jq -r print, byte for byte" {
	local frames=(
		'{"type":"singleChat","data":{"id":"esc \/ \u00e9 \u001f \n \t \" \\ \ud83d\ude00 \u0000 \u007f \u0041"}}'
		'{"type":"singleChat","data":{"id":"raw é 😀 '$'\x7f''"}}'
		'{"data":{"id":1e2}}'
		'{"data":{"id":-0}}'
		'{"data":{"id":12345678901234567890}}'
		'{"data":{"id":123456789012345}}'
		'{"data":{"id":1.50}}'
		'{"data":{"id":true}}'
		'{"data":{"id":null}}'
		'{"data":{}}'
		'{"data":null}'
		'{"data":"a string"}'
		'{"data":[1]}'
		'{"data":{"id":{"an":"object"}}}'
		'{"data":{"id":"first"},"data":{"id":"last"}}'
		'{"data":{"id":"x","id":7}}'
		'{"data":{"\u0069d":"escaped key"}}'
		'{"data":{"id":""}}'
		'{"a":"}{\"","data":{"x":"]","id":"after a tricky string"}}'
		'{"data":{"id":"end"}}'
	)
	local f d=$BATS_TEST_TMPDIR
	printf '%s\n' "${frames[@]}" >"$d/frames.json"
	listen_bg bob --jq .data.id
	ready
	for f in "${frames[@]}"; do inject 2 text "$f"; done
	wait_for "$OUT" '"end"'
	kill -INT "$LISTEN_PID"
	listen_wait
	jq -c .data.id "$d/frames.json" >"$d/want" 2>/dev/null || true
	cmp "$OUT" "$d/want"
	grep -qF 'Cannot index string with string "id"; frame skipped' "$ERR"
	grep -qF 'Cannot index array with string "id"; frame skipped' "$ERR"
	"$CHATCTL" -p bob history --jq .data.id >"$d/got" 2>/dev/null
	cmp "$d/got" "$d/want"
	"$CHATCTL" -p bob history --jq .data.id -r >"$d/got" 2>/dev/null
	jq -rc .data.id "$d/frames.json" >"$d/want" 2>/dev/null || true
	cmp "$d/got" "$d/want"
	"$CHATCTL" -p bob history --jq .data >"$d/got" 2>/dev/null
	jq -c .data "$d/frames.json" >"$d/want"
	cmp "$d/got" "$d/want"
}

# serve sends the real server's connect burst (the welcome, then 9 tips for
# a user) on every connect: none of it is mail (issue 13 item 1).
@test "the connect burst is not printed: --count 1 ends on the waiting message, a cron drain prints nothing" {
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2
	assert_output ''
	[ "$(stat .data.ws_connects)" = 1 ]
	id=$(send_as alice 2 'waiting for you')
	run -0 --separate-stderr "$CHATCTL" -p bob listen --count 1 --jq .data.id -r
	assert_output "$id"
	run -0 "$CHATCTL" -p bob history
	assert_output --partial "waiting for you"
	[ "${#lines[@]}" = 1 ]
}

@test "--tips prints the burst's tips; a friend request is a message either way" {
	login_as carol01 carol
	"$CHATCTL" -p carol apply 2 --message hi >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2 --tips --jq .data.from_id -r
	[ "$(grep -c '^redirect-.*-2$' <<<"$output")" = 9 ]
	assert_line 'redirect-applyFriend-3'
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2 --new --consumer other
	assert_output ''
	run -0 --separate-stderr "$CHATCTL" -p bob history --jq .data.from_id -r
	assert_output 'redirect-applyFriend-3'
}

# The jq helpers on one real frame of each kind (api §4.6, observed.md).
@test "kind, text, sender and reply_to read every kind of frame" {
	listen_bg bob --tips --heartbeats --jq '[kind, text, sender, reply_to] | tojson' -r
	ready
	inject 2 text '{"type":"singleChat","data":{"id":"r1","from_name":"好友申请提醒","from_id":"redirect-applyFriend-3","to_id":2,"chatType":"single","type":"text","data":{"data":"用户[carol01]申请添加您为好友","dataType":false,"otherData":null}},"timestamp":1}'
	inject 2 text '{"type":"singleChat","data":{"id":"f1","from_id":1,"to_id":2,"chatType":"single","type":"systemNotice","data":{"data":"我们已经是好友了，可以开始聊天了","dataType":false,"otherData":null}},"timestamp":1}'
	inject 2 text '{"type":"singleChat","data":{"id":"m1","from_id":1,"to_id":2,"chatType":"single","type":"text","data":"{\"data\":\"hi \\\"bob\\\"\",\"dataType\":false,\"otherData\":null}"},"timestamp":1}'
	inject 2 text '{"type":"singleChat","data":{"id":"m1","from_id":1,"to_id":2,"chatType":"single","type":"systemNotice","actionType":"revoke","data":"Alice撤回了一条消息"},"timestamp":1}'
	inject 2 text '{"type":"singleChat","data":{"id":"g1","from_id":1,"to_id":7,"chatType":"group","type":"systemNotice","data":"alice01 创建了群聊"},"timestamp":1}'
	inject 2 text '{"type":"singleChat","data":{"id":"g2","from_id":"1","to_id":7,"chatType":"group","type":"text","data":"{\"data\":{[1]\"not json\"}"},"timestamp":1}'
	inject 2 text '{"type":"ping"}'
	wait_for "$OUT" '"ping"'
	kill -INT "$LISTEN_PID"
	listen_wait
	run grep -v '"tip"' "$OUT"
	assert_output '["request","用户[carol01]申请添加您为好友",3,null]
["friendship","我们已经是好友了，可以开始聊天了",1,null]
["message","hi \"bob\"",1,{"to":1,"group":false}]
["revoke","Alice撤回了一条消息",1,null]
["group_notice","alice01 创建了群聊",1,null]
["message","{\"data\":{[1]\"not json\"}",1,{"to":7,"group":true}]
["ping",null,null,null]'
	[ "$(grep -c '^\["tip","[^"]*",null,null\]$' "$OUT")" = 9 ]
}

@test "a program's own definitions win over the helpers; its errors name only its own text" {
	send_as alice 2 hello >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2 --jq 'def text: "mine"; [kind, text] | join(" ")' -r
	assert_output "message mine"
	run -2 --separate-stderr "$CHATCTL" -p bob listen --idle 2 --jq '.a |||'
	[[ $stderr == *"invalid --jq program: jq: error: syntax error"* ]]
	[[ $stderr != *_chatctl* ]]
}

@test "--from @NAME filters on the user that name resolves to" {
	login_as carol01 carol
	send_as carol 2 "from carol" >/dev/null
	send_as alice 2 "from alice" >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2 --from @Alice-remark --jq text -r
	assert_output "from alice"
	run -1 --separate-stderr "$CHATCTL" -p bob listen --idle 2 --from @nobody
	[[ $stderr == *"@nobody: no friend and no user has that name"* ]]
}
