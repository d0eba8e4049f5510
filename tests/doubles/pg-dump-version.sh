#!/bin/sh
# Stand-in for pg_dump/pg_restore that claims another major version (FAKE_PG_VERSION) and otherwise runs
# the real tool: lets a test see how a version mismatch with the server is reported.
if [ "$1" = "--version" ]; then
  echo "$(basename "$0" .sh | sed 's/-version//') (PostgreSQL) ${FAKE_PG_VERSION:-99.0}"
  exit 0
fi
exec "${REAL_TOOL:-pg_dump}" "$@"
