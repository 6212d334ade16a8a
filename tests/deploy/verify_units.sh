#!/usr/bin/env bash
# Checks the systemd units of deploy/systemd with systemd-analyze verify, as instance "a" of
# each template, with ExecStart pointing at the binaries of this build (the installed path
# /usr/lib/daiban does not exist on a build machine). Any message fails: systemd only warns
# about an unknown or misspelt key, and a hardening option it ignores protects nothing. Then,
# to show the check can fail, the same with one key misspelt must give a message.
#   verify_units.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(cd "${1:?source dir}" && pwd) build_dir=$(cd "${2:?build dir}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
binary() {
  case $1 in
    intake) echo "$build_dir/services/daiban-intake" ;;
    dispatch) echo "$build_dir/dispatch/server/daiban-dispatch" ;;
    tracking) echo "$build_dir/tracking/server/daiban-tracking" ;;
    mobile) echo "$build_dir/mobile-api/daiban-mobile" ;;
  esac
}
for unit in "$source_dir"/deploy/systemd/daiban-*@.service; do
  name=$(basename "$unit")
  service=${name#daiban-}
  service=${service%@.service}
  sed -e "s|^ExecStart=/usr/lib/daiban/daiban-$service|ExecStart=$(binary "$service")|" "$unit" \
    >"$work/${name/@.service/@a.service}"
done
output=$(systemd-analyze verify --man=no "$work"/*.service 2>&1) || { echo "$output"; exit 1; }
if [[ -n $output ]]; then
  echo "$output"
  exit 1
fi
echo "verified: $(cd "$work" && echo *.service)"
sed -i 's/^ProtectSystem=/ProtectSytem=/' "$work"/daiban-intake@a.service
if [[ -z $(systemd-analyze verify --man=no "$work"/daiban-intake@a.service 2>&1) ]]; then
  echo "a misspelt key went unnoticed: the check cannot fail"
  exit 1
fi
