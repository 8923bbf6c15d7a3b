#!/usr/bin/env bats
# chatctl apply: send, list and answer friend requests.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
	login_as alice01
}
teardown() { common_teardown; }

@test "apply ID sends a request with a note" {
	run -0 --separate-stderr "$CHATCTL" apply 5 --message "hi erin"
	assert_output '"ok"'
	login_as erin01 erin
	run -0 "$CHATCTL" -p erin apply list --jq '.alldata[0] | "\(.user_id) \(.nickname) \(.status)"' -r
	assert_output "1 hi erin pending"
}

@test "the server's refusals exit 1 with its message" {
	"$CHATCTL" apply 5 >/dev/null
	run -1 --separate-stderr "$CHATCTL" apply 5
	assert_equal "$stderr" "chatctl: apply: 您已经申请过了，请勿重复申请 (you have asked already: the request is pending or accepted) (HTTP 400)"
	run -1 --separate-stderr "$CHATCTL" apply 1
	assert_equal "$stderr" "chatctl: apply: 不能添加自己为好友 (you cannot add yourself as a friend) (HTTP 400)"
	run -1 --separate-stderr "$CHATCTL" apply 9999
	assert_equal "$stderr" "chatctl: apply: 添加的好友不存在 (no such user, or the account is disabled) (HTTP 400)"
}

@test "apply list shows requests to me with pendingCount; --page and --limit page them" {
	run -0 "$CHATCTL" apply list --jq '.pendingCount, (.alldata | length), .alldata[0].id, .alldata[0].user.username'
	assert_output '1
1
1
"carol01"'
	run -0 "$CHATCTL" apply list --page 2 --jq '.alldata | length'
	assert_output 0
	run -0 "$CHATCTL" apply list --limit 1 --jq '.alldata | length'
	assert_output 1
}

@test "accept makes friends both ways, with the remark" {
	run -1 -- "$CHATCTL" -q isfriend 3
	run -0 --separate-stderr "$CHATCTL" apply accept 1 --nickname Caz
	assert_output '"ok"'
	run -0 "$CHATCTL" isfriend 3 --jq .nickname -r
	assert_output Caz
	login_as carol01 carol
	run -0 "$CHATCTL" -p carol isfriend 1
	run -0 "$CHATCTL" apply list --jq '.pendingCount, .alldata[0].status' -r
	assert_output "0
agree"
	run -1 --separate-stderr "$CHATCTL" apply accept 1
	assert_equal "$stderr" "chatctl: apply: 申请不存在或已处理 (no such pending request: it may have been answered already) (HTTP 400)"
}

@test "refuse and ignore answer without making friends" {
	run -0 "$CHATCTL" apply refuse 1
	run -1 "$CHATCTL" -q isfriend 3
	run -0 "$CHATCTL" apply list --jq '.alldata[0].status' -r
	assert_output refuse
	login_as carol01 carol
	"$CHATCTL" -p carol apply 1 >/dev/null
	id=$("$CHATCTL" apply list --jq '.alldata[0].id')
	run -0 "$CHATCTL" apply ignore "$id"
	run -0 "$CHATCTL" apply list --jq '.alldata[0].status' -r
	assert_output ignore
}

@test "usage errors exit 2 and send nothing" {
	run -2 --separate-stderr "$CHATCTL" apply frobnicate
	[[ $stderr == "chatctl: apply: expected a user id or @NAME, 'list', 'accept', 'refuse' or 'ignore', not 'frobnicate'"* ]]
	run -2 --separate-stderr "$CHATCTL" apply accept
	[[ $stderr == "chatctl: apply: missing APPLY_ID after 'accept'"* ]]
	run -2 "$CHATCTL" apply accept x
	run -2 "$CHATCTL" apply +3
	run -2 "$CHATCTL" apply 9007199254740992
	run -2 "$CHATCTL" apply list --page 0
	run -2 "$CHATCTL" apply list --limit abc
	run -2 --separate-stderr "$CHATCTL" apply accept 1 --page 2
	[[ $stderr == "chatctl: apply: --page does not go with 'apply accept'"* ]]
	run -2 "$CHATCTL" apply 5 --nickname x
	run -2 "$CHATCTL" apply list extra
	run -2 "$CHATCTL" apply
	run -0 "$CHATCTL" apply list --jq .pendingCount
	assert_output 1
}

@test "not logged in exits 3" {
	run -3 "$CHATCTL" -p nobody apply list
}
