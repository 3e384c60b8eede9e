#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016 # backquotes here are Markdown, not expansions
#
# kernel-table.sh - generate docs/kernels.md, which command works on which
# kernel, from the results files of the last test runs.
#
# Usage: scripts/kernel-table.sh [-o OUTPUT] [RESULTS...]
#
#   -o OUTPUT   where to write (default: docs/kernels.md of the source tree;
#               "-" for stdout)
#   RESULTS     results files (default: QDIR/results/*.results, QDIR being
#               $BPFRUN_QEMU_DIR, else $abs_top_builddir/qemu, else ./qemu)
#
# Results file format (written by tests/qemu/guest-tests.sh in each QEMU
# guest, and by the host's root tests as QDIR/results/host.results):
#   # key: value          optional header lines: kernel, kprobes (yes/no),
#                         where (host/qemu), date (ISO 8601), error (the
#                         run failed: every command shows "error"), note
#                         (shown with the run's date)
#   NAME RELEASE STATUS [NOTE]
#                         one line per command (or environment check group),
#                         fields separated by tabs (or blanks, all but NOTE),
#                         STATUS pass, fail or skip, NOTE free text
# One file per kernel; a name listed twice keeps the worst status.
#
# Why generated: the table must say what the last runs saw, not what someone
# remembered.  Columns: the host kernel (no kprobes), Debian 6.1 and Debian
# 6.12 under QEMU, always shown ("not run" when no results), then any other
# kernel found.  Rows: bpfrun's commands, then environment checks (kernel,
# bcc-python).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
output=$srcdir/docs/kernels.md
while getopts ':o:h' opt; do
	case $opt in
	o) output=$OPTARG ;;
	h)
		sed -n '4,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	*)
		echo "kernel-table.sh: bad option (see -h)" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))

if [ $# -eq 0 ]; then
	if [ -n "${BPFRUN_QEMU_DIR:-}" ]; then
		qdir=$BPFRUN_QEMU_DIR
	elif [ -n "${abs_top_builddir:-}" ]; then
		qdir=$abs_top_builddir/qemu
	else
		qdir=$PWD/qemu
	fi
	shopt -s nullglob
	set -- "$qdir"/results/*.results
	shopt -u nullglob
	[ $# -gt 0 ] || echo "kernel-table.sh: no results in $qdir/results: every cell says 'not run'" >&2
fi

COMMANDS="printk_sample tcpv4connect_simple tcpv4connect_args execve_kprobe_simple execve_simple fchmodsnoop"
ENV_GROUPS="kernel bcc-python"

# Columns: key -> label; cell "key/name" -> status; notes.
declare -A label=() cdate=() cerror=() cnote=() cell=() note=()
columns=()
extra_rows=()

worst() { # OLD NEW -> the status to keep
	case $1/$2 in
	fail/* | */fail) echo fail ;;
	pass/* | */pass) echo pass ;;
	*) echo skip ;;
	esac
}
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

# Fixed columns first, so that the table always has them.
columns=(host deb-6.1 deb-6.12)
label[host]="host (no results)"
label[deb-6.1]="Debian 6.1 (QEMU)"
label[deb-6.12]="Debian 6.12 (QEMU)"

for f in "$@"; do
	kernel='' kprobes='' where='' date='' error='' rnote=''
	while IFS= read -r line; do
		case $line in
		'# kernel:'*) kernel=$(echo "${line#*:}" | xargs) ;;
		'# kprobes:'*) kprobes=$(echo "${line#*:}" | xargs) ;;
		'# where:'*) where=$(echo "${line#*:}" | xargs) ;;
		'# date:'*) date=$(echo "${line#*:}" | xargs) ;;
		'# error:'*) error=${line#*: } ;;
		'# note:'*) rnote=${line#*: } ;;
		esac
	done <"$f"
	if [ -z "$kernel" ]; then
		kernel=$(awk '!/^#/ && NF >= 2 { print $2; exit }' "$f")
	fi
	[ -n "$date" ] || date=$(date -u -r "$f" +%Y-%m-%dT%H:%M:%SZ)
	series=$(echo "$kernel" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
	if [ "$where" = host ] || { [ -z "$where" ] && [ "${f##*/}" = host.results ]; }; then
		key=host
		l="host $kernel"
		[ "$kprobes" = no ] && l="$l (no kprobes)"
	else
		key=deb-$series
		l="Debian $series (QEMU, $kernel)"
	fi
	if ! in_list "$key" "${columns[*]}"; then columns+=("$key"); fi
	label[$key]=$l
	cdate[$key]=$date
	cerror[$key]=$error
	cnote[$key]=$rnote
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		if [[ $line == *$'\t'* ]]; then
			IFS=$'\t' read -r name _rel status text <<<"$line"
		else
			read -r name _rel status text <<<"$line"
		fi
		case $status in pass | fail | skip) ;; *) status=fail text="bad status '$status' in $f" ;; esac
		cell[$key/$name]=$(worst "${cell[$key/$name]:-}" "$status")
		if [ -n "${text:-}" ] && [ "$status" != pass ]; then
			note[$key/$name]=$text
		fi
		if ! in_list "$name" "$COMMANDS $ENV_GROUPS ${extra_rows[*]}"; then
			extra_rows+=("$name")
		fi
	done <"$f"
done

md() { printf '%s' "$1" | sed 's/|/\\|/g'; }

row() { # NAME
	local name=$1 k s
	printf '| `%s` |' "$name"
	for k in "${columns[@]}"; do
		if [ -n "${cerror[$k]:-}" ]; then
			s=error
		else
			s=${cell[$k/$name]:-not run}
		fi
		printf ' %s |' "$s"
	done
	printf '\n'
}

header() {
	local k
	printf '| %s |' "$1"
	for k in "${columns[@]}"; do printf ' %s |' "$(md "${label[$k]}")"; done
	printf '\n|---|'
	for k in "${columns[@]}"; do printf '%s' '---|'; done
	printf '\n'
}

generate() {
	local k n r
	echo '<!-- SPDX-License-Identifier: Apache-2.0 -->'
	echo '<!-- Generated by scripts/kernel-table.sh from test results: do not edit. -->'
	echo '# Commands by kernel'
	echo
	echo "Generated on $(date -u +%Y-%m-%d) from the results of the last test runs."
	echo 'The host kernel has no kprobes; Debian 6.1 and 6.12 are booted under QEMU'
	echo '(`tests/qemu/qemu.test`, see `scripts/qemu/`). "not run": no results for'
	echo 'that kernel; "error": the run gave no results for that kernel.'
	echo
	header command
	for n in $COMMANDS ${extra_rows[@]+"${extra_rows[@]}"}; do row "$n"; done
	echo
	echo 'Environment checks (`kernel`: kprobe PMU, tracefs, matching headers;'
	echo '`bcc-python`: a kprobe and a kretprobe attached with bcc'"'"'s Python module):'
	echo
	header check
	for n in $ENV_GROUPS; do row "$n"; done
	echo
	echo 'Runs:'
	echo
	for k in "${columns[@]}"; do
		if [ -n "${cdate[$k]:-}" ]; then
			printf -- '- %s: %s' "$(md "${label[$k]}")" "${cdate[$k]}"
			[ -n "${cerror[$k]:-}" ] && printf ' (error: %s)' "$(md "${cerror[$k]}")"
			[ -n "${cnote[$k]:-}" ] && printf ' (%s)' "$(md "${cnote[$k]}")"
			printf '\n'
		else
			printf -- '- %s: not run\n' "$(md "${label[$k]}")"
		fi
	done
	r=
	for k in "${columns[@]}"; do
		for n in $COMMANDS ${extra_rows[@]+"${extra_rows[@]}"} $ENV_GROUPS; do
			[ -n "${note[$k/$n]:-}" ] || continue
			if [ -z "$r" ]; then
				echo
				echo 'Notes:'
				echo
				r=1
			fi
			printf -- '- `%s` on %s: %s: %s\n' "$n" "$(md "${label[$k]}")" \
				"${cell[$k/$n]}" "$(md "${note[$k/$n]}")"
		done
	done
}

if [ "$output" = - ]; then
	generate
else
	mkdir -p "$(dirname "$output")"
	generate >"$output.tmp"
	mv "$output.tmp" "$output"
	echo "kernel-table.sh: wrote $output" >&2
fi
