#!/usr/bin/env bats
# chatctl listen and its mailbox: nothing that reached the client is lost,
# and one account serves a bot, a cron job and a health check at once.
# serve behaves like the latest real server: a second socket of a user
# silently takes the deliveries (observed.md section L).
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
	LISTEN_PID= BOT_PID=
	STATE=$XDG_STATE_HOME/chatctl
}

teardown() {
	[ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null
	[ -n "$BOT_PID" ] && kill -9 "$BOT_PID" 2>/dev/null
	common_teardown
}

# bot PROFILE [listen options]: a second background listen (BOT_PID),
# its output in $OUT.bot and $ERR.bot.
bot() {
	local p=$1
	shift
	"$CHATCTL" -p "$p" -v listen "$@" >"$OUT.bot" 2>"$ERR.bot" 3>&- &
	BOT_PID=$!
}

texts() { jq -r '.data.data | fromjson | .data' "$@"; }

@test "three waiting: --count 1 prints one, the next run prints the other two" {
	send_as alice 2 one >/dev/null
	send_as alice 2 two >/dev/null
	send_as alice 2 three >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --count 1 --timeout 5
	run texts <<<"$output"
	assert_output one
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2
	run texts <<<"$output"
	assert_output "two
three"
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 1
	assert_output ""
}

@test "a filter skips without deleting: --type text leaves the image to other consumers" {
	send_as alice 2 words >/dev/null
	"$CHATCTL" -p alice send --type image 2 https://example.com/a.png >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --type text --idle 2
	run texts <<<"$output"
	assert_output words
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 1
	assert_output ""
	run -0 --separate-stderr "$CHATCTL" -p bob listen --consumer all --idle 2 --jq .data.type -r
	assert_output "text
image"
}

@test "a failed write loses nothing: >/dev/full exits 6, the next run prints all" {
	send_as alice 2 one >/dev/null
	send_as alice 2 two >/dev/null
	run -6 --separate-stderr sh -c '"$0" -p bob listen --idle 2 >/dev/full' "$CHATCTL"
	[[ $stderr == *"cannot write to standard output"* ]]
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2
	run texts <<<"$output"
	assert_output "one
two"
}

@test "a bot and a cron drain on one account: the cron run follows, the bot keeps receiving" {
	bot bob --consumer bot
	wait_for -p "$BOT_PID" "$ERR.bot" "offline messages requested"
	a=$(send_as alice 2 before-cron)
	wait_for -p "$BOT_PID" "$OUT.bot" "$a"
	run -0 --separate-stderr "$CHATCTL" -p bob -v listen --consumer cron --idle 2
	[[ $stderr == *"following"* ]]
	run texts <<<"$output"
	assert_output before-cron
	b=$(send_as alice 2 after-cron)
	wait_for -p "$BOT_PID" "$OUT.bot" "$b"
	[ "$(stat .data.ws_connects)" = 1 ]
	run texts "$OUT.bot"
	assert_output "before-cron
after-cron"
}

@test "two consumers both see every message, over one socket" {
	bot bob --consumer one
	wait_for -p "$BOT_PID" "$ERR.bot" "offline messages requested"
	listen_bg bob --consumer two
	wait_for -p "$LISTEN_PID" "$ERR" "following"
	a=$(send_as alice 2 first)
	b=$(send_as alice 2 second)
	wait_for -p "$LISTEN_PID" "$OUT" "$b"
	wait_for -p "$BOT_PID" "$OUT.bot" "$b"
	run texts "$OUT"
	assert_output "first
second"
	run texts "$OUT.bot"
	assert_output "first
second"
	[ "$(stat .data.ws_connects)" = 1 ]
}

@test "a killed holder is replaced by its follower; nothing is lost" {
	bot bob --consumer one
	wait_for -p "$BOT_PID" "$ERR.bot" "offline messages requested"
	listen_bg bob --consumer two
	wait_for -p "$LISTEN_PID" "$ERR" "following"
	a=$(send_as alice 2 before)
	wait_for -p "$LISTEN_PID" "$OUT" "$a"
	kill -9 "$BOT_PID"
	wait "$BOT_PID" 2>/dev/null || true
	BOT_PID=
	b=$(send_as alice 2 after-kill)
	wait_for -p "$LISTEN_PID" "$ERR" "taking over the socket"
	wait_for -p "$LISTEN_PID" "$OUT" "$b"
	run texts "$OUT"
	assert_output "before
after-kill"
	[ "$(stat .data.ws_connects)" = 2 ]
}

@test "kill -9 after an idle moment repeats nothing: the holder acknowledged what it printed" {
	bot bob --consumer one
	wait_for -p "$BOT_PID" "$ERR.bot" "offline messages requested"
	a=$(send_as alice 2 first)
	wait_for -p "$BOT_PID" "$OUT.bot" "$a"
	b=$(send_as alice 2 second)
	wait_for -p "$BOT_PID" "$OUT.bot" "$b"
	sleep 0.5	# the acknowledgement is due within 50 ms of the print
	kill -9 "$BOT_PID"
	wait "$BOT_PID" 2>/dev/null || true
	BOT_PID=
	send_as alice 2 third >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --consumer one --idle 2
	run texts <<<"$output"
	assert_output third
}

@test "a consumer in use by another process is refused with exit 6" {
	listen_bg bob
	ready
	run -6 --separate-stderr "$CHATCTL" -p bob listen --idle 1
	[[ $stderr == *"consumer 'default' is in use by process $LISTEN_PID"*"--consumer NAME"* ]]
	run -0 --separate-stderr "$CHATCTL" -p bob listen --consumer other --idle 1
}

@test "--new starts at the end; a new name starts at the beginning" {
	send_as alice 2 old >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2
	run texts <<<"$output"
	assert_output old
	run -0 --separate-stderr "$CHATCTL" -p bob listen --consumer late --new --idle 1
	assert_output ""
	send_as alice 2 new >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --consumer late --idle 2
	run texts <<<"$output"
	assert_output new
	run -0 --separate-stderr "$CHATCTL" -p bob listen --consumer fresh --idle 1
	run texts <<<"$output"
	assert_output "old
new"
}

@test "a message pushed again in a later run is not printed again" {
	listen_bg bob
	ready
	frame='{"type":"singleChat","data":{"id":"dup-1","from_id":1,"to_id":2,"chatType":"single","type":"text","data":"{\"data\":\"x\"}"}}'
	inject 2 text "$frame"
	wait_for "$OUT" dup-1
	kill -TERM "$LISTEN_PID"
	listen_wait
	listen_bg bob
	ready
	inject 2 text "$frame"
	inject 2 text "${frame/dup-1/dup-2}"
	wait_for "$OUT" dup-2
	[ "$(grep -c dup-1 "$OUT")" = 0 ]
}

@test "--idle and --timeout with the server down exit 4, not 0" {
	stop_server
	run -4 --separate-stderr "$CHATCTL" -p bob listen --idle 2
	[[ $stderr == *"without a connection to http://127.0.0.1:"* ]]
	run -4 --separate-stderr "$CHATCTL" -p bob listen --timeout 2
	[[ $stderr == *"without a connection"* ]]
}

@test "the mailbox is 0600 in a 0700 directory whatever the umask" {
	send_as alice 2 hi >/dev/null
	(umask 022 && "$CHATCTL" -p bob listen --idle 1 >/dev/null)
	db=$(ls "$STATE"/*-2.db)
	[ "$(command stat -c %a "$STATE")" = 700 ]
	for f in "$db" "$db"-wal "$db"-shm "$STATE"/*.holder "$STATE"/*.consumer.default; do
		[ ! -e "$f" ] || [ "$(command stat -c %a "$f")" = 600 ]
	done
}

@test "a corrupt mailbox exits 6 naming it, and is left as it was" {
	send_as alice 2 hi >/dev/null
	mkdir -p "$STATE"
	db=$STATE/http_127.0.0.1_${SERVER_URL##*:}-2.db
	head -c 8192 /dev/urandom >"$db"
	sum=$(md5sum <"$db")
	run -6 --separate-stderr "$CHATCTL" -p bob listen --idle 1
	[[ $stderr == *"$db"* ]]
	[ "$(md5sum <"$db")" = "$sum" ]
}

@test "a damaged batch of messages exits 6 naming the mailbox and the seq, in listen and history" {
	send_as alice 2 one >/dev/null
	send_as alice 2 two >/dev/null
	run -0 "$CHATCTL" -p bob listen --count 1 --idle 2
	db=$STATE/http_127.0.0.1_${SERVER_URL##*:}-2.db
	# cut the records of the stored messages short
	sqlite3 "$db" "UPDATE batch SET meta = substr(meta, 1, 20)"
	run -6 --separate-stderr "$CHATCTL" -p bob listen --idle 1 --no-offline
	[[ $stderr == *"$db: the messages from seq "*" on are damaged"* ]]
	[ -z "$output" ]
	run -6 --separate-stderr "$CHATCTL" -p bob history
	[[ $stderr == *"$db: the messages from seq "*" on are damaged"* ]]
}

@test "a full disk stops listen with exit 6 after printing what it received" {
	# Room for an empty mailbox, not for 3000 frames: with SIGXFSZ ignored,
	# writes past the limit fail (EFBIG) as they do on a full disk. stdout
	# goes through cat, outside the limit.
	(
		set -o pipefail
		bash -c 'trap "" XFSZ; ulimit -f 200; exec "$0" -p bob -v listen' "$CHATCTL" 2>"$ERR" |
			cat >"$OUT"
	) 3>&- &
	LISTEN_PID=$!
	ready
	curl -ksS -X POST "$SERVER_URL/__test/push?user=2&count=3000&size=300" >/dev/null
	listen_wait
	[ "$LISTEN_RC" = 6 ]
	# storing, or moving the cursor: either way the mailbox is named
	grep -q "chatctl: listen: .*$STATE/http_127.0.0.1_${SERVER_URL##*:}-2.db: disk I/O error" "$ERR"
	[ "$(wc -l <"$OUT")" -gt 0 ]
	jq -e . "$OUT" >/dev/null
	[ -z "$(jq -r .data.id "$OUT" | sort | uniq -d)" ]
}

@test "history: what listen received and what send sent are one conversation, server down" {
	a=$(send_as alice 2 hello-bob)
	run -0 "$CHATCTL" -p bob listen --idle 2
	b=$(send_as bob 1 hello-alice)
	stop_server
	run -0 --separate-stderr "$CHATCTL" -p bob history --with 1 --jq .data.id -r
	assert_output "$a
$b"
	run -0 --separate-stderr "$CHATCTL" -p bob history --with 1 --jq '.data.data | fromjson | .data' -r
	assert_output "hello-bob
hello-alice"
}

@test "listen prints mail only, never what send sent from the same account" {
	send_as bob 1 "from bob, before" >/dev/null
	a=$(send_as alice 2 "to bob")
	send_as bob 1 "from bob, after" >/dev/null
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 2 --jq .data.id -r
	assert_output "$a"
	run -0 --separate-stderr "$CHATCTL" -p bob history --jq text -r
	assert_output "from bob, before
to bob
from bob, after"
}

@test "a stopping holder stores what is still in flight: --count 1 during a burst loses none" {
	listen_bg bob --count 1
	ready
	curl -ksS -X POST "$SERVER_URL/__test/push?user=2&count=500&size=300" >/dev/null
	listen_wait
	[ "$LISTEN_RC" = 0 ]
	[ "$(wc -l <"$OUT")" = 1 ]
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 1
	[ "${#lines[@]}" = 499 ]
}

@test "a mailbox written by a newer chatctl is refused, and left alone" {
	send_as alice 2 hi >/dev/null
	run -0 "$CHATCTL" -p bob listen --idle 1
	db=$STATE/http_127.0.0.1_${SERVER_URL##*:}-2.db
	# PRAGMA user_version lives at byte 60 of the header, big-endian
	printf '\0\0\0\143' | dd of="$db" bs=1 seek=60 conv=notrunc status=none
	sum=$(md5sum <"$db")
	run -6 --separate-stderr "$CHATCTL" -p bob listen --idle 1
	[[ $stderr == *"$db: written by a newer chatctl (schema 99"* ]]
	run -6 --separate-stderr "$CHATCTL" -p bob history
	[ "$(md5sum <"$db")" = "$sum" ]
}

# old_mailbox: bob's mailbox as the first chatctl wrote it (schema 1, a row
# per message), with rows "SEQ DAYS_AGO TEXT..." from stdin; DB names it.
old_mailbox() {
	local seq ago text now
	DB=$STATE/http_127.0.0.1_${SERVER_URL##*:}-2.db
	mkdir -p "$STATE"
	chmod 700 "$STATE" "$XDG_STATE_HOME"
	now=$(date +%s%3N)
	{
		cat <<-'SQL'
		CREATE TABLE message (seq INTEGER PRIMARY KEY AUTOINCREMENT, received_ms INTEGER NOT NULL,
		 time_ms INTEGER NOT NULL, id TEXT, type TEXT NOT NULL, action TEXT NOT NULL,
		 dtype TEXT NOT NULL, peer INTEGER, grp INTEGER, outgoing INTEGER NOT NULL,
		 frame TEXT NOT NULL, dedupe INTEGER, ctime INTEGER NOT NULL);
		CREATE INDEX message_dedupe ON message (ctime, dedupe) WHERE dedupe IS NOT NULL;
		CREATE TABLE cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
		CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL,
		 state TEXT NOT NULL, to_id INTEGER, grp INTEGER, body TEXT NOT NULL, reason TEXT);
		PRAGMA user_version = 1;
		SQL
		while read -r seq ago text; do
			printf "INSERT INTO message VALUES (%d, %d, %d, 'm%d', 'singleChat', '', 'text', 1, NULL, 0, '%s', %d, %d);\n" \
				"$seq" $((now - ago * 86400000)) $((1700000000000 + seq)) "$seq" "$text" "$seq" $((1700000000000 + seq))
		done
	} | sqlite3 "$DB"
	chmod 600 "$DB"
}

@test "a mailbox of the first schema is upgraded: seqs and cursors kept, a lax row skipped with a warning" {
	old_mailbox <<-'ROWS'
	1 0 {"type":"singleChat","data":{"id":"m1","data":"first"}}
	2 0 {"type":"singleChat","data":[1,]}
	3 0 {"type":"singleChat","data":{"id":"m3","data":"third"}}
	ROWS
	sqlite3 "$DB" "INSERT INTO cursor VALUES ('old', 1)"
	run -0 --separate-stderr "$CHATCTL" -p bob listen --consumer old --idle 1 --no-offline
	[ "$output" = '{"type":"singleChat","data":{"id":"m3","data":"third"}}' ]
	[[ $stderr == *"message 2 in the mailbox is not JSON; skipped"* ]]
	[ "$(sqlite3 "$DB" 'PRAGMA user_version')" = 2 ]
	run -0 --separate-stderr "$CHATCTL" -p bob history
	[ "${lines[0]}" = '{"type":"singleChat","data":{"id":"m1","data":"first"}}' ]
	[ "${lines[1]}" = '{"type":"singleChat","data":{"id":"m3","data":"third"}}' ]
	[ "${#lines[@]}" = 2 ]
	[[ $stderr == *"message 2 in the mailbox is not JSON; skipped"* ]]
	# a new consumer starts at the first of the old rows
	run -0 "$CHATCTL" -p bob listen --consumer fresh --count 1 --idle 1 --no-offline
	[ "$output" = '{"type":"singleChat","data":{"id":"m1","data":"first"}}' ]
}

@test "retention: --keep, else the profile's keep_days, else 90 days; login keeps the setting" {
	old_mailbox <<-'ROWS'
	1 100 {"type":"singleChat","data":{"id":"m1","data":"a hundred days"}}
	2 10 {"type":"singleChat","data":{"id":"m2","data":"ten days"}}
	3 2 {"type":"singleChat","data":{"id":"m3","data":"two days"}}
	ROWS
	history_texts() { "$CHATCTL" -p bob history | jq -r .data.data | paste -sd, -; }
	run -0 "$CHATCTL" -p bob listen --idle 0.5 --no-offline
	[ "$(history_texts)" = "ten days,two days" ]
	profile=$CHATCTL_CONFIG_DIR/profiles/bob.json
	jq '.keep_days = 5' "$profile" >"$profile.new"
	chmod 600 "$profile.new"
	mv "$profile.new" "$profile"
	run -0 "$CHATCTL" -p bob listen --idle 0.5 --no-offline --keep 30	# the flag wins
	[ "$(history_texts)" = "ten days,two days" ]
	run -0 "$CHATCTL" -p bob listen --idle 0.5 --no-offline
	[ "$(history_texts)" = "two days" ]
	run -0 "$CHATCTL" -p bob listen --idle 0.5 --no-offline --keep 1
	[ "$(history_texts)" = "" ]
	login_as bob001 bob
	[ "$(jq .keep_days "$profile")" = 5 ]
	jq '.keep_days = "a week"' "$profile" >"$profile.new"
	chmod 600 "$profile.new"
	mv "$profile.new" "$profile"
	run -6 --separate-stderr "$CHATCTL" -p bob listen --idle 0.5
	[ "$stderr" = "chatctl: listen: invalid credentials file '$profile': keep_days must be a whole number of days from 1 to 36500" ]
}

@test "a drop ends --no-reconnect after printing all it stored: none left for the next run" {
	# The holder stores in a thread of its own; what it had not committed
	# yet when the link dropped is committed and printed before exit 4.
	listen_bg bob --no-reconnect
	ready
	curl -ksS -X POST "$SERVER_URL/__test/push?user=2&count=3000&size=300" >/dev/null
	curl -ksS -X POST "$SERVER_URL/__test/drop?user=2" >/dev/null
	listen_wait
	[ "$LISTEN_RC" = 4 ]
	stored=$("$CHATCTL" -p bob history | wc -l)
	[ "$stored" -gt 0 ]
	[ "$(wc -l <"$OUT")" = "$stored" ]
	[ -z "$(jq -r .data.id "$OUT" | sort | uniq -d)" ]
	run -0 --separate-stderr "$CHATCTL" -p bob listen --idle 1 --no-offline
	assert_output ""
}
