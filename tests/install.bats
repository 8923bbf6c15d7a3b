#!/usr/bin/env bats
# make install / make uninstall into a DESTDIR: the binary, a chatctl-<command>
# link per command of the table, the man pages, the three completion files
# where each shell looks for them; and uninstall takes exactly those away.
bats_require_minimum_version 1.5.0
load helper

ROOT=$BATS_TEST_DIRNAME/..

setup() {
	common_setup
	D=$BATS_TEST_TMPDIR/dest
}

# mk TARGET VAR=VALUE...: make in the source tree, for the build the suite
# tests (build-san/ when $CHATCTL is the sanitizer build), without the
# outer make's jobserver.
mk() {
	local san=
	[[ $CHATCTL == */build-san/chatctl ]] && san=1
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$ROOT" SANITIZE=$san "$@"
}

# The files and links make install should leave under $D, for PREFIX $1.
expected() {
	local c p=${1#/}
	echo "$p/bin/chatctl"
	for c in $("$CHATCTL" --list-commands); do
		echo "$p/bin/chatctl-$c"
		echo "$p/share/man/man1/chatctl-$c.1"
	done
	echo "$p/share/man/man1/chatctl.1"
	echo "$p/share/man/man7/chatctl-frames.7"
	echo "$p/share/bash-completion/completions/chatctl"
	echo "$p/share/zsh/vendor-completions/_chatctl"
	echo "$p/share/fish/vendor_completions.d/chatctl.fish"
}

installed() { (cd "$D" && find . -not -type d | sed 's|^\./||' | sort); }

@test "make install puts the binary, one link per command, the pages and the completions in DESTDIR" {
	run -0 mk install DESTDIR="$D" PREFIX=/usr
	assert_equal "$(installed)" "$(expected /usr | sort)"
	[ -x "$D/usr/bin/chatctl" ] && [ ! -L "$D/usr/bin/chatctl" ]
	cmp "$CHATCTL" "$D/usr/bin/chatctl"
	for c in $("$CHATCTL" --list-commands); do
		[ "$(readlink "$D/usr/bin/chatctl-$c")" = chatctl ] || fail "chatctl-$c is not a link to chatctl"
		cmp "$(dirname "$CHATCTL")/man/chatctl-$c.1" "$D/usr/share/man/man1/chatctl-$c.1"
	done
	cmp "$ROOT/completions/chatctl.bash" "$D/usr/share/bash-completion/completions/chatctl"
	cmp "$ROOT/completions/_chatctl" "$D/usr/share/zsh/vendor-completions/_chatctl"
	cmp "$ROOT/completions/chatctl.fish" "$D/usr/share/fish/vendor_completions.d/chatctl.fish"
	assert_equal "$(stat -c %a "$D/usr/bin/chatctl" "$D/usr/share/man/man1/chatctl.1" \
		"$D/usr/share/zsh/vendor-completions/_chatctl")" "755
644
644"
}

@test "the installed binary runs through its links, and man finds its pages" {
	mk install DESTDIR="$D" PREFIX=/usr
	run -3 --separate-stderr "$D/usr/bin/chatctl-whoami"
	assert_equal "$stderr" "chatctl: whoami: not logged in (profile 'default')"
	run -0 --separate-stderr "$D/usr/bin/chatctl-send" --help
	assert_line --index 0 --partial 'usage: chatctl send '
	run -0 "$D/usr/bin/chatctl" --version
	assert_line --index 0 --regexp '^chatctl [0-9]'
	run -0 env MANPATH="$D/usr/share/man" man -w chatctl-listen
	assert_output "$D/usr/share/man/man1/chatctl-listen.1"
	run -0 --separate-stderr env MANPATH="$D/usr/share/man" MANWIDTH=80 man --warnings=w chatctl
	[ -z "$stderr" ]
	assert_output --partial 'EXIT STATUS'
}

@test "each shell finds the installed completion by the name it looks for" {
	mk install DESTDIR="$D" PREFIX=/usr
	# bash-completion loads completions/NAME on demand from XDG_DATA_DIRS.
	if [ -f /usr/share/bash-completion/bash_completion ]; then
		run -0 env XDG_DATA_DIRS="$D/usr/share" bash --norc --noprofile -c '
			source /usr/share/bash-completion/bash_completion
			__load_completion chatctl && complete -p chatctl'
		assert_output 'complete -F _chatctl chatctl'
	fi
	# zsh: an fpath directory and compinit.
	run -0 zsh -f -c 'fpath=($1 $fpath); autoload -Uz compinit; compinit -u -D -d $2
		print -r -- $_comps[chatctl] $_comps[chatctl-send]' zsh "$D/usr/share/zsh/vendor-completions" "$BATS_TEST_TMPDIR/zcompdump"
	assert_output '_chatctl _chatctl'
	# fish: vendor_completions.d under XDG_DATA_DIRS (its config.fish adds
	# them), for a command it finds on PATH.
	run -0 env XDG_DATA_DIRS="$D/usr/share" PATH="$D/usr/bin:$PATH" fish -c 'complete -C"chatctl sen"'
	assert_output --regexp '^send'
}

@test "make uninstall removes exactly what make install put there" {
	mkdir -p "$D/usr/bin" "$D/usr/share/man/man1" "$D/usr/share/zsh/vendor-completions"
	echo keep >"$D/usr/bin/other"
	echo keep >"$D/usr/share/man/man1/other.1"
	echo keep >"$D/usr/share/zsh/vendor-completions/_other"
	mk install DESTDIR="$D" PREFIX=/usr
	run -0 mk uninstall DESTDIR="$D" PREFIX=/usr
	assert_equal "$(installed)" "usr/bin/other
usr/share/man/man1/other.1
usr/share/zsh/vendor-completions/_other"
	rm "$D/usr/bin/other" "$D/usr/share/man/man1/other.1" "$D/usr/share/zsh/vendor-completions/_other"
	assert_equal "$(installed)" ""
}

@test "PREFIX, BINDIR and MANDIR move what is installed; uninstall follows them" {
	mk install DESTDIR="$D" PREFIX=/opt/chat
	assert_equal "$(installed)" "$(expected /opt/chat | sort)"
	mk uninstall DESTDIR="$D" PREFIX=/opt/chat
	assert_equal "$(installed)" ""
	mk install DESTDIR="$D" PREFIX=/usr BINDIR=/bin MANDIR=/usr/man
	assert_equal "$(installed)" "$(expected /usr | sed -e 's|^usr/bin/|bin/|' -e 's|^usr/share/man/|usr/man/|' | sort)"
	mk uninstall DESTDIR="$D" PREFIX=/usr BINDIR=/bin MANDIR=/usr/man
	assert_equal "$(installed)" ""
}

@test "make uninstall without any chatctl binary still removes the links, named by the pages" {
	mk install DESTDIR="$D" PREFIX=/usr
	rm "$D/usr/bin/chatctl"
	run -0 mk uninstall DESTDIR="$D" PREFIX=/usr BIN=/nonexistent/chatctl
	assert_equal "$(installed)" ""
}
