# tests/complete.bash: drive the three completion files the way each shell
# does, for tests/completion.bats and tests/docs.bats. Each driver prints,
# for each command line given, "== LINE" and then the offered words, one a
# line, sorted and unique; `offered LINE` picks one line's words out of that.

COMPLETIONS=$BATS_TEST_DIRNAME/../completions

# bash_complete WORD...: the words of one command line as bash splits them
# (COMP_WORDBREAKS makes "--type=te" the three words "--type" "=" "te"),
# the cursor at the end of the last one. Sources the completion file into
# the calling shell.
bash_complete() {
	local IFS=' '
	# shellcheck source=../completions/chatctl.bash
	source "$COMPLETIONS/chatctl.bash"
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_chatctl
	echo "== $COMP_LINE"
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort -u
	return 0
}

# fish_complete LINE...: `complete -C LINE` in one fish, with the file
# sourced as fish would autoload it.
fish_complete() {
	fish --no-config -c '
		source $argv[1]
		for l in $argv[2..-1]
			echo "== $l"
			complete -C"$l" | string replace -r "\t.*" "" | sort -u
		end' "$COMPLETIONS/chatctl.fish" "$@"
}

# zsh_complete LINE...: type each LINE and a TAB into an interactive zsh in a
# pseudo-terminal (compinit, the completions directory in fpath) and record
# every word that reaches compadd. Bounded: 10 s a line.
zsh_complete() {
	local script=$BATS_TEST_TMPDIR/zsh-complete.zsh
	cat >"$script" <<'EOF'
zmodload zsh/zpty || exit 1
dir=$1
dump=$2
shift 2
zpty z zsh -f -i
# In the terminal's zsh: only the completion system in fpath besides our
# directory (compinit then scans a few hundred files, not all zsh ships); no
# listing, so that no "list all?" question waits for a key; compadd prints
# what it is given; TAB completes and then prints a mark, so that nothing is
# typed while completion runs (typeahead would cut it short).
zpty -w z "fpath=(${(q)dir} \${(M)fpath:#*/Completion(|/Base|/Zsh|/Unix)}); autoload -Uz compinit; compinit -u -D -d ${(q)dump}"
zpty -w z 'unsetopt autolist automenu listbeep'
zpty -w z 'compadd() { local -a m; builtin compadd -O m "$@"; (( $#m )) && print -rl -- MATCH:${^m}; builtin compadd "$@" }'
zpty -w z 'complete-and-mark() { zle complete-word; print -r -- COMPLETION""DONE }; zle -N complete-and-mark; bindkey "^I" complete-and-mark'
zpty -w z 'print -r -- SYN""CED'
zpty -r z out '*SYNCED*' || exit 1
for l in "$@"; do
	zpty -w -n z "$l"$'\t'
	out= deadline=$(( SECONDS + 10 ))
	while [[ $out != *COMPLETIONDONE* ]]; do
		(( SECONDS < deadline )) || { print -u2 "zsh_complete: no answer for: $l"; exit 1; }
		if zpty -r -t z chunk; then out+=$chunk; else sleep 0.01; fi
	done
	zpty -w -n z $'\C-u'
	print -r -- "== $l"
	print -r -- "$out" | tr -d '\r' | grep -ao 'MATCH:[^[:space:]]*' | sed 's/^MATCH://' | sort -u
done
zpty -d z
EOF
	zsh -f "$script" "$COMPLETIONS" "$BATS_TEST_TMPDIR/zcompdump" "$@"
}

# offered LINE < OUTPUT: the words offered for LINE.
offered() {
	awk -v want="== $1" '
		/^== / { on = ($0 == want); next }
		on' | sed '/^$/d'
}

# words W...: the words given, one a line, sorted (to compare with offered).
words() {
	printf '%s\n' "$@" | sed '/^$/d' | sort -u
}
