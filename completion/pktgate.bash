# SPDX-License-Identifier: GPL-2.0
# bash completion for pktgate(8).
#
# Commands, subcommands, options, option values (--mode native|generic|auto)
# and keyword arguments (flush deny|allow) are read from `pktgate help` each
# time TAB is pressed, so this file never lists them and stays right as
# commands are added. It only knows what the placeholders mean: IFACE
# (interfaces, of the -n namespace if one is given), NAME of --netns
# (namespaces in /run/netns), NAME of --list (the named lists `pktgate
# lists` shows, of the kind the line names), DIR/FILE/PATH (file names), and
# CIDR of `deny|allow del` (the list's current entries, when readable).
# Usage lines such as "CIDR... [proto tcp|udp [port N[-M]]]" are followed
# word by word: after a CIDR, more CIDRs or "proto"; after proto, tcp|udp.
#
# Works with or without the bash-completion package.

# _pktgate_parse HELP: fill _pg_paths (command paths in help order),
# _pg_args[path] (positional spec), _pg_opts[path] (long options),
# _pg_optarg[path --opt] (value placeholder, empty for flags),
# _pg_choices[path --opt] (allowed values) and _pg_short[path -x] (--opt).
# Global options use the path "-".
_pktgate_parse()
{
	local line path="" spec rest tok
	local re_opt='^ +(-([A-Za-z0-9]), )?--([a-z0-9][a-z0-9-]*)( ([A-Z[][^ ]*))?( |$)'
	local re_choices='\(([a-z0-9][a-z0-9-]*(\|[a-z0-9][a-z0-9-]*)+)\)$'
	local re_optgroup='^(.*)\[-[^]]*\](.*)$'

	_pg_paths=()
	_pg_args=() _pg_opts=() _pg_optarg=() _pg_choices=() _pg_short=()
	while IFS= read -r line; do
		case $line in
		"Global options:"*) path=-; continue ;;
		"Commands"*) path=""; continue ;;
		"  pktgate "*)
			rest=${line#  pktgate }
			path=""
			while [[ $rest =~ ^([a-z][a-z0-9-]*)( +(.*))?$ ]]; do
				path+=${path:+ }${BASH_REMATCH[1]}
				rest=${BASH_REMATCH[3]}
			done
			# Drop the usage line's option groups: "[--ttl DURATION]".
			while [[ $rest =~ $re_optgroup ]]; do
				rest="${BASH_REMATCH[1]}${BASH_REMATCH[2]}"
			done
			spec=""
			for tok in $rest; do
				spec+=${spec:+ }$tok
			done
			_pg_paths+=("$path")
			_pg_args[$path]=$spec
			_pg_opts[$path]=""
			continue
			;;
		esac
		if [ -z "$path" ] || ! [[ $line =~ $re_opt ]]; then
			continue
		fi
		local long=--${BASH_REMATCH[3]} short=${BASH_REMATCH[2]}
		_pg_opts[$path]+=" $long"
		_pg_optarg[$path $long]=${BASH_REMATCH[5]}
		[ -n "$short" ] && _pg_short[$path -$short]=$long
		if [ -n "${BASH_REMATCH[5]}" ] && [[ $line =~ $re_choices ]]; then
			_pg_choices[$path $long]=${BASH_REMATCH[1]//|/ }
		fi
	done
}

# _pktgate_reply COMPGEN-ARGS...: COMPREPLY, one candidate a line.
_pktgate_reply()
{
	mapfile -t COMPREPLY < <(compgen "$@")
}

# _pktgate_children PATH: the next words after PATH ("" = top level), in
# help order, each once.
_pktgate_children()
{
	local p rest seen=" "

	for p in "${_pg_paths[@]}"; do
		if [ -z "$1" ]; then
			rest=$p
		elif [[ $p == "$1 "* ]]; then
			rest=${p#"$1 "}
		else
			continue
		fi
		rest=${rest%% *}
		[[ $seen == *" $rest "* ]] && continue
		seen+="$rest "
		printf '%s\n' "$rest"
	done
}

# _pktgate_resolve PATH WORD: the child of PATH that WORD names, exactly or
# as a prefix (the first in help order, as pktgate itself does).
_pktgate_resolve()
{
	local c children

	children=$(_pktgate_children "$1")
	for c in $children; do
		[ "$c" = "$2" ] && { printf '%s\n' "$c"; return 0; }
	done
	for c in $children; do
		[[ -n $2 && $c == "$2"* ]] && { printf '%s\n' "$c"; return 0; }
	done
	return 1
}

# _pktgate_opt PATH WORD: the long option WORD names (--mode, -i, -nNAME,
# --mode=x), or fail.
_pktgate_opt()
{
	local w=$2

	case $w in
	--*) w=${w%%=*} ;;
	-?*) w=${_pg_short[$1 ${w:0:2}]:-} ;;
	*) return 1 ;;
	esac
	[[ -n $w && "${_pg_opts[$1]} " == *" $w "* ]] || return 1
	printf '%s\n' "$w"
}

_pktgate_ifaces()
{
	if [ -n "$1" ]; then
		ip -n "$1" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
	else
		ls /sys/class/net 2>/dev/null
	fi
}

# _pktgate_pg ARGS...: the pktgate being completed, on the same pins;
# quiet, and never more than a few seconds. Only where the pins exist:
# pressing TAB must not create them.
_pktgate_pg()
{
	[ -d "${_pg_pin:-${PKTGATE_PIN_PATH:-/sys/fs/bpf/pktgate}}" ] || return 0
	timeout 5 "$_pg_bin" ${_pg_pin:+--pin-path "$_pg_pin"} "$@" 2>/dev/null
}

# _pktgate_values PATH OPT PLACEHOLDER CUR: what may follow an option (or
# fill a positional placeholder).
_pktgate_values()
{
	local path=$1 opt=$2 ph=$3 cur=$4 list

	if [ -n "$opt" ] && [ -n "${_pg_choices[$path $opt]:-}" ]; then
		_pktgate_reply -W "${_pg_choices[$path $opt]}" -- "$cur"
		return
	fi
	if [ "$opt" = --netns ]; then
		_pktgate_reply -W "$(ls /run/netns 2>/dev/null)" -- "$cur"
		return
	fi
	if [ "$opt" = --list ]; then
		# Named lists of the kind (KIND NAME ... a line); any kind if
		# the line does not say.
		list=$(_pktgate_pg lists | awk -v k="$_pg_kind" \
			'NR > 1 && (k == "" || $1 == k) && !seen[$2]++ { print $2 }')
		_pktgate_reply -W "$list" -- "$cur"
		return
	fi
	case $ph in
	IFACE*)
		_pktgate_reply -W "$(_pktgate_ifaces "$_pg_netns")" -- "$cur"
		;;
	DIR*)
		compopt -o filenames 2>/dev/null
		_pktgate_reply -d -- "$cur"
		;;
	FILE* | PATH*)
		compopt -o filenames 2>/dev/null
		_pktgate_reply -f -- "$cur"
		;;
	CIDR*)
		# Entries to delete: those of the list (--list NAME given
		# before), if we may read it.
		[[ $path == *" del" ]] || return
		list=$(_pktgate_pg "${path%% *}" list ${_pg_list:+--list "$_pg_list"} |
			awk 'NR > 1 && $1 ~ /^[0-9A-Fa-f.:]+\/[0-9]+$/ && !seen[$1]++ { print $1 }')
		_pktgate_reply -W "$list" -- "$cur"
		;;
	esac
}

# _pktgate_alts TOKEN: the keywords of a usage token ("tcp|udp") in
# _pg_kw, and its placeholder (the alternative that is not a keyword:
# CIDR..., FILE) in _pg_ph.
_pktgate_alts()
{
	local alt

	_pg_kw="" _pg_ph=""
	for alt in ${1//|/ }; do
		if [[ $alt =~ ^[a-z][a-z0-9-]*$ ]]; then
			_pg_kw+=" $alt"
		else
			_pg_ph=$alt
		fi
	done
}

# _pktgate_positional PATH CUR WORD...: the positional argument of PATH
# after the positional WORDs already typed. The usage line is followed word
# by word: a repeated token (CIDR...) takes words until one is a keyword of
# the token after it (proto), and once it has one, that keyword is offered
# beside more of its values.
_pktgate_positional()
{
	local path=$1 cur=$2 spec w k=0 reps=0 more="" _pg_kw _pg_ph
	local -a toks vals
	shift 2

	spec=${_pg_args[$path]:-}
	spec=${spec//[\[\]]/}
	read -ra toks <<<"$spec"
	for w in "$@"; do
		((k < ${#toks[@]})) || return 0
		if [[ ${toks[k]} == *... ]]; then
			_pg_kw=""
			((k + 1 < ${#toks[@]})) && _pktgate_alts "${toks[k + 1]}"
			if ((reps)) && [[ "$_pg_kw " == *" $w "* ]]; then
				((k += 2))
				reps=0
			else
				((++reps))
			fi
		else
			((++k))
		fi
	done
	((k < ${#toks[@]})) || return 0
	if [[ ${toks[k]} == *... ]] && ((reps && k + 1 < ${#toks[@]})); then
		_pktgate_alts "${toks[k + 1]}"
		more=$_pg_kw
	fi
	_pktgate_alts "${toks[k]%...}"
	if [ -n "$_pg_ph" ]; then
		_pktgate_values "$path" "" "$_pg_ph" "$cur"
	fi
	vals=("${COMPREPLY[@]}")
	if [ -n "$_pg_kw$more" ]; then
		_pktgate_reply -W "$_pg_kw $more" -- "$cur"
		COMPREPLY+=("${vals[@]}")
	fi
	return 0
}

# _pktgate_words: words and cword as the user sees them. Bash splits words
# at COMP_WORDBREAKS too (--mode=auto is "--mode" "=" "auto", 2001:db8::/32
# five words): join again the words with no blank between them in COMP_LINE.
_pktgate_words()
{
	local line=${COMP_LINE:-} pos=0 k w pre rest glue eq=0

	words=()
	cword=0
	for ((k = 0; k < ${#COMP_WORDS[@]}; k++)); do
		w=${COMP_WORDS[k]}
		glue=0
		if [ -n "$line" ]; then
			rest=${line:pos}
			pre=${rest%%"$w"*}
			if [ -n "$w" ] && [ "$pre" != "$rest" ]; then
				((k > 0 && ${#pre} == 0)) && glue=1
				((pos += ${#pre} + ${#w}))
			fi
		elif ((k > 1)) && [[ $w == "=" && ${words[-1]} == --* && ${words[-1]} != *=* ]]; then
			glue=1 eq=1	# no COMP_LINE: join at least --opt=value
		elif ((eq)); then
			glue=1 eq=0
		fi
		if ((glue)); then
			words[-1]+=$w
		else
			words+=("$w")
		fi
		((k == COMP_CWORD)) && cword=$((${#words[@]} - 1))
	done
	return 0
}

# _pktgate_ltrim CUR: readline replaces only what follows the last word
# break in CUR (an '=' or ':'), so the candidates must start there too.
_pktgate_ltrim()
{
	local cur=$1 pre="" c i w
	local -a r=()

	for ((i = ${#cur} - 1; i >= 0; i--)); do
		c=${cur:i:1}
		case $c in
		[[:space:]] | \" | \') continue ;;
		esac
		if [[ ${COMP_WORDBREAKS-} == *"$c"* ]]; then
			pre=${cur:0:i+1}
			break
		fi
	done
	[ -n "$pre" ] || return 0
	for w in "${COMPREPLY[@]}"; do
		[[ $w == "$pre"* ]] && r+=("${w#"$pre"}")
	done
	COMPREPLY=("${r[@]}")
}

_pktgate()
{
	local -a words=()
	local cword cur

	COMPREPLY=()
	_pktgate_words
	cur=${words[cword]:-}
	_pktgate_complete
	_pktgate_ltrim "$cur"
	return 0
}

# _pktgate_complete: COMPREPLY for words[cword] (whole words, ltrim after).
_pktgate_complete()
{
	local -A _pg_args _pg_opts _pg_optarg _pg_choices _pg_short
	local -a _pg_paths
	local _pg_bin _pg_netns="" _pg_pin="" _pg_kind="" _pg_list="" help
	local w path="" child opt op i only_args=0
	local -a pos=()

	# The pktgate that is being completed, else the one in PATH.
	_pg_bin=${words[0]/#\~/$HOME}
	help=$("$_pg_bin" help 2>/dev/null) || {
		_pg_bin=pktgate
		help=$(pktgate help 2>/dev/null) || return 0
	}
	_pktgate_parse <<<"$help"

	# Global options, up to the command.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [ "$w" = -- ]; then
			((i++))
			break
		fi
		[[ $w == -?* ]] || break
		opt=$(_pktgate_opt - "$w") || continue
		if [ -n "${_pg_optarg[- $opt]}" ] && [[ $w != *=* ]] &&
			! [[ $w == -[!-]?* ]]; then
			((i++))
			if ((i == cword)); then
				_pktgate_values - "$opt" "${_pg_optarg[- $opt]}" "$cur"
				return 0
			fi
			w=${words[i]}
		fi
		case $opt in
		--netns) _pg_netns=${w#--netns=}; _pg_netns=${_pg_netns#-n} ;;
		--pin-path) _pg_pin=${w#--pin-path=} ;;
		esac
	done

	# The command, and its subcommands.
	while ((i < cword)); do
		[ -n "$(_pktgate_children "$path")" ] || break
		child=$(_pktgate_resolve "$path" "${words[i]}") || return 0
		path+=${path:+ }$child
		((i++))
	done
	if [ -n "$(_pktgate_children "$path")" ]; then
		if [ -z "$path" ] && [[ $cur == -* ]]; then
			_pktgate_reply -W "${_pg_opts[-]}" -- "$cur"
		elif [[ $cur == -* ]]; then
			_pktgate_reply -W "--help" -- "$cur"
		else
			_pktgate_reply -W "$(_pktgate_children "$path")" -- "$cur"
		fi
		return 0
	fi

	# A command: its options anywhere, and its positional arguments. The
	# kind of list (allow/deny) the line names so far: the command
	# (deny add), an option (load --allow) or a word (flush allow).
	[[ $path == deny\ * || $path == allow\ * ]] && _pg_kind=${path%% *}
	for ((; i < cword; i++)); do
		w=${words[i]}
		if ((!only_args)) && [ "$w" = -- ]; then
			only_args=1
			continue
		fi
		if ((!only_args)) && [[ $w == -?* ]]; then
			# The command's own option, else a global one (they may
			# follow the command too; the command's wins a letter).
			op=$path
			opt=$(_pktgate_opt "$path" "$w") || { op=- && opt=$(_pktgate_opt - "$w"); } ||
				continue
			case $opt in
			--deny | --allow) _pg_kind=${opt#--} ;;
			esac
			if [ -n "${_pg_optarg[$op $opt]}" ] && [[ $w != *=* ]] &&
				! [[ $w == -[!-]?* ]]; then
				((i++))
				if ((i == cword)); then
					_pktgate_values "$op" "$opt" "${_pg_optarg[$op $opt]}" "$cur"
					return 0
				fi
				w=${words[i]}
			elif [[ $w == --*=* ]]; then
				w=${w#*=}
			else
				w=${w:2}
			fi
			[ "$opt" = --list ] && _pg_list=$w
			if [ "$op" = - ]; then
				case $opt in
				--netns) _pg_netns=$w ;;
				--pin-path) _pg_pin=$w ;;
				esac
			fi
			continue
		fi
		[[ -z $_pg_kind && ($w == deny || $w == allow) ]] && _pg_kind=$w
		pos+=("$w")
	done
	if ((!only_args)) && [[ $cur == --*=* ]]; then
		op=$path
		opt=$(_pktgate_opt "$path" "$cur") || { op=- && opt=$(_pktgate_opt - "$cur"); } ||
			return 0
		_pktgate_values "$op" "$opt" "${_pg_optarg[$op $opt]}" "${cur#*=}"
		COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
	elif ((!only_args)) && [[ $cur == -* ]]; then
		_pktgate_reply -W "${_pg_opts[$path]} --help" -- "$cur"
	else
		_pktgate_positional "$path" "$cur" "${pos[@]}"
	fi
	return 0
}

complete -F _pktgate pktgate
