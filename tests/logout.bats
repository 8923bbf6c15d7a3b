#!/usr/bin/env bats
# chatctl logout: the server first, then the local token, always.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
}
teardown() { common_teardown; }

cred() { echo "$CHATCTL_CONFIG_DIR/profiles/default.json"; }

@test "logout tells the server, forgets the token, keeps who and where" {
	tok=$(echo 123456 | "$CHATCTL" login --username alice01 --password-stdin --print-token)
	run -0 --separate-stderr "$CHATCTL" logout
	assert_output true
	run -3 "$CHATCTL" whoami
	run jq -r 'has("token"), .server, .user.username' "$(cred)"
	assert_output "false
$SERVER_URL
alice01"
	[ "$(stat -c %a "$(cred)")" = 600 ]
	# the server no longer accepts the token
	CHATCTL_TOKEN=$tok run -3 --separate-stderr "$CHATCTL" isfriend 2
	[[ $stderr == *"Token 令牌不合法！"* ]]
	# and the next login needs no --username
	run -0 "$CHATCTL" login --password-stdin --jq .username -r <<<"123456"
	assert_output alice01
}

@test "logout when not logged in exits 3" {
	run -3 --separate-stderr "$CHATCTL" logout
	assert_equal "$stderr" "chatctl: logout: not logged in (profile 'default'): run 'chatctl -s $SERVER_URL login'"
}

@test "an unreachable server: exit 4, and the token is forgotten anyway" {
	login_as alice01
	stop_server
	run -4 --separate-stderr "$CHATCTL" logout
	[[ $stderr == *"the token was forgotten locally anyway" ]]
	run -3 "$CHATCTL" whoami
}

@test "a token the server already dropped: exit 0 with a note" {
	login_as alice01 old
	login_as alice01 new
	run -0 --separate-stderr "$CHATCTL" -p old logout
	[[ $stderr == *"no longer accepted this token"* ]]
	run -3 "$CHATCTL" -p old whoami
	run -0 "$CHATCTL" -p new isfriend 2
}

@test "-q silences the note" {
	login_as alice01 old
	login_as alice01 new
	run -0 --separate-stderr "$CHATCTL" -q -p old logout
	assert_equal "$stderr" ""
}
