#!/usr/bin/env bash
# Measures two commits side by side in one go: `bench/compare.sh <rev-a> <rev-b> [points] [rounds]`
# (points: steps x concurrent, comma-separated, default 3x8,3x32; rounds default 3). Each commit is
# checked out in a worktree of its own, installed and built; then the throughput points run
# interleaved (a, b, a, b, …) on the same engines, so both see the same machine at the same time,
# and each line printed is one run of bench/src/throughput-only.ts. A change's effect is read
# from the two medians, not against a figure from another day. The worktrees stay (under
# $GOVMESH_COMPARE_DIR, default /tmp/govmesh-compare) so a second comparison skips the build;
# `git worktree remove <dir>` drops one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: bench/compare.sh <rev-a> <rev-b> [points, e.g. 3x8,3x32] [rounds]" >&2
  exit 2
fi
points=${3:-3x8,3x32}
rounds=${4:-3}
base=${GOVMESH_COMPARE_DIR:-${TMPDIR:-/tmp}/govmesh-compare}
mkdir -p "$base"

declare -A tree
for rev in "$1" "$2"; do
  sha=$(git rev-parse --short=10 "$rev^{commit}")
  dir="$base/$sha"
  if [ ! -d "$dir" ]; then
    git worktree add --detach "$dir" "$sha" >/dev/null
  fi
  if [ ! -f "$dir/.compare-built" ]; then
    echo "[compare] $rev ($sha): installing and building in $dir …" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null &&
      TURBO_TELEMETRY_DISABLED=1 node scripts/turbo.mjs build >/dev/null && touch .compare-built)
  fi
  tree[$rev]=$dir
done

npx govmesh infra up >/dev/null
results=$(mktemp)
for point in ${points//,/ }; do
  steps=${point%x*}
  concurrency=${point#*x}
  for ((r = 1; r <= rounds; r++)); do
    for rev in "$1" "$2"; do
      echo "[compare] $point round $r: $rev …" >&2
      line=$(cd "${tree[$rev]}/bench" && node --import tsx src/throughput-only.ts "$steps" "$concurrency" 2>/dev/null | tail -1)
      echo "$rev $point $line" | tee -a "$results"
    done
  done
done

# The medians, per commit and point.
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
  const runs = {};
  for (const l of lines) {
    const [rev, point, ...json] = l.split(" ");
    const r = JSON.parse(json.join(" "));
    (runs[`${point} ${rev}`] ??= []).push(r);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log("\n| point | commit | govmesh cases/s | bare cases/s | ratio |");
  console.log("|---|---|---|---|---|");
  for (const [key, rs] of Object.entries(runs)) {
    const [point, rev] = key.split(" ");
    console.log(`| ${point} | ${rev} | ${med(rs.map((r) => r.govmesh)).toFixed(2)} | ${med(rs.map((r) => r.bare)).toFixed(2)} | ${med(rs.map((r) => r.ratio)).toFixed(2)} |`);
  }
' "$results"
