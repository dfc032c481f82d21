#!/usr/bin/env python3
"""Turn `mariadb-binlog --base64-output=decode-rows -vv` output into a psql script that applies
the same row changes through plain prepared statements (the reference for bench/run apply).

  mariadb-binlog --no-defaults --base64-output=decode-rows -vv --start-position=P0 \
      --stop-position=P1 binlog.000002 |
    bench/binlog2pgsql.py --table sbtest.sbtest1=id,k,c,pad:id ... --schema-map sbtest=refapply \
      --batch-rows 10000 > apply.sql

Each --table gives a source table, its columns in source order (binlog @1, @2, ...) and its
primary-key columns after the colon. The statements have the same shape as the ones mysql_sync
prepares (INSERT all columns; UPDATE SET all columns WHERE pk = before-image; DELETE WHERE pk).
The statements of one source transaction are sent as one multi-statement query (psql's `\\;`),
so the client pays one round trip per source transaction, not per row. Source transactions are
grouped into PostgreSQL transactions of at least --batch-rows row changes, committed at a source
transaction boundary (like mysql_sync.apply_batch_rows). The script times itself with
clock_timestamp() and prints `reference_apply_seconds|<s>` at the end.

Values: integers, decimals, NULL and single-quoted strings as mariadb-binlog prints them
(`\\xNN` escapes are honoured). That covers the sysbench tables; it is not a general converter.
Counts go to stderr as `rows=N transactions=N inserts=N updates=N deletes=N`.
"""
import argparse
import re
import sys

ROW_START = re.compile(r"^### (INSERT INTO|UPDATE|DELETE FROM) `([^`]*)`\.`([^`]*)`")
VALUE = re.compile(r"^###   @(\d+)=(.*)$")


def qi(name):
    return '"' + name.replace('"', '""') + '"'


def parse_value(text):
    """Value text after '@N=' up to the type comment -> SQL literal."""
    if text.startswith("'"):
        end = text.rfind("' /*")
        if end < 0:
            end = text.rfind("'")
        body = text[1:end]
        if "\\" in body:
            body = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: "\\x" + m.group(1), body)
            return "E'" + body.replace("'", "''") + "'"
        return "'" + body.replace("'", "''") + "'"
    cut = text.find(" /*")
    raw = (text if cut < 0 else text[:cut]).strip()
    if raw == "NULL":
        return "NULL"
    # Signed integer columns print an unsigned reading in parentheses: -1 (4294967295).
    raw = raw.split(" (")[0]
    return raw


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", action="append", required=True, help="db.table=c1,c2,...:pk1,pk2")
    ap.add_argument("--schema-map", action="append", default=[], help="source_db=target_schema")
    ap.add_argument("--batch-rows", type=int, default=10000)
    args = ap.parse_args()

    schema_map = dict(m.split("=", 1) for m in args.schema_map)
    tables = {}
    for spec in args.table:
        name, rest = spec.split("=", 1)
        cols, pk = rest.split(":", 1)
        db, tbl = name.split(".", 1)
        tables[(db, tbl)] = {"cols": cols.split(","), "pk": pk.split(","), "id": len(tables), "prepared": False}

    out = sys.stdout
    w = out.write
    w("\\set ON_ERROR_STOP 1\n\\set QUIET 1\nSET synchronous_commit = off;\n")
    w("SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset\n")

    counts = {"rows": 0, "transactions": 0, "INSERT INTO": 0, "UPDATE": 0, "DELETE FROM": 0}
    stmts = []          # statements of the current source transaction
    in_batch = False
    batch_rows = 0

    def prepare(t, db, tbl):
        target = qi(schema_map.get(db, db)) + "." + qi(tbl)
        cols = t["cols"]
        n = len(cols)
        pkpos = [cols.index(p) for p in t["pk"]]
        t["pkpos"] = pkpos
        i = t["id"]
        w("PREPARE i%d AS INSERT INTO %s (%s) VALUES (%s);\n" % (
            i, target, ", ".join(qi(c) for c in cols), ", ".join("$%d" % (k + 1) for k in range(n))))
        w("PREPARE u%d AS UPDATE %s SET %s WHERE %s;\n" % (
            i, target, ", ".join("%s = $%d" % (qi(c), k + 1) for k, c in enumerate(cols)),
            " AND ".join("%s = $%d" % (qi(cols[p]), n + k + 1) for k, p in enumerate(pkpos))))
        w("PREPARE d%d AS DELETE FROM %s WHERE %s;\n" % (
            i, target, " AND ".join("%s = $%d" % (qi(cols[p]), k + 1) for k, p in enumerate(pkpos))))
        t["prepared"] = True

    def flush_row(op, t, before, after):
        n = len(t["cols"])
        if op == "INSERT INTO":
            stmts.append("EXECUTE i%d(%s)" % (t["id"], ", ".join(after[:n])))
        elif op == "UPDATE":
            stmts.append("EXECUTE u%d(%s)" % (t["id"], ", ".join(after[:n] + [before[p] for p in t["pkpos"]])))
        else:
            stmts.append("EXECUTE d%d(%s)" % (t["id"], ", ".join(before[p] for p in t["pkpos"])))
        counts[op] += 1
        counts["rows"] += 1

    def end_transaction():
        nonlocal in_batch, batch_rows
        if not stmts:
            return
        if not in_batch:
            w("BEGIN;\n")
            in_batch = True
        w(" \\; ".join(stmts) + ";\n")
        batch_rows += len(stmts)
        counts["transactions"] += 1
        stmts.clear()
        if batch_rows >= args.batch_rows:
            w("COMMIT;\n")
            in_batch = False
            batch_rows = 0

    op = None
    cur = None
    image = None     # list being filled
    before = after = None
    section = None

    def finish_row():
        nonlocal op, cur, before, after
        if op is not None and cur is not None:
            flush_row(op, cur, before, after)
        op = cur = None

    for line in sys.stdin:
        if line.startswith("###"):
            m = ROW_START.match(line)
            if m:
                finish_row()
                op, db, tbl = m.group(1), m.group(2), m.group(3)
                cur = tables.get((db, tbl))
                if cur is None:
                    op = None
                    continue
                if not cur["prepared"]:
                    prepare(cur, db, tbl)
                n = len(cur["cols"])
                before = [None] * n
                after = [None] * n
                # INSERT: SET = after; DELETE: WHERE = before; UPDATE: WHERE then SET.
                image = after if op == "INSERT INTO" else before
                continue
            if cur is None:
                continue
            s = line.rstrip("\n")
            if s == "### WHERE":
                image = before
                continue
            if s == "### SET":
                image = after
                continue
            m = VALUE.match(s)
            if m:
                image[int(m.group(1)) - 1] = parse_value(m.group(2))
            continue
        finish_row()
        if line.startswith("COMMIT"):
            end_transaction()
    finish_row()
    end_transaction()
    if in_batch:
        w("COMMIT;\n")
    w("SELECT 'reference_apply_seconds|' || round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3);\n")
    sys.stderr.write("rows=%d transactions=%d inserts=%d updates=%d deletes=%d\n" % (
        counts["rows"], counts["transactions"], counts["INSERT INTO"], counts["UPDATE"], counts["DELETE FROM"]))


if __name__ == "__main__":
    main()
