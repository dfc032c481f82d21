# Helpers shared by the benchmarks (bench/run, bench/lag/run); sourced, not run.
#
# The caller sets ROOT (the repository), NAME (results file name part) and KEEP (1 = leave the
# servers running), then calls bench_init, bench_start_servers and, at the end, bench_finish.
# Afterwards these are defined: WORK, MYDIR, PGDIR, PGLOG, MYPORT, PGPORT, URI, SB_CONN (sysbench
# connection options), OUT (the results being written), CMDS (the commands, for the results),
# PGBIN, and the functions below.
# shellcheck shell=bash

say() { echo "[$(date +%T)] $*" >&2; }
res() { printf '%s\n' "$*" >>"$OUT"; }
cmd() { printf '%s\n' "$*" >>"$CMDS"; }
die() {
  say "ERROR: $*"
  exit 1
}
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
now() { date +%s.%N; }

# psql as root straight to the sandbox socket (trust auth), without runuser per call.
q() { "$PGBIN/psql" -X -q -At -F'|' -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PGPORT" -U postgres -d postgres "$@"; }
my() { "$ROOT/scripts/mariadb-sandbox" client "$MYDIR" --batch --skip-column-names "$@"; }

# bench_init: the work dir, the results files and the EXIT trap.
bench_init() {
  WORK=$(mktemp -d /tmp/msbench.XXXXXX)
  chmod 755 "$WORK"
  MYDIR=$WORK/my
  PGDIR=$WORK/pg
  OUT=$WORK/results.md
  CMDS=$WORK/commands.md
  : >"$OUT"
  : >"$CMDS"
  PGBIN=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local rc=$?
  if ((rc != 0)) && [[ -f "$PGDIR/log/postgres.log" ]] && grep -q 'terminated by signal' "$PGDIR/log/postgres.log"; then
    say "a PostgreSQL process crashed during the run:"
    grep -E 'terminated by signal|PANIC' "$PGDIR/log/postgres.log" | head -5 >&2
  fi
  [[ -n "${PERF_PID:-}" ]] && kill -INT "$PERF_PID" 2>/dev/null || true
  declare -F bench_cleanup_hook >/dev/null && bench_cleanup_hook
  if [[ "$KEEP" == 1 ]]; then
    say "BENCH_KEEP=1: servers left running; work dir $WORK (stop with scripts/pg-sandbox stop $PGDIR; scripts/mariadb-sandbox stop $MYDIR)"
  else
    PG_BINDIR=$PGBIN "$ROOT/scripts/pg-sandbox" stop "$PGDIR" >/dev/null 2>&1 || true
    "$ROOT/scripts/mariadb-sandbox" stop "$MYDIR" >/dev/null 2>&1 || true
    if ((rc != 0)); then say "work dir kept for inspection: $WORK"; else rm -rf "$WORK"; fi
  fi
  exit $rc
}

# bench_private_install: builds the work tree and installs it into a private copy of the system
# PostgreSQL under $WORK (as scripts/test does), so that the benchmark runs this tree's code and
# the shared system installation is left alone. Sets PGBIN to the copy's binaries.
bench_private_install() {
  local dest=$WORK/pginst
  say "building and installing into a private copy of PostgreSQL ($dest)"
  PGBIN=$("$ROOT/scripts/pg-private" "$dest")
  (cd "$ROOT" && make -j"$(nproc)" >"$WORK/build.log" 2>&1 && make install DESTDIR="$dest" >>"$WORK/build.log" 2>&1) ||
    die "build failed: $(tail -5 "$WORK/build.log")"
  BENCH_SO=${PGBIN%/bin}/lib/mysql_sync.so
}

# bench_install_rev REV: builds the git revision REV of this repository (git archive, so the work
# tree is untouched) and installs it into another private copy of PostgreSQL under $WORK, to be
# measured beside this tree (bench/backfill/run). Sets BENCH_REV_BIN (its binaries) and
# BENCH_REV_SO.
bench_install_rev() {
  local rev=$1 lib=/usr/lib/postgresql/15 share=/usr/share/postgresql/15 dest=$WORK/pginst-ref src=$WORK/ref-src
  say "building git $(git -C "$ROOT" rev-parse --short "$rev") into another private copy of PostgreSQL ($dest)"
  mkdir -p "$src" "$dest${lib%/*}" "$dest${share%/*}"
  cp -a "$lib" "$dest${lib%/*}/"
  cp -a "$share" "$dest${share%/*}/"
  chmod -R a+rX "$dest"
  git -C "$ROOT" archive "$rev" | tar -C "$src" -xf -
  (make -C "$src" -j"$(nproc)" with_llvm=no >"$WORK/build-ref.log" 2>&1 &&
    make -C "$src" install with_llvm=no DESTDIR="$dest" >>"$WORK/build-ref.log" 2>&1) ||
    die "build of $rev failed: $(tail -5 "$WORK/build-ref.log")"
  BENCH_REV_BIN=$dest$lib/bin
  BENCH_REV_SO=$dest$lib/lib/mysql_sync.so
}

# bench_start_servers "PG CONF LINES": MariaDB and PostgreSQL sandboxes, the extension created.
bench_start_servers() {
  say "starting MariaDB sandbox in $MYDIR"
  MYPORT=$("$ROOT/scripts/mariadb-sandbox" start "$MYDIR")
  say "starting PostgreSQL sandbox in $PGDIR"
  PGPORT=$(PG_BINDIR=$PGBIN PG_SANDBOX_CONF="$1" "$ROOT/scripts/pg-sandbox" start "$PGDIR")
  PGLOG=$PGDIR/log/postgres.log
  SB_CONN=(--mysql-host=127.0.0.1 --mysql-port="$MYPORT" --mysql-user=sync --mysql-password=sync --mysql-db=sbtest)
  URI="mysql://sync:sync@127.0.0.1:$MYPORT"
  q -c "CREATE EXTENSION mysql_sync"
  BENCH_SO=${BENCH_SO:-$("$PGBIN/pg_config" --pkglibdir)/mysql_sync.so}
  BENCH_SO_MD5=$(md5sum "$BENCH_SO" | cut -c1-12)
}

# bench_machine_table TITLE: the results' heading and the machine/versions table.
bench_machine_table() {
  local gitrev gitdirty
  gitrev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  gitdirty=$(git -C "$ROOT" status --porcelain -- . ':!bench' 2>/dev/null | wc -l)
  res "# mysql_sync benchmark: $1 ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  res ""
  res "## Machine and versions"
  res ""
  res "| | |"
  res "|---|---|"
  res "| nproc | $(nproc) |"
  res "| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -1) |"
  res "| memory | $(free -g | awk '/^Mem:/ {print $2 " GB"}') |"
  res "| kernel | $(uname -r) |"
  res "| load average at start | $(cut -d' ' -f1-3 /proc/loadavg) |"
  res "| PostgreSQL | $(q -c 'SHOW server_version') |"
  res "| MariaDB | $(my -e 'SELECT VERSION()') |"
  res "| sysbench | $(sysbench --version) |"
  res "| mysql_sync | git $gitrev ($gitdirty files modified outside bench/ in the work tree), .so md5 $BENCH_SO_MD5 ($BENCH_SO) |"
  res "| PG settings | $(q -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','shared_buffers','wal_level','max_wal_size','checkpoint_timeout','wal_buffers','mysql_sync.apply_batch_rows','mysql_sync.max_memory','mysql_sync.queue_capacity')") |"
  res "| MariaDB settings | $(my -e "SELECT GROUP_CONCAT(CONCAT(VARIABLE_NAME,'=',VARIABLE_VALUE) ORDER BY VARIABLE_NAME SEPARATOR ', ') FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME IN ('INNODB_BUFFER_POOL_SIZE','BINLOG_FORMAT','BINLOG_ROW_IMAGE','BINLOG_ROW_METADATA','SYNC_BINLOG','INNODB_FLUSH_LOG_AT_TRX_COMMIT','BINLOG_ANNOTATE_ROW_EVENTS','MAX_BINLOG_SIZE')") |"
  res ""
  res "Both servers and all clients share the same $(nproc) CPUs (loopback TCP for MariaDB, unix socket for psql)."
  res ""
}

# bench_finish: the commands section, then print the results and copy them to bench/results/.
bench_finish() {
  res "## Commands"
  res ""
  res '```'
  cat "$CMDS" >>"$OUT"
  res '```'
  res ""
  res "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  cat "$OUT"
  if [[ "${BENCH_NO_RESULTS:-0}" != 1 ]]; then
    mkdir -p "$ROOT/bench/results"
    local dest n=2
    dest="$ROOT/bench/results/$(date +%Y-%m-%d)-$NAME.md"
    while [[ -e "$dest" ]]; do
      dest="$ROOT/bench/results/$(date +%Y-%m-%d)-$NAME-$n.md"
      n=$((n + 1))
    done
    cp "$OUT" "$dest"
    say "results written to $dest"
  fi
}
