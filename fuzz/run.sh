#!/usr/bin/env bash
# fuzz/run.sh replay|run TARGET BIN_DIR
#   replay  run every input of fuzz/corpus/TARGET and fuzz/regressions/TARGET
#           once; fails on any crash, leak, sanitizer report or timeout
#   run     fuzz TARGET for $FUZZ_SECONDS (default 10), starting from those
#           inputs. New inputs go to BIN_DIR/work/TARGET (not the repo);
#           a crash is saved as BIN_DIR/artifacts/TARGET/crash-<sha1> and
#           fails the run: copy it into fuzz/regressions/TARGET/ and fix the
#           bug, so it is replayed from then on.
# Prints the figures libFuzzer reports (runs, execs/s) last.
set -euo pipefail
mode=$1 target=$2 bin_dir=$3
here=$(cd "$(dirname "$0")" && pwd)
bin=$bin_dir/fuzz_$target
dirs=()
for d in "$here/corpus/$target" "$here/regressions/$target"; do
  [ -d "$d" ] && dirs+=("$d")
done
# Leaks count; UBSan findings stop the run like ASan's.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
opts=(-timeout=10 -rss_limit_mb=2048 -max_len=8192)
# The words of each input format (fuzz/<target>.dict), so routes and fields
# are found without guessing them letter by letter.
[ -f "$here/$target.dict" ] && opts+=(-dict="$here/$target.dict")
case $mode in
  replay)
    files=()
    for d in "${dirs[@]}"; do
      while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f -print0 | sort -z)
    done
    ((${#files[@]})) || { echo "no inputs for $target"; exit 1; }
    log=$bin_dir/replay-$target.log
    if ! "$bin" "${opts[@]}" "${files[@]}" >"$log" 2>&1; then
      tail -n 60 "$log"
      echo "fuzz_$target failed on a saved input: see $log" >&2
      exit 1
    fi
    echo "replayed ${#files[@]} inputs of $target"
    ;;
  run)
    work=$bin_dir/work/$target artifacts=$bin_dir/artifacts/$target/
    mkdir -p "$work" "$artifacts"
    log=$bin_dir/fuzz-$target.log
    status=0
    "$bin" "${opts[@]}" -max_total_time="${FUZZ_SECONDS:-10}" -print_final_stats=1 \
      -artifact_prefix="$artifacts" "$work" "${dirs[@]}" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
      tail -n 60 "$log"
      echo "fuzz_$target found a problem: see $log and $artifacts" >&2
      exit "$status"
    fi
    grep -a -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$log" || true
    ;;
  *) echo "usage: $0 replay|run TARGET BIN_DIR" >&2; exit 2 ;;
esac
