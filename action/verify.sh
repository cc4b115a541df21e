#!/usr/bin/env bash
# The action's checks, for each policy and its committed function: `cfjwt gen --check` (the file
# is what the policy produces, built with the test key, or with no key for a KeyValueStore
# policy), `cfjwt check` (CloudFront accepts it) and `cfjwt test --expect` on the events. Every
# check runs whatever the others found; each failure is an `::error` annotation on the file to
# fix, saying what to do, and the step fails at the end. cfjwt is the one on the PATH.
set -uo pipefail
shopt -s nullglob

failures=0
fail() {
  echo "::error file=$1::$2"
  failures=$((failures + 1))
}
usage() {
  echo "::error::$1"
  exit 1
}

# An input's lines, trimmed, blank lines dropped.
lines() { printf '%s\n' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'; }
policies=()
while IFS= read -r l; do policies+=("$l"); done < <(lines "${CFJWT_POLICY:-}")
functions=()
while IFS= read -r l; do functions+=("$l"); done < <(lines "${CFJWT_FUNCTION:-}")
events=()
while IFS= read -r l; do events+=("$l"); done < <(lines "${CFJWT_EVENTS:-}")
test_keys=()
while IFS= read -r l; do test_keys+=("$l"); done < <(lines "${CFJWT_TEST_KEY:-}")
store=${CFJWT_TEST_STORE:-}

[ ${#policies[@]} -gt 0 ] || usage "the input policy is empty"
[ ${#functions[@]} -eq ${#policies[@]} ] ||
  usage "${#policies[@]} policies but ${#functions[@]} functions: give one function line per policy line"
[ ${#events[@]} -eq 1 ] || [ ${#events[@]} -eq ${#policies[@]} ] ||
  usage "${#events[@]} events folders for ${#policies[@]} policies: give one for all, or one line per policy line"

mode=${CFJWT_EXPECT:-by-name}
case $mode in
  none) expect=() ;;
  by-name | allow | deny | deny:* | redirect | redirect:*) expect=(--expect "$mode") ;;
  *) usage "expect: '$mode' is none of by-name, allow, deny[:CODE], redirect[:CODE], none" ;;
esac
case ${CFJWT_PRETTY:-false} in
  true) pretty=(--pretty) ;;
  false) pretty=() ;;
  *) usage "pretty: '$CFJWT_PRETTY' is neither true nor false" ;;
esac
now=()
if [ -n "${CFJWT_NOW:-}" ]; then now=(--now "$CFJWT_NOW"); fi
encoding=${CFJWT_KEY_ENCODING:-utf8}

command -v cfjwt >/dev/null 2>&1 || usage "cfjwt is not on the PATH"
results=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cfjwt-results.jsonl
: >"$results"
[ -z "${GITHUB_OUTPUT:-}" ] || echo "results=$results" >>"$GITHUB_OUTPUT"
echo "using $(cfjwt --version) ($(command -v cfjwt))"

for i in "${!policies[@]}"; do
  policy=${policies[$i]}
  function=${functions[$i]}
  folder=${events[0]}
  [ ${#events[@]} -eq 1 ] || folder=${events[$i]}
  echo "::group::$function, from $policy, on $folder"

  if [ ! -f "$policy" ]; then
    fail "$policy" "missing: the policy of $function"
    echo "::endgroup::"
    continue
  fi

  # Where the policy's key is: cfjwt builds a policy with no key only when the policy reads its
  # secret from the KeyValueStore.
  keys=()
  buildable=true
  regenerate="cfjwt gen --config $policy"
  kvs=()
  if cfjwt gen --config "$policy" >/dev/null 2>&1; then
    echo "$policy reads its secret from the KeyValueStore: the function is built with no key, the events run with the test store $store"
    if [ -f "$store" ]; then
      kvs=(--kvs "$store")
    else
      fail "$store" "missing: the KeyValueStore's content for the events of $policy (JSON, test secrets only, e.g. {\"jwt.secret\": \"a test secret of 32 bytes or more\"}); set the input test-store"
    fi
  else
    echo "$policy embeds its key: the committed function is built with the test key"
    if [ ${#test_keys[@]} -eq 0 ]; then
      fail "$policy" "embeds its key, and the input test-key is empty: give the test key $function is built with"
      buildable=false
    fi
    for k in ${test_keys[@]+"${test_keys[@]}"}; do
      file=$k
      case $k in *=*) file=${k#*=} ;; esac
      if [ -f "$file" ]; then
        keys+=(--key-file "$k")
        regenerate+=" --key-file $k"
      else
        fail "$file" "missing: the test key $function is built with ($policy embeds its key); set the input test-key"
        buildable=false
      fi
    done
    keys+=(--key-encoding "$encoding" --test-key)
    [ "$encoding" = utf8 ] || regenerate+=" --key-encoding $encoding"
    regenerate+=" --test-key"
    if [ -f "$store" ]; then kvs=(--kvs "$store"); fi
  fi
  [ ${#pretty[@]} -eq 0 ] || regenerate+=" --pretty"
  regenerate+=" -o $function"

  # 1. The committed function is what the policy produces.
  if [ ! -f "$function" ]; then
    fail "$function" "missing: write it with \`$regenerate\` and commit it"
  else
    rc=0
    if [ "$buildable" = false ]; then
      echo "not comparing $function with what $policy produces: no test key to build it with"
    else
      cfjwt gen --config "$policy" ${keys[@]+"${keys[@]}"} ${pretty[@]+"${pretty[@]}"} -o "$function" --check || rc=$?
      case $rc in
        0) ;;
        1) fail "$function" "not what $policy produces (where it differs: above): regenerate it with \`$regenerate\` and commit it" ;;
        *)
          said=$(cfjwt gen --config "$policy" ${keys[@]+"${keys[@]}"} 2>&1 >/dev/null | head -n 1)
          fail "$policy" "cfjwt gen cannot build $function from it: ${said#error: }"
          ;;
      esac
    fi

    # 2. CloudFront accepts it.
    rc=0
    cfjwt check "$function" || rc=$?
    case $rc in
      0) ;;
      1) fail "$function" "CloudFront would refuse it: the problems above, as FILE:LINE:COL" ;;
      *) fail "$function" "cfjwt check could not read it (above)" ;;
    esac

    # 3. It decides as the events expect.
    files=("$folder"/*.json)
    if [ ${#files[@]} -eq 0 ]; then
      fail "$folder" "no events (*.json) to run $function on"
    else
      rc=0
      cfjwt test "$function" --event "${files[@]}" --json ${now[@]+"${now[@]}"} ${kvs[@]+"${kvs[@]}"} \
        ${expect[@]+"${expect[@]}"} >>"$results" || rc=$?
      case $rc in
        0) ;;
        1) if [ ${#expect[@]} -gt 0 ]; then
             fail "$folder" "$function does not decide as these events expect ($mode): each mismatch is named above"
           else
             fail "$folder" "$function failed on an event: it threw, ran out of time, or returned what CloudFront rejects (above)"
           fi ;;
        *) fail "$folder" "cfjwt test could not run $function on these events (above)" ;;
      esac
    fi
  fi
  echo "::endgroup::"
done

if [ "$failures" -gt 0 ]; then
  echo "::error::cfjwt: $failures check(s) failed; each names the file to fix"
  exit 1
fi
echo "cfjwt: ${#policies[@]} function(s) checked: current, accepted by CloudFront, deciding as the events expect"
