#!/usr/bin/env bats
# chatctl login: password sources, stored credentials, failures.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
}
teardown() { common_teardown; }

cred() { echo "$CHATCTL_CONFIG_DIR/profiles/${1:-default}.json"; }

@test "login with --password-stdin prints the user record, compact when piped, without the token" {
	run --separate-stderr "$CHATCTL" login --username alice01 --password-stdin <<<"123456"
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial '"username":"alice01"'
	refute_output --partial token
	refute_output --partial password
}

@test "login stores server, token and user in a 0600 file in a 0700 directory" {
	login_as alice01
	[ "$(stat -c %a "$(cred)")" = 600 ]
	[ "$(stat -c %a "$CHATCTL_CONFIG_DIR/profiles")" = 700 ]
	[ "$(stat -c %a "$CHATCTL_CONFIG_DIR")" = 700 ]
	run jq -r '.server, (.token | length > 20), .user.username, (.user | has("token"))' "$(cred)"
	assert_output "$SERVER_URL
true
alice01
false"
	# nothing half-written or temporary is left behind: the credentials,
	# and the lock that keeps two logins of the profile apart
	run ls -A "$CHATCTL_CONFIG_DIR/profiles"
	assert_output "default.json
default.json.lock"
}

@test "--print-token prints only the token, and the token works" {
	run --separate-stderr "$CHATCTL" login --username bob001 --password-stdin --print-token <<<"123456"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[[ $output =~ ^[A-Za-z0-9_.-]+$ ]]
	CHATCTL_TOKEN=$output run -0 "$CHATCTL" -p nobody isfriend 1
}

@test "the password can come from CHATCTL_PASSWORD" {
	CHATCTL_PASSWORD=123456 run -0 "$CHATCTL" login --username carol01 --jq .id
	assert_output 3
}

@test "a second login reuses the profile's user name" {
	login_as carol01
	run -0 "$CHATCTL" login --password-stdin --jq .username -r <<<"123456"
	assert_output carol01
}

@test "wrong password exits 3 with the server's message" {
	run -3 --separate-stderr "$CHATCTL" login --username alice01 --password-stdin <<<"654321"
	assert_output ""
	# Nothing about logging in again: that is what just failed.
	assert_equal "$stderr" "chatctl: login: 账户或密码错误 (wrong user name or password) (HTTP 400)"
	[ ! -e "$(cred)" ]
}

@test "unknown and disabled accounts exit 3" {
	run -3 --separate-stderr "$CHATCTL" login --username nobody1 --password-stdin <<<"123456"
	[[ $stderr == *"账号不存在或者被禁用"* ]]
	run -3 --separate-stderr "$CHATCTL" login --username dave01 --password-stdin <<<"123456"
	[[ $stderr == *"账号不存在或者被禁用"* ]]
}

@test "a server URL that is not the chat API: 404 错误, explained" {
	run -1 --separate-stderr "$CHATCTL" -s "$SERVER_URL/nope" login --username alice01 --password-stdin <<<"123456"
	assert_equal "$stderr" "chatctl: login: 404 错误 (no such API route: check the server URL) (HTTP 200)"
}

@test "a password the server finds invalid exits 1 (422)" {
	run -1 --separate-stderr "$CHATCTL" login --username alice01 --password-stdin <<<"123"
	[[ $stderr == *"密码 的长度 必须 在 6 和 20 之间 (too short or too long) (HTTP 422)"* ]]
}

@test "no password source and no terminal is a usage error, before any request" {
	run -2 --separate-stderr "$CHATCTL" login --username alice01 </dev/null
	[[ $stderr == "chatctl: login: no password: use --password-stdin, set CHATCTL_PASSWORD, or run on a terminal"* ]]
	run -2 --separate-stderr "$CHATCTL" login --username alice01 --password-stdin </dev/null
	[[ $stderr == *"empty password"* ]]
	run -2 --separate-stderr "$CHATCTL" login --password-stdin <<<"123456"
	[[ $stderr == *"no username"* ]]
}

@test "the password is never accepted as a flag" {
	run -2 "$CHATCTL" login --username alice01 --password 123456
}

@test "an unreachable server exits 4" {
	run -4 --separate-stderr "$CHATCTL" -s http://127.0.0.1:1 login --username alice01 --password-stdin <<<"123456"
	[[ $stderr == "chatctl: login: cannot reach http://127.0.0.1:1/api/loginChat: "* ]]
}

@test "--connect-timeout gives up connecting after SECS: exit 4" {
	start_blackhole
	SECONDS=0
	run -4 --separate-stderr "$CHATCTL" -s "$BLACKHOLE_URL" --connect-timeout 1 login --username alice01 --password-stdin <<<"123456"
	[[ $stderr == "chatctl: login: timed out talking to $BLACKHOLE_URL/api/loginChat: "* ]]
	[ "$SECONDS" -le 3 ]
}

@test "a server that is not the chat API exits 5" {
	hook fail "count=1&status=502" >/dev/null
	run -5 --separate-stderr "$CHATCTL" login --username alice01 --password-stdin <<<"123456"
	[[ $stderr == *"server error (HTTP 502)"* ]]
}

@test "a token with a CR/LF (or a space, or a control byte) is refused: exit 5, nothing stored" {
	for tok in $'eyJ.a.b\r\nX-Injected: yes' 'two words' $'tab\there'; do
		jq -cn --arg t "$tok" '{msg: "ok", data: {id: 1, username: "alice01", token: $t}}' |
			curl -ksS -X POST --data-binary @- "$SERVER_URL/__test/reply?count=1" >/dev/null
		run -5 --separate-stderr "$CHATCTL" login --username alice01 --password-stdin <<<"123456"
		[[ $stderr == *"token is not printable ASCII without spaces; nothing was stored"* ]]
		[ ! -e "$CHATCTL_CONFIG_DIR/profiles/default.json" ]
	done
	CHATCTL_TOKEN=$'a\nb' run -5 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == *"CHATCTL_TOKEN is not printable ASCII without spaces"* ]]
	[ "$(curl -ksS "$SERVER_URL/__test/stats" | jq '.data.paths["/api/chat/ismygoodfriend/2"]')" = null ]
}

@test "two logins of one profile at once: the token stored is the one the server kept" {
	for i in $(seq 1 15); do
		"$CHATCTL" login --username alice01 --password-stdin <<<"123456" >/dev/null 3>&- &
		a=$!
		"$CHATCTL" login --username alice01 --password-stdin <<<"123456" >/dev/null 3>&- &
		wait "$a" "$!"
		run -0 --separate-stderr "$CHATCTL" isfriend 2
	done
	[ "$(command stat -c %a "$CHATCTL_CONFIG_DIR/profiles/default.json.lock")" = 600 ]
}

@test "a new login supersedes the previous token (exit 3 on the old one)" {
	login_as alice01 a
	login_as alice01 b
	run -3 --separate-stderr "$CHATCTL" -p a isfriend 2
	assert_equal "$stderr" "chatctl: isfriend: Token 令牌不合法！ (token refused: replaced by a newer login, logged out, or forged) (HTTP 400); log in again with 'chatctl -p a -s $SERVER_URL login'"
	run -0 "$CHATCTL" -p b isfriend 2
}

@test "credentials readable by others are refused with exit 6" {
	login_as alice01
	chmod 644 "$(cred)"
	run -6 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == "chatctl: isfriend: credentials '$(cred)' are too open (mode 0644): run 'chmod 600 $(cred)'" ]]
}

@test "credentials owned by another user, or in a directory others may write, are refused with exit 6" {
	login_as alice01
	chmod 777 "$CHATCTL_CONFIG_DIR"
	run -6 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == "chatctl: isfriend: '$CHATCTL_CONFIG_DIR' is writable by others (mode 0777): run 'chmod go-w $CHATCTL_CONFIG_DIR'" ]]
	chmod 700 "$CHATCTL_CONFIG_DIR"
	chmod 770 "$CHATCTL_CONFIG_DIR/profiles"
	run -6 --separate-stderr "$CHATCTL" whoami
	[[ $stderr == *"profiles' is writable by others (mode 0770)"* ]]
	chmod 700 "$CHATCTL_CONFIG_DIR/profiles"
	run -0 "$CHATCTL" isfriend 2
	[ "$(id -u)" = 0 ] || skip "changing a file's owner needs root"
	chown nobody "$(cred)"
	run -6 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == "chatctl: isfriend: credentials '$(cred)' belong to another user (uid $(id -u nobody)): "* ]]
}

@test "an unwritable config directory exits 6 and leaves no stray file" {
	[ "$(id -u)" != 0 ] || skip "root writes anywhere"
	mkdir -p "$CHATCTL_CONFIG_DIR/profiles"
	chmod 500 "$CHATCTL_CONFIG_DIR/profiles"
	run -6 "$CHATCTL" login --username alice01 --password-stdin <<<"123456"
}

@test "a config path that is a file exits 6" {
	echo x >"$BATS_TEST_TMPDIR/file"
	run -6 --separate-stderr "$CHATCTL" --config "$BATS_TEST_TMPDIR/file" login --username alice01 --password-stdin <<<"123456"
	assert_equal "$stderr" "chatctl: login: cannot read '$BATS_TEST_TMPDIR/file/profiles/default.json': Not a directory"
}

@test "-v logs the request and redacts the token" {
	run --separate-stderr "$CHATCTL" -vv login --username alice01 --password-stdin <<<"123456"
	assert_success
	[[ $stderr == *"POST $SERVER_URL/api/loginChat"* ]]
	tok=$(jq -r .token "$(cred)")
	[[ $stderr != *"$tok"* ]]
	[[ $stderr != *123456* ]]
}

# on_tty CMD...: run CMD in a pseudo-terminal (zsh's zpty); whenever it
# shows "password: " type 123456. Prints what the terminal showed.
on_tty() {
	zsh -f -c '
		zmodload zsh/zpty || exit 1
		zpty t "$*"
		zpty -r t out "*password: *" || exit 1
		print -rn -- "$out"
		zpty -w t 123456
		while zpty -r t chunk; do print -rn -- "$chunk"; done
		zpty -d t
	' zsh "$@" | tr -d '\r'
}

@test "on a terminal the password is asked for without echo, and output is pretty" {
	run -0 on_tty "$CHATCTL" login --username alice01
	assert_line --index 0 "password: "
	assert_line "{"
	assert_line --partial '  "username": "alice01",'
	refute_output --partial 123456
	run -0 "$CHATCTL" whoami --jq .username -r
	assert_output alice01
}
