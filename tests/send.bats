#!/usr/bin/env bats
# chatctl send: one message, stdin, batches, retries.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
	login_as alice01
}
teardown() { common_teardown; }

stat_requests() { curl -ksS "$SERVER_URL/__test/stats" | jq '.data.paths["/api/chat/socket/sendmessage"] // 0'; }

@test "TEXT words are joined and wrapped as the app expects; the record is printed" {
	run -0 --separate-stderr "$CHATCTL" send 2 hello   bob
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	run jq -r '.from_id, .to_id, .chatType, .type, .data, (.options | tostring), (.id | test("^[0-9a-f-]{36}$"))' <<<"$output"
	assert_output '1
2
single
text
{"data":"hello bob","dataType":false,"otherData":null}
{}
true'
}

@test "no TEXT, or '-', reads all of stdin as one message" {
	run -0 "$CHATCTL" send --jq .data -r 2 <<<"line one
line two"
	assert_output '{"data":"line one\nline two","dataType":false,"otherData":null}'
	run -0 "$CHATCTL" send --jq .data -r 2 - <<<"from dash"
	assert_output '{"data":"from dash","dataType":false,"otherData":null}'
}

@test "--raw sends the text as data exactly; --type and --options go through" {
	run -0 "$CHATCTL" send --raw --type image --options '{"w":1,"中":"文"}' \
		--jq '[.type, .data, .options] | tostring' -r 2 'https://x/y.png'
	assert_output '["image","https://x/y.png",{"w":1,"中":"文"}]'
	run -0 "$CHATCTL" send --type image --jq .data -r 2 pic
	assert_output '{"data":"pic","dataType":"image","otherData":null}'
}

@test "--group sends to a group" {
	run -0 "$CHATCTL" send --group --jq '[.chatType, .to_id] | tostring' -r 1 hi team
	assert_output '["group",1]'
	run -1 --separate-stderr "$CHATCTL" send --group 99 hi
	assert_equal "$stderr" "chatctl: send: 群不存在或者已解散或者被封禁，无法发消息 (no such group, or it was dissolved or banned) (HTTP 400)"
}

@test "the server's refusals exit 1 with its message" {
	run -1 --separate-stderr "$CHATCTL" send 9999 hi
	assert_equal "$stderr" "chatctl: send: 对方不存在或者被禁用，不能发消息 (the recipient does not exist or is disabled) (HTTP 400)"
	run -1 --separate-stderr "$CHATCTL" send 4 hi
	assert_equal "$stderr" "chatctl: send: 对方不存在或者被禁用，不能发消息 (the recipient does not exist or is disabled) (HTTP 400)"
}

@test "the server's Chinese comes with its English: not a member of the group" {
	login_as carol01 carol
	run -1 --separate-stderr "$CHATCTL" -p carol send --group 1 hi
	assert_equal "$stderr" "chatctl: send: 您不在群里，无法发消息 (you are not a member of this group) (HTTP 400)"
}

@test "after TO every word is message text, even one that looks like an option" {
	run -0 --separate-stderr "$CHATCTL" send --jq '.data | fromjson | .data' -r 2 run it with -r please
	assert_output "run it with -r please"
	msg=--help
	run -0 --separate-stderr "$CHATCTL" send --jq '.data | fromjson | .data' -r 2 "$msg"
	assert_output -- "--help"
	run -0 --separate-stderr "$CHATCTL" send --jq '.data | fromjson | .data' -r 2 "-5 degrees"
	assert_output -- "-5 degrees"
	# Global options too: they go before TO.
	run -0 --separate-stderr "$CHATCTL" send --jq '.data | fromjson | .data' -r 2 hi --jq .id -v
	assert_output -- "hi --jq .id -v"
	[ -z "$stderr" ]
	# "--" still ends the options, before TO or right after it.
	run -0 --separate-stderr "$CHATCTL" send --jq '.data | fromjson | .data' -r -- 2 -r x
	assert_output -- "-r x"
	run -0 --separate-stderr "$CHATCTL" send --jq '.data | fromjson | .data' -r 2 -- -5 degrees
	assert_output -- "-5 degrees"
	run -0 --separate-stderr "$CHATCTL" send --jq '.data | fromjson | .data' -r 2 -- <<<"from stdin"
	assert_output "from stdin"
	# and a link runs by the same rule
	run -0 --separate-stderr chatctl-send --jq '.data | fromjson | .data' -r 2 -q
	assert_output -- "-q"
}

@test "not logged in: the hint logs in the profile that was asked for" {
	run -3 --separate-stderr "$CHATCTL" -p bot send 2 hi
	assert_equal "$stderr" "chatctl: send: not logged in (profile 'bot'): run 'chatctl -p bot -s $SERVER_URL login'"
}

@test "usage errors exit 2 and send nothing" {
	run -2 --separate-stderr "$CHATCTL" send
	[[ $stderr == "chatctl: send: missing argument: TO"* ]]
	run -2 --separate-stderr "$CHATCTL" send abc hi
	[[ $stderr == "chatctl: send: invalid user id 'abc': expected a whole number from 1 to 9007199254740991"* ]]
	run -2 --separate-stderr "$CHATCTL" send --group 1.5 hi
	[[ $stderr == "chatctl: send: invalid group id '1.5': expected a whole number from 1 to 9007199254740991"* ]]
	run -2 "$CHATCTL" send +2 hi
	run -2 --separate-stderr "$CHATCTL" send --options '{bad' 2 hi
	[[ $stderr == "chatctl: send: invalid --options JSON: "* ]]
	run -2 --separate-stderr "$CHATCTL" send 2 </dev/null
	[[ $stderr == "chatctl: send: nothing to send: the message is empty"* ]]
	run -2 "$CHATCTL" send --lines --json 2
	run -2 "$CHATCTL" send --lines 2 extra
	run -2 "$CHATCTL" send --keep-going 2 hi
	run -2 "$CHATCTL" send --retry -1 2 hi
	run -2 "$CHATCTL" send --type '' 2 hi
	[ "$(stat_requests)" = 0 ]
}

@test "not logged in exits 3" {
	run -3 --separate-stderr "$CHATCTL" -p nobody send 2 hi
	[[ $stderr == *"not logged in"* ]]
}

@test "--lines: one message per line, one record per line" {
	before=$(curl -ksS "$SERVER_URL/__test/stats" | jq .data.connections)
	run -0 --separate-stderr "$CHATCTL" send --lines 2 <<<"one
two

three"
	after=$(curl -ksS "$SERVER_URL/__test/stats" | jq .data.connections)
	# a connection per message (lib/http.c says why), and the stats request
	[ $((after - before)) = 4 ]
	[ "${#lines[@]}" -eq 3 ]
	run jq -r '.data | fromjson | .data' <<<"$output"
	assert_output "one
two
three"
	[ "$(stat_requests)" = 3 ]
}

@test "--json: one object per line, defaults from the command line" {
	run -0 --separate-stderr "$CHATCTL" send --json --jq '[.to_id, .chatType, .type, .data] | tostring' -r 2 <<'EOF2'
{"data":"plain"}
{"to":1,"data":"to myself"}
{"to":"1","group":true,"data":"team"}
{"data":{"data":"app object","dataType":false,"otherData":null},"type":"text"}
{"data":"u","type":"image","options":{"k":2}}
EOF2
	assert_output '[2,"single","text","{\"data\":\"plain\",\"dataType\":false,\"otherData\":null}"]
[1,"single","text","{\"data\":\"to myself\",\"dataType\":false,\"otherData\":null}"]
[1,"group","text","{\"data\":\"team\",\"dataType\":false,\"otherData\":null}"]
[2,"single","text",{"data":"app object","dataType":false,"otherData":null}]
[2,"single","image","{\"data\":\"u\",\"dataType\":\"image\",\"otherData\":null}"]'
}

@test "a batch stops at the first failure, with an error line, and its exit code" {
	run -1 --separate-stderr "$CHATCTL" send --json <<'EOF2'
{"to":2,"data":"ok"}
{"to":9999,"data":"no such user"}
{"to":2,"data":"never sent"}
EOF2
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 1 '{"line":2,"exit":1,"error":"对方不存在或者被禁用，不能发消息 (the recipient does not exist or is disabled) (HTTP 400)"}'
	assert_equal "$stderr" "chatctl: send: line 2: 对方不存在或者被禁用，不能发消息 (the recipient does not exist or is disabled) (HTTP 400)"
	[ "$(stat_requests)" = 2 ]
}

@test "--keep-going sends the rest and exits with the first failure's code" {
	run -2 --separate-stderr "$CHATCTL" send --json --keep-going <<'EOF2'
{"to":2,"data":"a"}
not json
{"to":9999,"data":"b"}
{"to":2,"data":"c"}
EOF2
	[ "${#lines[@]}" -eq 4 ]
	assert_line --index 1 '{"line":2,"exit":2,"error":"not a JSON object"}'
	assert_line --index 2 --partial '"line":3,"exit":1'
	[[ ${lines[3]} == *'"to_id":2'* ]]
	[[ $stderr == *"chatctl: send: line 3: 对方不存在"* ]]
	[[ $stderr == *"chatctl: send: line 2: not a JSON object"* ]]
}

@test "retries on 503 until it goes through, saying so on stderr" {
	hook fail "count=2&status=503" >/dev/null
	run -0 --separate-stderr "$CHATCTL" send 2 hi
	[[ $stderr == *"server error (HTTP 503)"*"retrying in 0.5 s (1 of 3)"* ]]
	[[ $stderr == *"retrying in 1.0 s (2 of 3)"* ]]
	[ "$(stat_requests)" = 3 ]
}

@test "gives up after --retry N with the real cause" {
	hook fail "count=5&status=503" >/dev/null
	run -5 --separate-stderr "$CHATCTL" send --retry 1 2 hi
	[[ $stderr == *"chatctl: send: server error (HTTP 503)"* ]]
	[ "$(stat_requests)" = 2 ]
}

@test "never retries what may have been delivered (500)" {
	hook fail "count=1&status=500" >/dev/null
	run -5 --separate-stderr "$CHATCTL" send 2 hi
	[[ $stderr != *retrying* ]]
	[ "$(stat_requests)" = 1 ]
}

@test "retries a refused connection, then exits 4" {
	CHATCTL_TOKEN=explicit run -4 --separate-stderr "$CHATCTL" -s http://127.0.0.1:1 send --retry 1 2 hi
	[[ $stderr == *"retrying in 0.5 s (1 of 1)"* ]]
	[[ $stderr == *"chatctl: send: cannot reach "* ]]
}

@test "a timeout is not retried: the message may have arrived" {
	hook hang "count=1" >/dev/null
	run -4 --separate-stderr "$CHATCTL" --max-time 1 send 2 hi
	[[ $stderr != *retrying* ]]
}

@test "a connect timeout is retried: nothing can have been delivered" {
	start_blackhole
	CHATCTL_TOKEN=explicit run -4 --separate-stderr "$CHATCTL" -s "$BLACKHOLE_URL" --connect-timeout 0.5 send --retry 1 2 hi
	[[ $stderr == *"retrying in 0.5 s (1 of 1)"* ]]
	[[ $stderr == *"chatctl: send: timed out talking to "* ]]
}

# @NAME names a user (lib/people.h): a friend by user name, else by remark,
# else the one user a search finds by exact user name.
paths() { curl -ksS "$SERVER_URL/__test/stats" | jq -c '.data.paths | with_entries(select(.key | test("goodfriendlist|searchUser")))'; }

@test "@NAME: a friend by user name costs one request; by remark too" {
	run -0 --separate-stderr "$CHATCTL" send --jq .to_id @bob001 hello
	assert_output 2
	assert_equal "$(paths)" '{"/api/chat/goodfriendlist/1":1}'
	login_as bob001 bob
	run -0 --separate-stderr "$CHATCTL" -p bob send --jq .to_id @Alice-remark hi
	assert_output 1
}

@test "@NAME: a user who is not a friend is found by a search, exact name only" {
	run -0 --separate-stderr "$CHATCTL" apply @carol01 --message hi
	run -0 "$CHATCTL" -q isfriend @bob001
	assert_equal "$(paths)" '{"/api/chat/goodfriendlist/1":2,"/api/chat/searchUser":1}'
	# "carol" is in carol01's name, but is nobody's name.
	run -1 --separate-stderr "$CHATCTL" send @carol hi
	assert_equal "$stderr" "chatctl: send: @carol: no friend and no user has that name (see 'chatctl friends' and 'chatctl user search carol')"
}

@test "@NAME: two friends of that remark are ambiguous: exit 1 naming both, nothing sent" {
	jq -n '{users: [{id: 1, username: "me01", password: "123456"}, {id: 2, username: "ann01", password: "123456"},
		{id: 3, username: "ann02", password: "123456"}],
		friends: [{user_id: 1, friend_id: 2, nickname: "Ann"}, {user_id: 1, friend_id: 3, nickname: "Ann"}]}' >"$BATS_TEST_TMPDIR/anns.json"
	stop_server
	SEED=$BATS_TEST_TMPDIR/anns.json start_server
	login_as me01
	run -1 --separate-stderr "$CHATCTL" send @Ann hi
	assert_equal "$stderr" "chatctl: send: @Ann is ambiguous: 2 friends' remarks match: ann01 (id 2), ann02 (id 3)"
	[ "$(stat_requests)" = 0 ]
	run -0 --separate-stderr "$CHATCTL" send --jq .to_id @ann02 hi
	assert_output 3
}

@test "@NAME in a --json batch's \"to\", and a bare @ is no name" {
	run -0 --separate-stderr "$CHATCTL" send --json <<<'{"to":"@bob001","data":"from a batch"}'
	[[ $output == *'"to_id":2'* ]]
	run -2 --separate-stderr "$CHATCTL" send @ hi
	[[ $stderr == *"invalid user id '@': expected a whole number from 1 to 9007199254740991, or @NAME"* ]]
}
