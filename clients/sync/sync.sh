#!/bin/sh
# sync.sh: an example for a portal team — keep a local copy of what bdg
# knows, hand each new change to your own loader, and send the report
# values your staff keep in a spreadsheet. Copy it and change what you need;
# it uses only the bdg command line and POSIX shell tools (curl for the
# optional pull without bdg).
#
#   sync.sh DIR [VALUES.csv]
#
#   DIR         the local copy: DIR/<resource>.ndjson (unit, plan, activity,
#               indicator, target, report), one JSON line per change:
#               {"revision", "resource", "id", "key", "op", "at", "data"}
#               (op is create, update or delete; data is the new state, null
#               for a delete), and DIR/state, the last revision saved.
#   VALUES.csv  optional: report values to send (a header row of field
#               names, UTF-8; Excel's "CSV UTF-8" and its ';' variant work).
#
# Environment:
#   BDG_URL, BDG_TOKEN  the server and a service account's token (or put
#                       them in ~/.config/bdg/config, mode 600)
#   BDG                 the bdg binary (default: bdg on the PATH)
#   BDG_SYNC_HOOK       a command run once per resource with that resource's
#                       new lines on stdin, e.g. your database loader;
#                       called as: $BDG_SYNC_HOOK RESOURCE. Default: count them.
#   BDG_SYNC_WITH=curl  pull with plain curl instead of bdg (see pull_curl)
#
# Exit status: 0, or the first failure's (bdg's codes: 3 the token was
# refused, 6 the CSV was rejected and nothing was written, 7 the server
# could not be reached — the next run simply catches up).
set -eu

DIR=${1:?usage: sync.sh DIR [VALUES.csv]}
CSV=${2:-}
BDG=${BDG:-bdg}

# One run at a time: cron may start the next run before this one ends.
# (flock is util-linux; bdg sync also locks DIR on its own.)
mkdir -p "$DIR"
exec 9>"$DIR/.sync.sh.lock"
if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
	echo "sync.sh: another run is working in $DIR" >&2
	exit 5
fi

# --- 1. Pull ---------------------------------------------------------------
# bdg sync resumes from DIR/state, follows the feed until it has nothing
# more, and saves the state only once the lines are on disk: a run that is
# killed halfway loses nothing, and the next one writes no line twice.
# It takes a lock on DIR, so two cron runs cannot overlap.
pull_bdg() {
	"$BDG" sync "$1"
}

# The same with curl alone, for a machine without bdg: each page of the
# feed is kept as it came, in DIR/pages/<revision>.json, for a loader that
# reads JSON. The feed's answer ends with "next":"REV","more":true|false.
pull_curl() {
	mkdir -p "$1/pages"
	since=$(cat "$1/state" 2>/dev/null || echo 0)
	while :; do
		page=$1/pages/.incoming
		curl -fsS --retry 3 -H "Authorization: Bearer $BDG_TOKEN" \
			"${BDG_URL%/}/api/v1/changes?since=$since&limit=500" -o "$page"
		next=$(sed -En 's/.*"next":"([0-9]+)","more":(true|false)}$/\1/p' "$page")
		more=$(sed -En 's/.*"next":"([0-9]+)","more":(true|false)}$/\2/p' "$page")
		[ -n "$next" ] || { echo "sync.sh: not a page of the changes feed" >&2; exit 7; }
		if [ "$next" != "$since" ]; then
			mv "$page" "$1/pages/$next.json"
			# the state is replaced in one rename, after the page is in place
			# (add `sync "$1/pages/$next.json"` where power cuts are a worry)
			echo "$next" >"$1/state.tmp" && mv "$1/state.tmp" "$1/state"
		fi
		since=$next
		[ "$more" = true ] || break
	done
	rm -f "$1/pages/.incoming"
	echo "at revision $since"
}

# --- 2. Hand the new lines on ----------------------------------------------
# DIR/.fed/<resource> holds how many bytes of <resource>.ndjson the hook
# has taken; it moves on only when the hook succeeds, so a failed load is
# offered again next time. (bdg sync only ever cuts lines that a killed
# run wrote beyond the saved state, never lines the hook was given.)
feed_hook() {
	mkdir -p "$1/.fed"
	for file in "$1"/*.ndjson; do
		[ -e "$file" ] || continue
		resource=$(basename "$file" .ndjson)
		done_bytes=$(cat "$1/.fed/$resource" 2>/dev/null || echo 0)
		size=$(wc -c <"$file" | tr -d ' ')
		[ "$size" -gt "$done_bytes" ] || continue
		if [ -n "${BDG_SYNC_HOOK:-}" ]; then
			# unquoted on purpose: the hook may be a command with arguments
			tail -c +"$((done_bytes + 1))" "$file" | head -c "$((size - done_bytes))" | $BDG_SYNC_HOOK "$resource"
		else
			n=$(tail -c +"$((done_bytes + 1))" "$file" | head -c "$((size - done_bytes))" | wc -l | tr -d ' ')
			echo "$resource: $n new change(s)"
		fi
		echo "$size" >"$1/.fed/$resource.tmp" && mv "$1/.fed/$resource.tmp" "$1/.fed/$resource"
	done
}

if [ "${BDG_SYNC_WITH:-bdg}" = curl ]; then
	: "${BDG_URL:?BDG_URL is needed to pull with curl}" "${BDG_TOKEN:?BDG_TOKEN is needed to pull with curl}"
	pull_curl "$DIR"
else
	pull_bdg "$DIR"
	feed_hook "$DIR"
fi

# --- 3. Push ----------------------------------------------------------------
# Report values by natural keys, through the bulk endpoint: a dry run first
# (everything checked, nothing written), then the import. The batch is
# atomic: one bad row rejects it all, and bdg names each bad row on stderr
# (set -e stops here with exit 6). Sending the same file again changes
# nothing: the summary says "unchanged".
if [ -n "$CSV" ]; then
	"$BDG" import --resource report_values --dry-run "$CSV"
	"$BDG" import --resource report_values "$CSV"
fi
