#!/usr/bin/env bash
# Runs every Aralia model through `faultline fta` and SCRAM side by side and prints a Markdown table: wall time of
# the whole command and peak memory (GNU time), both answers, and our in-process analysis time.
#
#   faultline-bench/scripts/fta-vs-scram.sh [ARALIA_DIR] [TIMEOUT_SECONDS] > table.md
#
# Needs: scram (Debian package `scram`), GNU time (`time`), a JDK. Builds faultline.jar when missing.
# SCRAM's command is `scram --probability true MODEL` (BDD cut sets and probability; its report lists every cut set,
# read and discarded through a pipe). Ours is `faultline fta MODEL --json` (counts without listing) and, in the
# "--cut-sets" column, the same with every cut set written as JSON into a pipe.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data/fault-trees/aralia}
LIMIT=${2:-300}
JAR=faultline-console/target/faultline.jar
[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests
JAVA=(java -XX:+UseSerialGC -Xss16m -jar "$JAR")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

attr() { sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p" "$2" | head -1; }
json() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2" | head -1; }

echo "| model | SCRAM s | SCRAM MB | SCRAM cut sets | SCRAM P(top) | faultline s | faultline MB | in-process ms | faultline cut sets | faultline P(top) | with --cut-sets s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for f in "$DATA"/*.xml; do
  m=$(basename "$f" .xml)
  if /usr/bin/time -f "%e %M" -o "$tmp/st" timeout "$LIMIT" sh -c \
      "scram --probability true '$f' | grep -F '<sum-of-products' > '$tmp/s.txt'" \
      > /dev/null 2>&1 && [ -s "$tmp/s.txt" ]; then
    read -r sw skb < "$tmp/st"
    sm=$((skb / 1024)); sc=$(attr products "$tmp/s.txt"); sp=$(attr probability "$tmp/s.txt")
  else
    sw=">$LIMIT"; sm="-"; sc="-"; sp="-"
  fi
  /usr/bin/time -f "%e %M" -o "$tmp/ft" "${JAVA[@]}" fta "$f" --json > "$tmp/f.json" 2> /dev/null
  read -r fw fkb < "$tmp/ft"
  fm=$((fkb / 1024)); fc=$(json cutSetCount "$tmp/f.json"); fp=$(json probability "$tmp/f.json")
  fms=$(json analysisMillis "$tmp/f.json")
  if /usr/bin/time -f "%e" -o "$tmp/lt" timeout "$LIMIT" sh -c \
      "${JAVA[*]} fta '$f' --json --cut-sets 2> /dev/null | wc -c > /dev/null" > /dev/null 2>&1; then
    lw=$(cat "$tmp/lt")
  else
    lw=">$LIMIT"
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.6g | %s |\n' "$m" "$sw" "$sm" "$sc" "$sp" "$fw" "$fm" \
    "$fms" "$fc" "$fp" "$lw"
done
