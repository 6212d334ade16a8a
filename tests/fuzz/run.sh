#!/usr/bin/env bash
# `make fuzz`: builds the targets of tests/fuzz/ with clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer in their own build folder, then fuzzes each target in turn for
# DAIBAN_FUZZ_SECONDS (default 60) starting from its committed corpus. New interesting inputs go
# to a scratch folder under the build folder, never into tests/fuzz/corpus/: a crash input worth
# keeping is added there by hand, with its fix. Prints the executions of each target and fails
# when any target crashed (libFuzzer leaves the input as crash-* in the artifacts folder).
#
#   DAIBAN_FUZZ_SECONDS   time per target (default 60)
#   DAIBAN_FUZZ_TARGETS   space-separated subset (default: every folder of corpus/)
#   DAIBAN_FUZZ_BUILD_DIR where to build (default build-fuzz/)
set -euo pipefail
PROFILE=fuzz
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/lib.sh"

seconds=${DAIBAN_FUZZ_SECONDS:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "DAIBAN_FUZZ_SECONDS must be a positive number of seconds"
build=${DAIBAN_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
corpora=$ROOT/tests/fuzz/corpus
if [[ -n ${DAIBAN_FUZZ_TARGETS:-} ]]; then
  read -ra targets <<<"$DAIBAN_FUZZ_TARGETS"
else
  mapfile -t targets < <(find "$corpora" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
fi

install_packages "${PACKAGES[@]}" clang-15 libfuzzer-15-dev

log "building ${#targets[@]} fuzz targets (clang-15, libFuzzer, ASan, UBSan) in $build"
# -fsanitize=fuzzer-no-link instruments the libraries too (coverage feedback inside the
# parsers); only the targets link libFuzzer's main. Recovering from UB would hide it: abort.
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize=fuzzer-no-link"
cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE= -DDAIBAN_LIBFUZZER=ON \
  -DCMAKE_C_COMPILER=clang-15 -DCMAKE_CXX_COMPILER=clang++-15 \
  -DCMAKE_CXX_FLAGS="-O1 -g -fno-omit-frame-pointer $sanitizers" >/dev/null
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL cmake --build "$build" -j "${DAIBAN_BUILD_JOBS:-2}" \
  --target "${targets[@]/#/fuzz_}"

# Readable stack traces in the logs (clang-15 has no symbolizer of its own name on Debian).
symbolizer=$(command -v llvm-symbolizer-15 || command -v llvm-symbolizer || true)
[[ -z $symbolizer ]] || export ASAN_SYMBOLIZER_PATH=$symbolizer
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
summary=()
for target in "${targets[@]}"; do
  scratch=$build/fuzz-scratch/$target
  artifacts=$build/fuzz-artifacts/$target
  mkdir -p "$scratch" "$artifacts"
  log "fuzzing $target for ${seconds}s"
  status=0
  # The first folder receives new inputs; the committed corpus is only read.
  nice "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$scratch" "$corpora/$target" \
    >"$build/fuzz-$target.log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$target.log" | tail -1)
  if ((status != 0)); then
    failed+=("$target")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*check failed|artifact_prefix|Test unit written)' \
      "$build/fuzz-$target.log" | head -20 || true
    summary+=("$(printf '%-16s CRASH (exit %d), log %s' "$target" "$status" "$build/fuzz-$target.log")")
  else
    summary+=("$(printf '%-16s %12s executions in %ss' "$target" "${runs:-?}" "$seconds")")
  fi
done

log "fuzzing summary"
printf '  %s\n' "${summary[@]}"
((${#failed[@]} == 0)) || die "crashes in: ${failed[*]} (inputs under $build/fuzz-artifacts/)"
