#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (-sanitize=fuzzer) and runs each for
# SECONDS (default 15) on its committed corpus, which grows as it finds new
# paths. A crash or a broken invariant stops it with a non-zero exit and
# leaves the input as crash-* in Fuzz/artifacts/. (Linked with lld: gold
# fails on the fuzzer runtime.)
#   scripts/fuzz.sh            # about a minute in all (CI)
#   scripts/fuzz.sh 1800       # the longer run, half an hour each
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
targets=(FuzzDecoder FuzzTime FuzzSanitizer FuzzReducer)
build=.build-fuzz
mkdir -p "$build"
for t in "${targets[@]}"; do
  if ! swift build --package-path Fuzz --build-path "$build" -c debug \
      -Xswiftc -sanitize=fuzzer -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld --product "$t" >"$build/build.log" 2>&1; then
    grep -E "error" "$build/build.log" | head -20
    echo "fuzz: $t did not build"
    exit 1
  fi
done
mkdir -p Fuzz/artifacts
for t in "${targets[@]}"; do
  corpus=Fuzz/Corpus/$t
  mkdir -p "$corpus"
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s"
  status=0
  "$build/debug/$t" "$work" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=Fuzz/artifacts/"$t"- -print_final_stats=1 >"$work.log" 2>&1 || status=$?
  grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|.*Fatal error)" "$work.log" || tail -20 "$work.log"
  rm -rf "$work" "$work.log"
  if [ "$status" -ne 0 ]; then echo "fuzz: $t failed (exit $status); see Fuzz/artifacts/"; exit 1; fi
done
echo "fuzz: all targets ran clean"
