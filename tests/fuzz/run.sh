#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a while
# (FUZZ_SECONDS, default 60), starting from a corpus seeded with real comments
# from ../shared/data and the shipped configuration files. Prints each target's
# executions and coverage; fails on any finding (the crashing input is kept
# under build-fuzz/findings/).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
build=build-fuzz
cmake --preset fuzz >/dev/null
targets=(submission_fuzzer spam_rules_fuzzer rules_file_fuzzer config_fuzzer captcha_fuzzer
         classifier_model_fuzzer)
cmake --build "$build" --target "${targets[@]}"

corpus=$build/corpus
findings=$build/findings
rm -rf "$corpus"
mkdir -p "$findings"
for target in "${targets[@]}"; do
  mkdir -p "$corpus/$target"
done

# Real comments: the first lines of each data file, one seed per line.
data=../shared/data
seed_lines() {
  local limit=$1
  shift
  for file in "$@"; do
    [ -f "$file" ] && head -n "$limit" "$file"
  done
}
if [ -d "$data" ]; then
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    printf 'Nguyễn Văn An\0Ý kiến\0%s' "$line" >"$corpus/spam_rules_fuzzer/seed-$n"
    printf 'the-gioi-1\0Nguyễn Văn An\0%s\0Tiêu đề\0%s\0%032d.1790000000\0ABCDE\0203.0.113.7\0Mozilla\0key-%d\0' \
      "0912 345 678" "$line" 0 "$n" >"$corpus/submission_fuzzer/seed-$n"
    printf '%s' "$line" >"$corpus/classifier_model_fuzzer/seed-$n"
  done < <(seed_lines 150 "$data/vispamreviews/dev.csv" "$data/vihsd/dev.csv" \
             "$data/youtube-spam/Youtube03-LMFAO.csv" "$data/sms-spam/sms_shared.tsv")
else
  echo "note: $data not found; starting from the configuration seeds only"
fi
cp deploy/spam-rules.toml "$corpus/rules_file_fuzzer/shipped.toml"
printf '[thresholds]\nflag = 3\nreject = 9\n[banned_words]\nwords = ["x"]\n' \
  >"$corpus/rules_file_fuzzer/small.toml"
printf 'listen = "127.0.0.1:50051"\n[redis]\nurl = "redis://127.0.0.1:6379"\n[ratelimit.submit_ip]\ncount = 5\n[spam]\nrules_file = "x"\n' \
  >"$corpus/config_fuzzer/small.toml"
printf '00000000000000000000000000000000.1790000000\0ABCDE' >"$corpus/captcha_fuzzer/seed-1"
printf 'not-an-id\0abcde' >"$corpus/captcha_fuzzer/seed-2"

status=0
summary=()
for target in "${targets[@]}"; do
  echo "== $target (${seconds}s)"
  log=$build/$target.log
  if ! "$build/tests/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$findings/$target-" -print_final_stats=1 "$corpus/$target" >"$log" 2>&1; then
    status=1
    echo "FINDING in $target:"
    tail -n 40 "$log"
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*$' || echo "?")
  features=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*$' || echo "?")
  summary+=("$(printf '%-26s executions %-10s coverage (edges) %-6s features %s' \
    "$target" "$execs" "$cov" "$features")")
done
echo "== fuzzing summary"
printf '%s\n' "${summary[@]}"
exit $status
