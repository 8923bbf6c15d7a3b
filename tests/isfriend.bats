#!/usr/bin/env bats
# chatctl isfriend: the answer is the exit status.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
	login_as alice01
}
teardown() { common_teardown; }

@test "a friend: exit 0 and the friendship record" {
	run -0 --separate-stderr "$CHATCTL" isfriend 2
	assert_output '{"id":1,"user_id":1,"friend_id":2,"nickname":"","friendlookme":1,"melookfriend":1,"ismystarfriend":0,"isblack":0,"status":1}'
	[ -z "$stderr" ]
}

@test "not a friend: exit 1 and a message, which -q leaves out" {
	run -1 --separate-stderr "$CHATCTL" isfriend 3
	assert_output ""
	assert_equal "$stderr" "chatctl: isfriend: user 3 is not a friend: 不是好友 (HTTP 400)"
	run -1 --separate-stderr "$CHATCTL" -q isfriend 3
	assert_equal "$stderr" ""
}

@test "proxies: a REST request is tunnelled through http_proxy; no_proxy skips it" {
	"$CHATCTL_TOOLS_DIR/connectproxy" >"$BATS_TEST_TMPDIR/proxy.out" 2>"$BATS_TEST_TMPDIR/proxy.log" 3>&- &
	pid=$!
	wait_for -p "$pid" "$BATS_TEST_TMPDIR/proxy.out" "listening on"
	proxy=http://127.0.0.1:$(sed -n 's/listening on //p' "$BATS_TEST_TMPDIR/proxy.out")
	http_proxy=$proxy run -0 --separate-stderr "$CHATCTL" isfriend 2
	http_proxy=$proxy no_proxy=127.0.0.1 run -0 --separate-stderr "$CHATCTL" isfriend 2
	kill "$pid"
	[ "$(grep -c "^CONNECT 127.0.0.1:${SERVER_URL##*:} HTTP/1.1" "$BATS_TEST_TMPDIR/proxy.log")" = 1 ]
}

@test "proxies: a dead one is named; one that cannot tunnel is a clear error, never bypassed" {
	http_proxy=http://127.0.0.1:1 run -4 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == "chatctl: isfriend: cannot reach $SERVER_URL/api/chat/ismygoodfriend/2 (through the proxy 127.0.0.1:1): "* ]]
	all_proxy=socks5://127.0.0.1:1080 run -4 --separate-stderr "$CHATCTL" isfriend 2
	assert_equal "$stderr" "chatctl: isfriend: the proxy in all_proxy (socks5://127.0.0.1:1080) cannot carry the request: libwebsockets here tunnels only through http:// proxies (HTTP CONNECT); set no_proxy=127.0.0.1 to connect directly"
	[ "$(curl -ksS "$SERVER_URL/__test/stats" | jq '.data.paths["/api/chat/ismygoodfriend/2"]')" = null ]
}

@test "usable in a shell condition" {
	if "$CHATCTL" -q isfriend 3 >/dev/null; then false; fi
	"$CHATCTL" -q isfriend 2 >/dev/null
}

@test "the bare link name works" {
	ln -s "$CHATCTL" "$BATS_TEST_TMPDIR/isfriend"
	run -0 "$BATS_TEST_TMPDIR/isfriend" 2 --jq .friend_id
	assert_output 2
}

@test "a bad id is a usage error, sent nowhere" {
	run -2 --separate-stderr "$CHATCTL" isfriend abc
	[[ $stderr == "chatctl: isfriend: invalid user id 'abc'"* ]]
	run -2 "$CHATCTL" isfriend 0
	run -2 "$CHATCTL" isfriend +2
	run -2 "$CHATCTL" isfriend ' 2'
	run -2 "$CHATCTL" isfriend 2 3
}

@test "not logged in exits 3; CHATCTL_TOKEN overrides the profile" {
	run -3 --separate-stderr "$CHATCTL" -p other isfriend 2
	tok=$(echo 123456 | "$CHATCTL" -p bob login --username bob001 --password-stdin --print-token)
	CHATCTL_TOKEN=$tok run -0 "$CHATCTL" -p other isfriend 1 --jq .nickname -r
	assert_output Alice-remark
	CHATCTL_TOKEN=garbage run -3 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == *"Token 令牌不合法！"* ]]
}

@test "a hint names the command that logs in the profile and server that were refused" {
	run -3 --separate-stderr "$CHATCTL" -p bot isfriend 2
	assert_equal "$stderr" "chatctl: isfriend: not logged in (profile 'bot'): run 'chatctl -p bot -s $SERVER_URL login'"
	# The default server goes unnamed (refused before any request).
	CHATCTL_SERVER= run -3 --separate-stderr "$CHATCTL" -p bot isfriend 2
	assert_equal "$stderr" "chatctl: isfriend: not logged in (profile 'bot'): run 'chatctl -p bot login'"
	run -0 "$CHATCTL" -p bot login --username bob001 --password-stdin <<<"123456"
	api POST /api/chat/logout -H "token: $(jq -r .token "$CHATCTL_CONFIG_DIR/profiles/bot.json")" >/dev/null
	run -3 --separate-stderr "$CHATCTL" -p bot isfriend 1
	assert_equal "$stderr" "chatctl: isfriend: Token 令牌不合法！ (token refused: replaced by a newer login, logged out, or forged) (HTTP 400); log in again with 'chatctl -p bot -s $SERVER_URL login'"
}

@test "a refused CHATCTL_TOKEN says it wins over any login, not to log in again" {
	CHATCTL_TOKEN=garbage run -3 --separate-stderr "$CHATCTL" -p bot isfriend 2
	assert_equal "$stderr" "chatctl: isfriend: Token 令牌不合法！ (token refused: replaced by a newer login, logged out, or forged) (HTTP 400); the token came from CHATCTL_TOKEN, which wins over any login: set a valid token there, or unset it to use the login of profile 'bot'"
}

@test "a 5xx answer exits 5" {
	hook fail "count=1&status=500" >/dev/null
	run -5 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == "chatctl: isfriend: server error (HTTP 500)"* ]]
}

@test "a body that is not the envelope exits 5" {
	hook garbage "count=1" >/dev/null
	run -5 --separate-stderr "$CHATCTL" isfriend 2
	assert_equal "$stderr" "chatctl: isfriend: unexpected answer (HTTP 200): not the server's JSON envelope"
}

@test "a server that never answers exits 4 after --max-time" {
	hook hang "count=1" >/dev/null
	SECONDS=0
	run -4 --separate-stderr "$CHATCTL" --max-time 1 isfriend 2
	[[ $stderr == *"timed out"* ]]
	[ "$SECONDS" -lt 5 ]
}

@test "nothing listening exits 4" {
	stop_server
	run -4 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == "chatctl: isfriend: cannot reach "* ]]
}

@test "pretty on request, compact when piped" {
	run -0 "$CHATCTL" isfriend 2
	[ "${#lines[@]}" -eq 1 ]
	run -0 "$CHATCTL" --pretty isfriend 2
	assert_line --index 0 "{"
	assert_line --index 1 '  "id": 1,'
}

@test "https: works with --cacert, fails with exit 4 without it, works with --insecure" {
	stop_server
	start_tls_server
	[[ $SERVER_URL == https://* ]]
	echo 123456 | "$CHATCTL" --cacert "$BATS_TEST_TMPDIR/cert.pem" -p tls login --username alice01 --password-stdin >/dev/null
	run -0 "$CHATCTL" -p tls --cacert "$BATS_TEST_TMPDIR/cert.pem" isfriend 2 --jq .friend_id
	assert_output 2
	run -4 --separate-stderr "$CHATCTL" -p tls isfriend 2
	[[ $stderr == *"TLS failure"*"--cacert"* ]]
	run -0 "$CHATCTL" -p tls --insecure isfriend 2 --jq .friend_id
	assert_output 2
}

@test "server text cannot drive the terminal: control characters on stderr are escaped" {
	printf '%s' '{"msg":"fail","data":"\u001b]0;pwned\u0007\u001b[2Jline1\r\nline2\u009b"}' |
		curl -ksS -X POST --data-binary @- "$SERVER_URL/__test/reply?count=1&status=400" >/dev/null
	run -1 --separate-stderr "$CHATCTL" isfriend 2
	[ "$(printf '%s\n' "$stderr" | wc -l)" = 1 ]
	[[ $stderr != *$'\e'* && $stderr != *$'\a'* && $stderr != *$'\r'* && $stderr != *$'\xc2\x9b'* ]]
	[[ $stderr == *'\x1b]0;pwned\x07\x1b[2Jline1\x0d\x0aline2\xc2\x9b'* ]]
}

@test "a profile's token goes only to its own server: elsewhere is exit 3, unless CHATCTL_TOKEN" {
	run -3 --separate-stderr "$CHATCTL" -s http://127.0.0.1:1 isfriend 2
	[[ $stderr == "chatctl: isfriend: not logged in at http://127.0.0.1:1: profile 'default' is logged in at $SERVER_URL, and its token goes nowhere else; run 'chatctl -s http://127.0.0.1:1 login', or set CHATCTL_TOKEN" ]]
	CHATCTL_SERVER=http://127.0.0.1:1 run -3 "$CHATCTL" isfriend 2
	CHATCTL_TOKEN=explicit run -4 "$CHATCTL" -s http://127.0.0.1:1 isfriend 2
	run -0 "$CHATCTL" -s "$SERVER_URL/" isfriend 2
}

@test "an answer over --max-response stops the transfer: exit 5, memory bounded" {
	head -c 200000 /dev/zero | tr '\0' x | sed 's/^/{"msg":"ok","data":"/; s/$/"}/' |
		curl -ksS -X POST --data-binary @- "$SERVER_URL/__test/reply?count=1" >/dev/null
	run -5 --separate-stderr "$CHATCTL" --max-response 100000 isfriend 2
	[[ $stderr == "chatctl: isfriend: the answer from $SERVER_URL/api/chat/ismygoodfriend/2 is larger than 100000 bytes (--max-response)" ]]
	run -0 --separate-stderr "$CHATCTL" isfriend 2
	run -2 --separate-stderr "$CHATCTL" --max-response 0 isfriend 2
}
