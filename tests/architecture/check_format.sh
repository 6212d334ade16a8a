#!/usr/bin/env bash
# The repository's .clang-format, checked by `make test` (ctest ArchitectureTest.ClangFormat):
# every C++ file of the tree must be formatted as clang-format would format it. To fix:
#   git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
root=${1:?source dir}
cd "$root"
command -v clang-format >/dev/null || { echo "clang-format is not installed" >&2; exit 1; }
if [[ -d .git || -f .git ]]; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  mapfile -t files < <(find . -path ./build -prune -o -path '*/node_modules' -prune -o \
    \( -name '*.cpp' -o -name '*.hpp' \) -type f -print | sort)
fi
((${#files[@]})) || { echo "no C++ files found under $root" >&2; exit 1; }
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/clang-format-$$.log; then
  grep -E '^[^ ].*: (error|warning):' /tmp/clang-format-$$.log | cut -d: -f1 | sort -u |
    sed 's/^/not formatted: /'
  rm -f /tmp/clang-format-$$.log
  exit 1
fi
rm -f /tmp/clang-format-$$.log
echo "${#files[@]} C++ files formatted as .clang-format says"
