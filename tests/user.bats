#!/usr/bin/env bats
# chatctl user search: find users who are not friends yet.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
	login_as bob001
}
teardown() { common_teardown; }

@test "user search: every user whose name contains the word, any case, but me and the disabled" {
	run -0 --separate-stderr "$CHATCTL" user search 01
	assert_line --index 0 '{"id":1,"name":"Alice","username":"alice01","remark":null,"nickname":"Alice","avatar":"https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/user.jpg"}'
	assert_line --index 1 --partial '"id":3,"name":"carol01","username":"carol01","remark":null'
	assert_line --index 2 --partial '"id":5,"name":"erin01"'
	[ "${#lines[@]}" = 3 ]
	run -0 --separate-stderr "$CHATCTL" user search CAROL --jq .id
	assert_output 3
}

@test "user search: a program failing on a user is a usage error naming it; what came before is printed" {
	run -2 --separate-stderr "$CHATCTL" user search 01 --jq 'if .id == 3 then error("no \(.username)") else .id end'
	[[ $stderr == "chatctl: user: --jq: no carol01"* ]]
	assert_output 1
}

@test "user search: nothing found is no output and exit 0" {
	run -0 --separate-stderr "$CHATCTL" user search nobody-like-this
	assert_output ''
	[ -z "$stderr" ]
}

@test "user: a form other than search, or a word over 50 characters, is a usage error before any request" {
	run -2 --separate-stderr "$CHATCTL" user find bob
	[[ $stderr == "chatctl: user: unknown form 'user find': expected 'user search WORD'"* ]]
	run -2 --separate-stderr "$CHATCTL" user search "$(printf 'x%.0s' $(seq 51))"
	run -2 --separate-stderr "$CHATCTL" user search ''
	run -2 --separate-stderr "$CHATCTL" user search
	[ "$(curl -sS "$SERVER_URL/__test/stats" | jq '.data.paths["/api/chat/searchUser"] // 0')" = 0 ]
}
