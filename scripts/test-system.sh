#!/usr/bin/env bash
# Sets up what the test suite needs outside Python, on Debian: Chromium (for
# browser tests and report screenshots), a CJK font (Chinese in screenshots
# and charts) and a running PostgreSQL with a test database. Prints the
# database URL on its last line. Installs only what is missing; stops with a
# clear message when it cannot.
set -euo pipefail

die() { echo "test-system: $*" >&2; exit 1; }

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! fc-list 2>/dev/null | grep -qiE "wenquanyi|wqy|noto sans cjk"; then
  need+=(fontconfig fonts-wqy-microhei)
fi
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)

if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "the tests need the Debian packages: ${need[*]}; install them with" \
        "'apt-get install ${need[*]}' (as root), then run make test again"
  fi
  echo "test-system: installing ${need[*]}" >&2
  apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >&2 || die "could not install ${need[*]}"
  # matplotlib only sees a new font once its font cache is rebuilt.
  rm -rf "${HOME:-/root}/.cache/matplotlib"
fi

version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
[ -n "$version" ] || die "PostgreSQL is installed but no server version was found"
if ! pg_lsclusters -h 2>/dev/null | awk '{print $2}' | grep -qx main; then
  pg_createcluster "$version" main >&2 || die "could not create a PostgreSQL cluster"
fi
if ! pg_lsclusters -h | awk '$2 == "main" {print $4}' | grep -qx online; then
  pg_ctlcluster "$version" main start >&2 || die "could not start PostgreSQL $version"
fi
port=$(pg_lsclusters -h | awk '$2 == "main" {print $3}')

as_postgres() { su postgres -c "$1" >&2 || runuser -u postgres -- sh -c "$1" >&2; }
psql_q() { su postgres -c "psql -p $port -tAc \"$1\"" 2>/dev/null; }
if [ "$(psql_q "select 1 from pg_roles where rolname = 'credcert'")" != 1 ]; then
  as_postgres "psql -p $port -qc \"create role credcert login password 'credcert'\""
fi
if [ "$(psql_q "select 1 from pg_database where datname = 'credcert_test'")" != 1 ]; then
  as_postgres "createdb -p $port -O credcert credcert_test"
fi
echo "postgresql+psycopg://credcert:credcert@127.0.0.1:${port}/credcert_test"
