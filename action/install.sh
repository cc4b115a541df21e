#!/usr/bin/env bash
# The action's first step: the pinned cfjwt on the PATH. A cfjwt of that version already on the
# PATH is used as it is; otherwise the release's prebuilt binary, through the repository's
# install.sh (checked against SHA256SUMS), into CFJWT_HOME/bin. Says `installed=false` in the
# step's outputs when the release has no binary for this runner, so that the next steps build one
# with cargo; a binary that does not match its checksum stops the job.
set -euo pipefail
: "${CFJWT_VERSION:?the input version is empty}" "${CFJWT_HOME:?}" "${GITHUB_OUTPUT:?}" "${GITHUB_PATH:?}"
want="cfjwt $CFJWT_VERSION"

if found=$(command -v cfjwt) && [ "$(cfjwt --version 2>/dev/null)" = "$want" ]; then
  echo "$want is on the PATH already: $found"
  echo "installed=true" >>"$GITHUB_OUTPUT"
  exit 0
fi
if [ -x "$CFJWT_HOME/bin/cfjwt" ] && [ "$("$CFJWT_HOME/bin/cfjwt" --version 2>/dev/null)" = "$want" ]; then
  echo "$want is installed already: $CFJWT_HOME/bin/cfjwt"
  echo "$CFJWT_HOME/bin" >>"$GITHUB_PATH"
  echo "installed=true" >>"$GITHUB_OUTPUT"
  exit 0
fi

rc=0
sh "$GITHUB_ACTION_PATH/install.sh" --version "$CFJWT_VERSION" --to "$CFJWT_HOME/bin" \
  ${CFJWT_BASE_URL:+--base-url "$CFJWT_BASE_URL"} || rc=$?
case $rc in
  0)
    echo "$CFJWT_HOME/bin" >>"$GITHUB_PATH"
    echo "installed=true" >>"$GITHUB_OUTPUT"
    ;;
  3)
    echo "::error::the prebuilt $want does not match the release's checksum (above): nothing installed, the job stops"
    exit 1
    ;;
  *)
    echo "::notice::no prebuilt $want for this runner (above): it is built with cargo instead"
    echo "installed=false" >>"$GITHUB_OUTPUT"
    ;;
esac
