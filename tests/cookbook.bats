#!/usr/bin/env bats
# The README cookbook: every recipe is taken from README.md as written and
# run against serve, so the README cannot drift from what works.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
	login_as alice01 bot
	login_as bob001 bob
	WORK=$BATS_TEST_TMPDIR/work
	mkdir -p "$WORK" "$BATS_TEST_TMPDIR/bin"
	cd "$WORK"
	export PATH="$BATS_TEST_TMPDIR/bin:$PATH"
}
teardown() {
	[ -n "${PGID:-}" ] && kill -- "-$PGID" 2>/dev/null
	common_teardown
}

# ws_open N: serve has N WebSockets open.
ws_open() { [ "$(curl -sS "$SERVER_URL/__test/stats" | jq .data.ws_open)" = "$1" ]; }

# recipe NAME: the shell code under <!-- recipe: NAME --> in README.md.
recipe() {
	awk -v tag="<!-- recipe: $1 -->" '
		$0 == tag { found = 1; next }
		found && /^```sh$/ { inside = 1; next }
		inside && /^```$/ { exit }
		inside { print }
	' "$BATS_TEST_DIRNAME/../README.md"
}

@test "every recipe is in the README" {
	for r in drain forward shared bot allow notify health; do
		[ -n "$(recipe "$r")" ]
	done
}

@test "cron drain: offline messages are mailed once, then nothing" {
	cat >"$BATS_TEST_TMPDIR/bin/mail" <<'EOF2'
#!/bin/sh
{ echo "to: $3, subject: $2"; cat; } >>"$MAILBOX"
EOF2
	chmod +x "$BATS_TEST_TMPDIR/bin/mail"
	export MAILBOX=$BATS_TEST_TMPDIR/mailbox
	"$CHATCTL" -p bob send 1 "deploy done" >/dev/null
	"$CHATCTL" -p bob send --raw 1 "a plain string" >/dev/null
	run -0 bash -c "$(recipe drain)"
	run cat "$MAILBOX"
	assert_output "to: ops@example.com, subject: chat: new messages
bob001: deploy done
bob001: a plain string"
	rm "$MAILBOX"
	run -0 bash -c "$(recipe drain)"
	[ ! -e "$MAILBOX" ]
}

@test "forward: each message reaches the handler on its stdin" {
	cat >handle-message <<'EOF2'
#!/bin/sh
jq -r '.data.id' >>"$HANDLED"
EOF2
	chmod +x handle-message
	export HANDLED=$BATS_TEST_TMPDIR/handled
	setsid bash -c "$(recipe forward)" 3>&- &
	PGID=$!
	wait_until -p "$PGID" -m "the recipe's WebSocket" ws_open 1
	a=$("$CHATCTL" -p bob send --jq .id -r 1 one)
	b=$("$CHATCTL" -p bob send --jq .id -r 1 two)
	wait_for -p "$PGID" "$HANDLED" . 2
	run cat "$HANDLED"
	assert_output "$a
$b"
}

@test "shared: the bot and the cron drain both see every message, over one socket" {
	cat >answer <<'EOF2'
#!/bin/sh
jq --unbuffered -r '.data.id' >>"$ANSWERED"
EOF2
	chmod +x answer
	export ANSWERED=$BATS_TEST_TMPDIR/answered
	a=$("$CHATCTL" -p bob send --jq .id -r 1 "while nobody listened")
	setsid bash -c "$(recipe shared)" 3>&- &
	PGID=$!
	wait_for "$ANSWERED" "$a"
	# the cron run ends after 5 quiet seconds; the bot goes on
	wait_until -t 15 -m "the cron run to end" eval '! kill -0 $PGID 2>/dev/null'
	grep -q "$a" inbox.ndjson
	b=$("$CHATCTL" -p bob send --jq .id -r 1 "after the cron run")
	wait_for "$ANSWERED" "$b"
	[ "$(wc -l <inbox.ndjson)" = 1 ]
	ws_open 1
}

@test "bot: answers messages in a chat and in a group, never a friend request or a notice" {
	login_as erin01 erin
	setsid bash -c "$(recipe bot)" 3>&- &
	PGID=$!
	wait_until -p "$PGID" -m "the recipe's WebSocket" ws_open 1
	"$CHATCTL" -p erin apply 1 --message "let me in" >/dev/null
	"$CHATCTL" -p bob send 1 '{"json": "inside"} and "quotes"' >/dev/null
	"$CHATCTL" -p bob send --group 1 "hello team" >/dev/null
	run -0 "$CHATCTL" -p bob listen --count 2 --timeout 10 --jq '[.data.chatType, text] | join(" ")' -r
	assert_output 'single you said: {"json": "inside"} and "quotes"
group you said: hello team'
	# erin's request was not answered: she has no mail at all
	run -0 "$CHATCTL" -p erin listen --idle 2
	assert_output ''
}

@test "allow-list: listed users are accepted, the others ignored" {
	login_as erin01 erin
	"$CHATCTL" -p erin apply 1 --message "let me in" >/dev/null
	echo carol01 >allowed-users.txt
	run -0 bash -c "$(recipe allow)"
	run -0 "$CHATCTL" -p bot isfriend 3 --jq .nickname -r
	assert_output carol01
	run -1 "$CHATCTL" -q -p bot isfriend 5
	run -0 "$CHATCTL" -p bot apply list --jq '.pendingCount, ([.alldata[].status] | sort | join(","))' -r
	assert_output "0
agree,ignore"
}

@test "notify: a failing script's tail reaches the user" {
	cat >run-tests <<'EOF2'
#!/bin/sh
echo "ok 1 parses"
echo "not ok 2 renders"
exit 1
EOF2
	chmod +x run-tests
	run -0 bash -c "$(recipe notify)"
	run -0 "$CHATCTL" -p bob listen --count 1 --timeout 5 --jq '.data.data | fromjson | .data' -r
	assert_output "tests failed on $(hostname):
ok 1 parses
not ok 2 renders"
	# and nothing is sent when the script passes
	printf '#!/bin/sh\nexit 0\n' >run-tests
	run -0 bash -c "$(recipe notify)"
	run -0 "$CHATCTL" -p bob listen --idle 0.5
	assert_output ""
}

@test "health check: OK, auth, unreachable and misbehaving" {
	run -0 --separate-stderr bash -c "$(recipe health)"
	assert_output "OK: chat server up, token accepted"
	hook garbage "count=1" >/dev/null
	run -1 --separate-stderr bash -c "$(recipe health)"
	assert_output "WARNING: chat server misbehaving"
	CHATCTL_TOKEN=forged run -2 --separate-stderr bash -c "$(recipe health)"
	assert_output "CRITICAL: token rejected: run chatctl -p bot login"
	stop_server
	run -2 --separate-stderr bash -c "$(recipe health)"
	assert_output "CRITICAL: chat server unreachable"
}
