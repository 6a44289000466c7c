#!/usr/bin/env bash
# Counts test results so `make test` can end with one "N passed, N failed, N skipped" line.
#   count-results.sh go FILE      go test -v output  -> "passed failed skipped"
#   count-results.sh tap FILE     TAP output (bats)  -> "passed failed skipped"
#   count-results.sh total FILE.. sums .counts files and prints the closing line
set -euo pipefail

count() { grep -cE "$1" "$2" || true; }

case ${1:-} in
go)
	echo "$(count '^\s*--- PASS:' "$2") $(count '^\s*--- FAIL:' "$2") $(count '^\s*--- SKIP:' "$2")"
	;;
tap)
	skipped=$(count '^ok .*# [Ss][Kk][Ii][Pp]' "$2")
	echo "$(($(count '^ok ' "$2") - skipped)) $(count '^not ok ' "$2") $skipped"
	;;
total)
	shift
	p=0 f=0 s=0
	for file in "$@"; do
		read -r fp ff fs <"$file"
		printf '%-14s %s passed, %s failed, %s skipped\n' "$(basename "$file" .counts):" "$fp" "$ff" "$fs"
		p=$((p + fp)) f=$((f + ff)) s=$((s + fs))
	done
	echo "$p passed, $f failed, $s skipped"
	;;
*)
	echo "usage: count-results.sh go|tap|total FILE..." >&2
	exit 2
	;;
esac
