#!/bin/sh
# Instruction counts of our server per small transfer, per short session and per listing, for A/B comparisons on a noisy VM
# where wall and even CPU times vary 2x between identical runs (steal time). Runs bench/servers/ours.mjs from
# CHECKOUT (default: this one, built) under callgrind, warms it with the two probes, then counts one round of each:
#   sh bench/callgrind-count.sh NAME [CHECKOUT]      (needs valgrind; takes a few minutes; ~50x slower than native)
# With SERVER=node-floor it counts the bare Node.js reference (bench/servers/node-floor.mjs) instead, for transfers and
# sessions only (it answers no listing).
# Prints main-thread and optimizing-compiler instructions per transfer (300 STOR + 300 RETR of 4 KiB) and per session
# (connect, USER, PASS, PWD, NOOP, QUIT), and main-thread instructions per MLSD and per LIST of a 10,000-entry
# directory (10 of each after 8 warm-up listings). Two counts of the same build differ by about 2%; compile counts vary more.
set -eu
name=${1:?usage: callgrind-count.sh NAME [CHECKOUT]}
checkout=$(cd "${2:-$(dirname "$0")/..}" && pwd)
out=$(cd "$(dirname "$0")" && pwd)/results/callgrind/$name
rm -rf "$out"; mkdir -p "$out/root/up"
server=${SERVER:-ours}
if [ "$server" = ours ]; then
  mkdir -p "$out/root/list10k"
  node -e 'const fs = require("node:fs"); for (let i = 0; i < 10000; i++) fs.writeFileSync(`${process.argv[1]}/file-${String(i).padStart(5, "0")}.txt`, "x")' "$out/root/list10k"
fi
case $server in
  ours) set -- "$checkout/bench/servers/ours.mjs" "$out/root" nofsync; parts="1:transfer:600 2:session:300 3:MLSD:10 4:LIST:10" ;;
  node-floor) set -- "$checkout/bench/servers/node-floor.mjs" "$out/root"; parts="1:transfer:600 2:session:300" ;;
  *) echo "SERVER must be ours or node-floor" >&2; exit 2 ;;
esac
valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file="$out/cg.out" \
  node "$@" > "$out/port.txt" 2> "$out/valgrind.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
tries=0
until grep -q port "$out/port.txt" 2>/dev/null; do
  tries=$((tries + 1)); [ $tries -lt 180 ] || { echo "server did not start" >&2; exit 1; }; sleep 1
done
port=$(sed 's/[^0-9]//g' "$out/port.txt")
for warm in 1 2; do
  node "$checkout/bench/probe-transfer.mjs" "$port" up > /dev/null
  node "$checkout/bench/probe-steps.mjs" "$port" > /dev/null
done
callgrind_control -z $pid > /dev/null 2>&1
node "$checkout/bench/probe-transfer.mjs" "$port" up > /dev/null
callgrind_control -d transfers $pid > /dev/null 2>&1
node "$checkout/bench/probe-steps.mjs" "$port" > /dev/null
callgrind_control -d sessions $pid > /dev/null 2>&1
if [ "$server" = ours ]; then
  node "$checkout/bench/probe-listing.mjs" "$port" /list10k MLSD 8 > /dev/null
  node "$checkout/bench/probe-listing.mjs" "$port" /list10k LIST 8 > /dev/null
  callgrind_control -z $pid > /dev/null 2>&1
  node "$checkout/bench/probe-listing.mjs" "$port" /list10k MLSD 10 > /dev/null
  callgrind_control -d mlsd $pid > /dev/null 2>&1
  node "$checkout/bench/probe-listing.mjs" "$port" /list10k LIST 10 > /dev/null
  callgrind_control -d list $pid > /dev/null 2>&1
fi
kill $pid; wait $pid 2>/dev/null || true
trap - EXIT
count() { callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null | grep -m1 "$2" | awk '{gsub(",", "", $1); print $1}'; }
for part in $parts; do
  file="$out/cg.out.${part%%:*}"; rest=${part#*:}; unit=${rest%%:*}; times=${rest#*:}
  main=$(count "$file" 'node::SpinEventLoopInternal'); compile=$(count "$file" 'OptimizingCompileDispatcher::CompileTask::RunInternal')
  echo "$name per $unit: main thread $((main / times)) instructions, optimizing compiler $((${compile:-0} / times))"
done
