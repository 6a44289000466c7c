#!/usr/bin/env bash
# Inner half of run.sh (which builds the suite and sets up a private mount namespace):
# runs each validation program, judges its TAP output and compares with the known failures.
# Usage: run-programs.sh BIN WORKDIR LOGDIR KNOWN_FAILURES TIMEOUT PROGRAM...
# Environment: RUNTIME (absolute path; run.sh's wrapper that gives the runtime a private
# --root), RUNTIME_LABEL (the runtime's name for the summary), TMPDIR (where the suite
# makes its bundles).
set -euo pipefail

bin=$1 work=$2 logs=$3 known_file=$4 per_program_timeout=$5
shift 5
runtime=${RUNTIME:?}

# known-failures.txt: "<program> <reason...>"; blank lines and '#' comments ignored.
declare -A known=()
if [[ -f $known_file ]]; then
	while read -r name reason; do
		[[ -z $name || $name == \#* ]] && continue
		known[$name]=${reason:-no reason given}
	done <"$known_file"
fi

# Containers a program leaves behind are force-deleted and reported, so that one broken
# program does not spoil the next.
runtime_ids() { "$runtime" list -q 2>/dev/null | sort || true; }
before_ids=$(runtime_ids)

# judge PROG STATUS LOG: "pass" for exit 0, a TAP plan and no "not ok" (a "# TODO" is
# allowed). Lifecycle programs print no test points at all ("1..0") and report a failure
# only as a YAML diagnostic with an "error" key, so such a block fails a plan of 1..0.
# The *_fail programs that check a bad config is refused (process_capabilities_fail,
# process_rlimits_fail) print no TAP at all: they exit 0 when create failed as it must,
# and 1 (util.Fatal) when the runtime accepted the config.
judge() {
	local prog=$1 status=$2 log=$3
	if [[ $prog == *_fail ]] && ((status == 0)) && ! grep -qE '^(1\.\.[0-9]+|(not )?ok )' "$log"; then
		echo pass
		return
	fi
	if ((status != 0)) || ! grep -qE '^1\.\.[0-9]+' "$log" ||
		grep -E '^not ok ' "$log" | grep -qvE '# (TODO|todo)'; then
		echo fail
	elif grep -qE '^1\.\.0' "$log" && grep -qE '^ +"error": ' "$log"; then
		echo fail
	else
		echo pass
	fi
}

passed=() failed=() expected=() fixed=() leaks=()
start_all=$SECONDS
for prog in "$@"; do
	if [[ ! -x $bin/$prog ]]; then
		echo "conformance: no such program: $prog" >&2
		exit 1
	fi
	log=$logs/$prog.tap
	start=$SECONDS
	status=0
	# The suite finds runtimetest and rootfs-amd64.tar.gz in its working directory.
	(cd "$work" && timeout -k 10 "$per_program_timeout" "$bin/$prog") >"$log" 2>&1 </dev/null || status=$?
	took=$((SECONDS - start))

	verdict=$(judge "$prog" "$status" "$log")

	left=$(comm -13 <(echo "$before_ids") <(runtime_ids) | grep -v '^$' || true)
	if [[ -n $left ]]; then
		leaks+=("$prog")
		for id in $left; do "$runtime" delete --force "$id" >/dev/null 2>&1 || true; done
	fi

	if [[ $verdict == pass ]]; then
		# A "race:" entry is a program whose own check races with the container: it may
		# pass or fail, and a pass is no news.
		if [[ -n ${known[$prog]+x} && ${known[$prog]} != race:* ]]; then
			fixed+=("$prog")
			printf '%-34s PASS, but listed in known failures (%ss)\n' "$prog" "$took"
		else
			passed+=("$prog")
			printf '%-34s pass (%ss)\n' "$prog" "$took"
		fi
	elif [[ -n ${known[$prog]+x} ]]; then
		expected+=("$prog")
		printf '%-34s known failure (%ss): %s\n' "$prog" "$took" "${known[$prog]}"
	else
		failed+=("$prog")
		printf '%-34s FAIL (%ss, exit %s): %s\n' "$prog" "$took" "$status" "$log"
		{
			grep -E '^not ok |level=error|^# expect' "$log" || tail -n 3 "$log"
		} | head -n 6 | cut -c1-240 | sed 's/^/    /'
	fi
done

if grep -qF " $TMPDIR/" /proc/self/mountinfo; then
	leaks+=("(mounts on the host side of a bundle)")
fi

echo
echo "conformance: $# programs in $((SECONDS - start_all))s against ${RUNTIME_LABEL:-$runtime}:" \
	"${#passed[@]} passed, ${#expected[@]} known failures, ${#failed[@]} unexpected failures," \
	"${#fixed[@]} unexpected passes"
if ((${#fixed[@]})); then
	echo "conformance: now passing, remove from $(basename "$known_file"): ${fixed[*]}"
fi
if ((${#leaks[@]})); then
	echo "conformance: warning: left containers or mounts behind (cleaned up): ${leaks[*]}"
fi
if ((${#failed[@]})); then
	echo "conformance: unexpected failures: ${failed[*]} (TAP logs in $logs)"
	exit 1
fi
# The plain closing line that CI reads.
echo "$((${#passed[@]} + ${#fixed[@]})) passed, 0 failed, ${#expected[@]} skipped"
