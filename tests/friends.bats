#!/usr/bin/env bats
# chatctl friends: my friends, one JSON object each, every page.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
}
teardown() { common_teardown; }

@test "one object per friend: the user's id, the shown name, remark and nickname" {
	start_server
	login_as bob001
	run -0 --separate-stderr "$CHATCTL" friends
	assert_output '{"id":1,"name":"Alice-remark","username":"alice01","remark":"Alice-remark","nickname":"Alice","avatar":"https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/user.jpg"}'
	run -0 --separate-stderr "$CHATCTL" friends --jq '"\(.id) \(.name)"' -r
	assert_output '1 Alice-remark'
	login_as alice01
	run -0 --separate-stderr "$CHATCTL" friends --jq '[.id, .name, .remark, .nickname] | tojson' -r
	assert_output '[2,"bob001","",""]'
}

@test "no friends: the server's rows [] is no output and exit 0" {
	start_server
	login_as carol01
	run -0 --separate-stderr "$CHATCTL" friends
	assert_output ''
	[ -z "$stderr" ]
}

# The server's page holds 2000 friends: 2500 take two pages, in its order
# (by the initial of the name the app shows, within each page).
@test "every page is fetched: 2500 friends, each once, in the server's order" {
	jq -n '{users: ([{id: 1, username: "me01", password: "123456"}] +
		[range(2; 2502) | {id: ., username: "u\(.)", password: "123456", nickname: (if . % 2 == 0 then "Zed\(.)" else "amy\(.)" end)}]),
		friends: [range(2; 2502) | {user_id: 1, friend_id: ., nickname: ""}]}' >"$BATS_TEST_TMPDIR/many.json"
	SEED=$BATS_TEST_TMPDIR/many.json start_server
	login_as me01
	run -0 --separate-stderr "$CHATCTL" friends --jq .id
	[ "${#lines[@]}" = 2500 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" = 2500 ]
	[ "$(curl -sS "$SERVER_URL/__test/stats" | jq '.data.paths | to_entries | map(select(.key | startswith("/api/chat/goodfriendlist"))) | map(.value) | add')" = 2 ]
	run -0 --separate-stderr "$CHATCTL" friends --jq '.name[0:1] | ascii_upcase' -r
	[ "$(printf '%s\n' "${lines[@]}" | uniq | tr -d '\n')" = AZAZ ]
}

@test "a program failing on a friend is a usage error naming it" {
	start_server
	login_as bob001
	run -2 --separate-stderr "$CHATCTL" friends --jq 'error("no")'
	[[ $stderr == "chatctl: friends: --jq: no"* ]]
}

@test "not logged in: exit 3; an operand is a usage error" {
	start_server
	run -3 --separate-stderr "$CHATCTL" friends
	run -2 --separate-stderr "$CHATCTL" friends 2
}
