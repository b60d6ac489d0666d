#!/usr/bin/env bash
# fuzz.sh DIR TARGET FUZZTIME: one coverage-guided run of fuzz target
# TARGET in package directory DIR (relative to the module it runs in).
#
# Go 1.26's fuzzing coordinator can fail a run at the -fuzztime boundary
# with a bare "context deadline exceeded" and no failing input
# (golang/go#75804, fixed in Go 1.27): a race between its timeout and its
# workers' shutdown on a loaded machine, not a finding. Such a run, and
# only such a run, is repeated once; a real finding always writes its
# input ("Failing input written to ...") and fails at once.
set -u
dir=$1 target=$2 fuzztime=$3
GO=${GO:-go}
for attempt in 1 2; do
	log=$(mktemp)
	"$GO" test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$dir" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then
		rm -f "$log"
		exit 0
	fi
	if grep -q 'context deadline exceeded' "$log" &&
		! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' "$log" &&
		[ "$attempt" -eq 1 ]; then
		echo "fuzz.sh: $target stopped at the -fuzztime boundary without a finding (golang/go#75804); running it once more"
		rm -f "$log"
		continue
	fi
	rm -f "$log"
	exit "$rc"
done
