#!/usr/bin/env bats
# chatctl history: what the mailbox holds, read offline; and send keeping
# what it sent there. (What listen receives is stored by listen; its tests
# are in listen-mailbox.bats.)
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
	login_as alice01
}
teardown() { common_teardown; }

# alice's mailbox (user 1), and its directory.
mailbox() { echo "$XDG_STATE_HOME"/chatctl/*-1.db; }
STATE() { echo "$XDG_STATE_HOME/chatctl"; }

# The frame a record was delivered in, as history prints it.
frame_of() { jq -c '{type: "singleChat", data: ., timestamp: .create_time}' <<<"$1"; }

# @SECONDS.mmm of a record's create_time: exactly that millisecond.
at() { local t; t=$(jq .create_time <<<"$1"); printf '@%d.%03d' $((t / 1000)) $((t % 1000)); }

# send TO TEXT... [send options]: the record, compact.
send() { "$CHATCTL" send "$@"; }

@test "sent messages come back as the frames their recipient got, in order; --with selects a chat" {
	local r1 r2 r3
	r1=$(send 2 one) && r2=$(send 2 two) && r3=$(send --group 1 to the team) || fail "send failed"
	run -0 --separate-stderr "$CHATCTL" history
	[ -z "$stderr" ]
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 "$(frame_of "$r1")"
	assert_line --index 1 "$(frame_of "$r2")"
	assert_line --index 2 "$(frame_of "$r3")"
	run -0 "$CHATCTL" history --with 2
	assert_output "$(frame_of "$r1")
$(frame_of "$r2")"
	run -0 "$CHATCTL" history --group 1
	assert_output "$(frame_of "$r3")"
	run -0 "$CHATCTL" history --with 3
	assert_output ''
	run -0 "$CHATCTL" history --group 2
	assert_output ''
}

@test "--jq and -r apply to each frame; the output is one line per frame even with --pretty" {
	local r1 r2
	r1=$(send 2 one) && r2=$(send 2 two) || fail "send failed"
	run -0 "$CHATCTL" history --jq .data.id -r
	assert_output "$(jq -r .id <<<"$r1")
$(jq -r .id <<<"$r2")"
	run -0 "$CHATCTL" history --jq 'select(.data.data | fromjson | .data == "two") | .data.to_id'
	assert_output 2
	run -0 "$CHATCTL" history --pretty --jq '{id: .data.id}'
	assert_equal "${#lines[@]}" 2
	run -0 "$CHATCTL" history --pretty
	assert_equal "${#lines[@]}" 2
	run -2 --separate-stderr "$CHATCTL" history --jq '.['
	[[ $stderr == *"invalid --jq program"* ]]
}

@test "--limit N prints the newest N, oldest first" {
	local r1 r2 r3
	r1=$(send 2 one) && r2=$(send 2 two) && r3=$(send 2 three) || fail "send failed"
	run -0 "$CHATCTL" history --limit 2 --jq .data.id -r
	assert_output "$(jq -r .id <<<"$r2")
$(jq -r .id <<<"$r3")"
	run -0 "$CHATCTL" history -n 1 --jq .data.id -r
	assert_output "$(jq -r .id <<<"$r3")"
	run -0 "$CHATCTL" history --limit 0 --jq .data.id -r
	assert_equal "${#lines[@]}" 3
	run -0 "$CHATCTL" history --limit 9 --jq .data.id -r
	assert_equal "${#lines[@]}" 3
	run -0 "$CHATCTL" history --limit 1 --with 2 --until "$(at "$r3")" --jq .data.id -r
	assert_output "$(jq -r .id <<<"$r2")"
}

@test "--since is inclusive and --until exclusive, to the millisecond with @SECONDS" {
	local r1 r2 ids
	r1=$(send 2 one) && r2=$(send 2 two) || fail "send failed"
	[ "$(jq .create_time <<<"$r1")" -lt "$(jq .create_time <<<"$r2")" ] || skip "both sent in one millisecond"
	ids() { "$CHATCTL" history --jq .data.data -r "$@" | jq -r .data | paste -sd, -; }
	assert_equal "$(ids --since "$(at "$r1")")" one,two
	assert_equal "$(ids --since "$(at "$r2")")" two
	assert_equal "$(ids --until "$(at "$r2")")" one
	assert_equal "$(ids --until "$(at "$r1")")" ''
	assert_equal "$(ids --since "$(at "$r1")" --until "$(at "$r2")")" one
	assert_equal "$(ids --since "$(at "$r2")" --until "$(at "$r1")")" ''
	# Whole seconds: the second a message was sent in holds it.
	local s1=$(($(jq .create_time <<<"$r1") / 1000))
	assert_equal "$(ids --since "@$s1" --with 2)" one,two
	assert_equal "$(ids --until "@$s1")" ''
	assert_equal "$(ids --until @0)" ''
	assert_equal "$(ids --since @0)" one,two
}

@test "--since and --until take durations ago" {
	send 2 one >/dev/null && send 2 two >/dev/null || fail "send failed"
	local t
	for t in 30s 15m 2h 7d 3600s; do
		run -0 "$CHATCTL" history --since "$t" --jq .data.id
		assert_equal "${#lines[@]}" 2
		run -0 "$CHATCTL" history --until "$t"
		assert_output ''
	done
	# Nothing is sent in the future: since "0 seconds ago" is empty.
	sleep 0.01
	run -0 "$CHATCTL" history --since 0s
	assert_output ''
	run -0 "$CHATCTL" history --until 0s --jq .data.id
	assert_equal "${#lines[@]}" 2
}

@test "--since and --until take dates and times, local or UTC (Z)" {
	local r s wall day
	r=$(send 2 one) || fail "send failed"
	s=$(($(jq .create_time <<<"$r") / 1000))
	export TZ=Asia/Tokyo
	wall=$(date -d "@$s" +%FT%T) day=$(date -d "@$s" +%F)
	# The local time of the second it was sent in: inclusive, exclusive.
	run -0 "$CHATCTL" history --since "$wall" --jq .data.id
	assert_equal "${#lines[@]}" 1
	run -0 "$CHATCTL" history --until "$wall"
	assert_output ''
	# The same wall clock read as UTC is 9 hours later.
	run -0 "$CHATCTL" history --since "${wall}Z"
	assert_output ''
	run -0 "$CHATCTL" history --until "${wall}Z" --jq .data.id
	assert_equal "${#lines[@]}" 1
	# UTC's own wall clock with Z is the same instant again.
	run -0 "$CHATCTL" history --since "$(TZ=UTC date -d "@$s" +%FT%T)Z" --jq .data.id
	assert_equal "${#lines[@]}" 1
	# Minutes only: the minute it was sent in.
	run -0 "$CHATCTL" history --since "${wall%:*}" --until "$(date -d "@$((s + 60))" +%FT%H:%M)" --jq .data.id
	assert_equal "${#lines[@]}" 1
	# A date is local midnight.
	run -0 "$CHATCTL" history --since "$day" --jq .data.id
	assert_equal "${#lines[@]}" 1
	run -0 "$CHATCTL" history --until "$day"
	assert_output ''
	run -0 "$CHATCTL" history --since 2000-01-01 --until 2999-12-31 --jq .data.id
	assert_equal "${#lines[@]}" 1
}

@test "--type matches the frame type or the message type, repeatable" {
	send 2 words >/dev/null && send --type image --raw 2 https://x/y.png >/dev/null || fail "send failed"
	run -0 "$CHATCTL" history --type image --jq .data.data -r
	assert_output 'https://x/y.png'
	run -0 "$CHATCTL" history -t text --jq .data.type -r
	assert_output text
	run -0 "$CHATCTL" history --type text --type image --jq .data.type -r
	assert_output 'text
image'
	run -0 "$CHATCTL" history --type singleChat --jq .data.type -r
	assert_equal "${#lines[@]}" 2
	run -0 "$CHATCTL" history --type video
	assert_output ''
}

@test "history needs no server: it works with the server stopped" {
	local r
	r=$(send 2 kept) || fail "send failed"
	stop_server
	run -0 --separate-stderr "$CHATCTL" history --with 2
	assert_output "$(frame_of "$r")"
	[ -z "$stderr" ]
	run -0 --separate-stderr chatctl-history --with 2
	assert_output "$(frame_of "$r")"
}

@test "the mailbox is the account's: another profile or CHATCTL_TOKEN of the same user shares it" {
	local r tok
	r=$(send 2 shared) || fail "send failed"
	tok=$(echo 123456 | "$CHATCTL" -p other login --username alice01 --password-stdin --print-token)
	run -0 "$CHATCTL" -p other history
	assert_output "$(frame_of "$r")"
	run -0 env CHATCTL_TOKEN="$tok" "$CHATCTL" -p nobody history
	assert_output "$(frame_of "$r")"
	# bob has sent nothing from here: no mailbox, nothing printed.
	login_as bob001 bot
	run -0 --separate-stderr "$CHATCTL" -p bot history
	assert_output ''
	[ -z "$stderr" ]
}

@test "not logged in exits 3 with the hint" {
	run -3 --separate-stderr "$CHATCTL" -p nobody history
	assert_equal "$stderr" "chatctl: history: not logged in (profile 'nobody'): run 'chatctl -p nobody -s $SERVER_URL login'"
	assert_output ''
}

@test "a bad --since or --until exits 2 naming the forms, before anything else" {
	local t
	for t in yesterday 10x -5m 5 1w 2024-02-30 2024-13-01 2024-1-01 2024-01-01T25:00 \
		2024-01-01T10 2024-01-01T10:00:61 '2024-01-01 10:00' 2024-01-01Z @ @1. @x @-1 ''; do
		run -2 --separate-stderr "$CHATCTL" history --since "$t"
		assert_equal "$stderr" "chatctl: history: invalid --since '$t': expected a duration ago (30s, 15m, 2h, 7d), a date YYYY-MM-DD, a local time YYYY-MM-DDTHH:MM[:SS] (UTC with a trailing Z) or @SECONDS since the epoch
try 'chatctl history --help'"
	done
	run -2 --separate-stderr "$CHATCTL" history --until soon
	[[ $stderr == "chatctl: history: invalid --until 'soon': expected a duration ago"* ]]
	# A usage error comes before "not logged in".
	run -2 "$CHATCTL" -p nobody history --since soon
}

@test "bad ids, limits and types exit 2" {
	run -2 --separate-stderr "$CHATCTL" history --with abc
	[[ $stderr == "chatctl: history: invalid --with 'abc': expected a user id, a whole number from 1 to 9007199254740991"* ]]
	run -2 "$CHATCTL" history --with 0
	run -2 "$CHATCTL" history --with 1.5
	run -2 "$CHATCTL" history --with +2
	run -2 "$CHATCTL" history --with ' 2'
	run -2 --separate-stderr "$CHATCTL" history --group x
	[[ $stderr == "chatctl: history: invalid --group 'x': expected a group id, a whole number from 1 to 9007199254740991"* ]]
	run -2 "$CHATCTL" history --group -3
	run -2 "$CHATCTL" history --limit -1
	run -2 "$CHATCTL" history --limit many
	run -2 --separate-stderr "$CHATCTL" history --with 2 --group 1
	[[ $stderr == "chatctl: history: --with and --group do not go together"* ]]
	run -2 "$CHATCTL" history --type ''
	run -2 "$CHATCTL" history extra
}

@test "a --type the server is not known to send is warned about, and still filters" {
	run -0 --separate-stderr "$CHATCTL" history --type txt --type txt
	assert_output ''
	assert_equal "$stderr" "chatctl: history: --type 'txt' is none the server is known to send (singleChat|text|iconMenus|image|audio|video|systemNotice); filtering on it anyway, in case it is a new one"
	run -0 --separate-stderr "$CHATCTL" history --type text --type singleChat
	[ -z "$stderr" ]
}

@test "no mailbox yet: nothing, exit 0, and nothing is created" {
	run -0 --separate-stderr "$CHATCTL" history
	assert_output ''
	[ -z "$stderr" ]
	[ ! -e "$(STATE)" ] || [ -z "$(ls -A "$(STATE)")" ]
	# A send the server refused keeps nothing either.
	run -1 "$CHATCTL" send 9999 hi
	run -0 "$CHATCTL" history
	assert_output ''
	[ ! -e "$(STATE)" ] || [ -z "$(ls -A "$(STATE)")" ]
}

@test "the mailbox is 0600 in a 0700 directory, whatever the umask" {
	umask 022
	send 2 hi >/dev/null || fail "send failed"
	[ -f "$(mailbox)" ] || fail "no mailbox in $(STATE)"
	assert_equal "$(stat -c %a "$(STATE)")" 700
	local f
	for f in "$(STATE)"/*; do
		case $f in *.db | *.db-wal | *.db-shm) assert_equal "$(stat -c %a "$f")" 600 ;; esac
	done
}

@test "a sent message is stored once: a retried request, a batch" {
	hook fail count=1\&status=503 >/dev/null
	run -0 --separate-stderr "$CHATCTL" send --retry 1 2 once
	run -0 "$CHATCTL" history --jq .data.data -r
	assert_equal "${#lines[@]}" 1
	run -0 "$CHATCTL" send --lines 2 <<<"a
b
c"
	run -0 "$CHATCTL" history --jq .data.data -r
	assert_equal "${#lines[@]}" 4
	run -1 "$CHATCTL" send --json <<<'{"to":2,"data":"d"}
{"to":9999,"data":"refused"}'
	run -0 "$CHATCTL" history --jq '.data.data | fromjson | .data' -r
	assert_output 'once
a
b
c
d'
}

@test "a corrupt mailbox: history exits 6 naming it and leaves it; send still sends, with a warning" {
	local before
	send 2 hi >/dev/null || fail "send failed"
	rm -f "$(mailbox)"-wal "$(mailbox)"-shm
	for _ in $(seq 200); do echo "this is not an SQLite database"; done >"$(mailbox)"
	before=$(sha256sum <"$(mailbox)")
	run -6 --separate-stderr "$CHATCTL" history
	assert_output ''
	[[ $stderr == "chatctl: history: "*"$(mailbox)"* ]] || fail "no path in: $stderr"
	assert_equal "$(sha256sum <"$(mailbox)")" "$before"
	run -0 --separate-stderr "$CHATCTL" send 2 still sent
	assert_equal "$(jq -r .data <<<"$output" | jq -r .data)" 'still sent'
	[[ $stderr == "chatctl: send: sent, but not kept in the mailbox: "*"$(mailbox)"* ]] ||
		fail "no warning with the path in: $stderr"
	assert_equal "$(sha256sum <"$(mailbox)")" "$before"
	# A batch says it for each message, and still exits 0.
	run -0 --separate-stderr "$CHATCTL" send --lines 2 <<<"x
y"
	assert_equal "${#lines[@]}" 2
	assert_equal "$(grep -c 'sent, but not kept in the mailbox' <<<"$stderr")" 2
}

@test "many sends: every record kept, and the WAL they leave stays short" {
	for i in $(seq 1 40); do "$CHATCTL" send 2 "number $i" >/dev/null; done
	# send leaves its commits in the WAL, and truncates it past 256 KiB
	[ -e "$(mailbox)-wal" ]
	[ "$(command stat -c %s "$(mailbox)-wal")" -le $((256 * 1024 + 32768)) ]
	run -0 --separate-stderr "$CHATCTL" history --jq '.data.data | fromjson | .data' -r
	[ "${#lines[@]}" = 40 ]
	[ "${lines[0]}" = "number 1" ]
	[ "${lines[39]}" = "number 40" ]
}

@test "--with @NAME asks the server who that is (one request), and nothing else" {
	"$CHATCTL" send 2 "to bob" >/dev/null
	"$CHATCTL" send --group 1 "to the team" >/dev/null
	run -0 --separate-stderr "$CHATCTL" history --with @bob001 --jq text -r
	assert_output "to bob"
	assert_equal "$(curl -sS "$SERVER_URL/__test/stats" | jq -c '.data.paths | with_entries(select(.key | test("goodfriendlist|searchUser")))')" \
		'{"/api/chat/goodfriendlist/1":1}'
	# A plain id needs no server at all.
	stop_server
	run -0 --separate-stderr "$CHATCTL" history --with 2 --jq text -r
	assert_output "to bob"
	run -4 --separate-stderr "$CHATCTL" history --with @bob001
}
