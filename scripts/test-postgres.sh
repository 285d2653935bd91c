# Sourced by `make test`: make a local PostgreSQL server available to the suite.
# Sets CGIC_TEST_POSTGRES_URL (a role allowed to create databases; each test run makes its own).
# Already set: used as is. Otherwise, if Debian's PostgreSQL is installed and we are root, start its
# packaged cluster and create a throw-away local test role. Neither: the PostgreSQL half of the
# suite is skipped, unless CGIC_TEST_REQUIRE_POSTGRES=1 (CI), where that is a failure.
if [ -z "${CGIC_TEST_POSTGRES_URL:-}" ] && command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    cluster=$(pg_lsclusters --no-header 2>/dev/null | head -n 1)
    if [ -n "$cluster" ]; then
        set -- $cluster
        pg_ver=$1; pg_name=$2; pg_port=$3
        if [ "$4" != "online" ]; then
            pg_ctlcluster "$pg_ver" "$pg_name" start
        fi
        su postgres -c "psql -p $pg_port -tAc \"select 1 from pg_roles where rolname='cgic_test'\"" | grep -q 1 \
            || su postgres -c "psql -p $pg_port -qc \"create role cgic_test login password 'cgic_test' createdb\""
        export CGIC_TEST_POSTGRES_URL="postgresql+psycopg://cgic_test:cgic_test@127.0.0.1:$pg_port/postgres"
        set --
    fi
fi
if [ -n "${CGIC_TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL tests against ${CGIC_TEST_POSTGRES_URL%%:*}://...@${CGIC_TEST_POSTGRES_URL##*@}"
else
    echo "No PostgreSQL server: the PostgreSQL half of the suite will be skipped."
fi
