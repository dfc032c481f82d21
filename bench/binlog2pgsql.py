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
    """Value text after '@N=' up to the type comment -> raw string, or None for NULL."""
    if text.startswith("'"):
        end = text.rfind("' /*")
        if end < 0:
            end = text.rfind("'")
        body = text[1:end]
        if "\\x" in body:
            body = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), body)
        return body
    cut = text.find(" /*")
    raw = (text if cut < 0 else text[:cut]).strip()
    if raw == "NULL":
        return None
    # Signed integer columns print an unsigned reading in parentheses: -1 (4294967295).
    return raw.split(" (")[0]


def sql_literal(v):
    if v is None:
        return "NULL"
    if "\\" in v or any(ord(ch) < 32 for ch in v):
        return "E'" + "".join("\\x%02x" % ord(ch) if ord(ch) < 32 else ("\\\\" if ch == "\\" else ch)
                              for ch in v).replace("'", "''") + "'"
    return "'" + v.replace("'", "''") + "'"


def array_literal(vals):
    """text[] literal in COPY text format."""
    out = []
    for v in vals:
        if v is None:
            out.append("NULL")
        else:
            out.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
    lit = "{" + ",".join(out) + "}"
    return lit.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", action="append", required=True, help="db.table=c1,c2,...:pk1,pk2")
    ap.add_argument("--types", action="append", default=[], help="db.table=type1|type2|... (for --procedure-out)")
    ap.add_argument("--schema-map", action="append", default=[], help="source_db=target_schema")
    ap.add_argument("--batch-rows", type=int, default=10000)
    ap.add_argument("--stage-out", help="also write the changes as COPY text: seq, batch, tbl, op, values text[]")
    ap.add_argument("--procedure-out", help="also write a PL/pgSQL procedure replaying the staged changes")
    ap.add_argument("--procedure-schema", help="target schema of the procedure's statements (default: as --schema-map)")
    args = ap.parse_args()

    schema_map = dict(m.split("=", 1) for m in args.schema_map)
    types = dict(t.split("=", 1) for t in args.types)
    tables = {}
    for spec in args.table:
        name, rest = spec.split("=", 1)
        cols, pk = rest.split(":", 1)
        db, tbl = name.split(".", 1)
        cols = cols.split(",")
        t = {"cols": cols, "pk": pk.split(","), "id": len(tables), "prepared": False, "db": db, "tbl": tbl,
             "target": qi(schema_map.get(db, db)) + "." + qi(tbl)}
        t["pkpos"] = [cols.index(p) for p in t["pk"]]
        t["types"] = types[name].split("|") if name in types else None
        tables[(db, tbl)] = t

    out = sys.stdout
    w = out.write
    stage = open(args.stage_out, "w") if args.stage_out else None
    w("\\set ON_ERROR_STOP 1\n\\set QUIET 1\nSET synchronous_commit = off;\n")
    w("SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset\n")

    counts = {"rows": 0, "transactions": 0, "INSERT INTO": 0, "UPDATE": 0, "DELETE FROM": 0}
    stmts = []          # statements of the current source transaction
    staged = []         # staged rows of the current source transaction
    in_batch = False
    batch_rows = 0
    batch_no = 1

    def prepare(t):
        cols = t["cols"]
        n = len(cols)
        i = t["id"]
        w("PREPARE i%d AS INSERT INTO %s (%s) VALUES (%s);\n" % (
            i, t["target"], ", ".join(qi(c) for c in cols), ", ".join("$%d" % (k + 1) for k in range(n))))
        w("PREPARE u%d AS UPDATE %s SET %s WHERE %s;\n" % (
            i, t["target"], ", ".join("%s = $%d" % (qi(c), k + 1) for k, c in enumerate(cols)),
            " AND ".join("%s = $%d" % (qi(cols[p]), n + k + 1) for k, p in enumerate(t["pkpos"]))))
        w("PREPARE d%d AS DELETE FROM %s WHERE %s;\n" % (
            i, t["target"], " AND ".join("%s = $%d" % (qi(cols[p]), k + 1) for k, p in enumerate(t["pkpos"]))))
        t["prepared"] = True

    def flush_row(op, t, before, after):
        n = len(t["cols"])
        if op == "INSERT INTO":
            vals, code = after[:n], "i"
        elif op == "UPDATE":
            vals, code = after[:n] + [before[p] for p in t["pkpos"]], "u"
        else:
            vals, code = [before[p] for p in t["pkpos"]], "d"
        stmts.append("EXECUTE %s%d(%s)" % (code, t["id"], ", ".join(sql_literal(v) for v in vals)))
        if stage:
            staged.append("%d\t%s\t%s" % (t["id"], code, array_literal(vals)))
        counts[op] += 1
        counts["rows"] += 1

    def end_transaction():
        nonlocal in_batch, batch_rows, batch_no
        if not stmts:
            return
        if not in_batch:
            w("BEGIN;\n")
            in_batch = True
        w(" \\; ".join(stmts) + ";\n")
        if stage:
            base = counts["rows"] - len(staged)
            for k, row in enumerate(staged):
                stage.write("%d\t%d\t%s\n" % (base + k + 1, batch_no, row))
            staged.clear()
        batch_rows += len(stmts)
        counts["transactions"] += 1
        stmts.clear()
        if batch_rows >= args.batch_rows:
            w("COMMIT;\n")
            in_batch = False
            batch_rows = 0
            batch_no += 1

    op = None
    cur = None
    image = None     # list being filled
    before = after = None

    def finish_row():
        nonlocal op, cur
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
                    prepare(cur)
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
    if stage:
        stage.close()
    if args.procedure_out:
        write_procedure(args.procedure_out, tables, args.procedure_schema)
    sys.stderr.write("rows=%d transactions=%d inserts=%d updates=%d deletes=%d batches=%d\n" % (
        counts["rows"], counts["transactions"], counts["INSERT INTO"], counts["UPDATE"], counts["DELETE FROM"],
        batch_no - (0 if in_batch else 1)))


def write_procedure(path, tables, schema=None):
    """CREATE PROCEDURE replay_stage(): loops over the staged changes batch by batch in static
    PL/pgSQL statements (SPI prepared plans, like the worker's), converting each text value with
    the column type's input function (like the worker), committing after each batch."""
    cases = []
    for t in sorted(tables.values(), key=lambda t: t["id"]):
        if t["types"] is None:
            raise SystemExit("--procedure-out needs --types for %s.%s" % (t["db"], t["tbl"]))
        cols, ty, n = t["cols"], t["types"], len(t["cols"])
        v = lambda k, c: "r.v[%d]::%s" % (k + 1, ty[c])
        i = t["id"]
        target = qi(schema) + "." + qi(t["tbl"]) if schema else t["target"]
        cases.append("      WHEN r.tbl = %d AND r.op = 'i' THEN\n        INSERT INTO %s (%s) VALUES (%s);" % (
            i, target, ", ".join(qi(c) for c in cols), ", ".join(v(k, k) for k in range(n))))
        cases.append("      WHEN r.tbl = %d AND r.op = 'u' THEN\n        UPDATE %s SET %s WHERE %s;\n"
                     "        IF NOT FOUND THEN RAISE EXCEPTION 'update: row missing'; END IF;" % (
            i, target, ", ".join("%s = %s" % (qi(c), v(k, k)) for k, c in enumerate(cols)),
            " AND ".join("%s = %s" % (qi(cols[p]), v(n + k, p)) for k, p in enumerate(t["pkpos"]))))
        cases.append("      WHEN r.tbl = %d AND r.op = 'd' THEN\n        DELETE FROM %s WHERE %s;\n"
                     "        IF NOT FOUND THEN RAISE EXCEPTION 'delete: row missing'; END IF;" % (
            i, target, " AND ".join("%s = %s" % (qi(cols[p]), v(k, p)) for k, p in enumerate(t["pkpos"]))))
    with open(path, "w") as f:
        f.write("""CREATE PROCEDURE replay_stage(batches int) LANGUAGE plpgsql AS $proc$
DECLARE
  r record;
BEGIN
  FOR b IN 1..batches LOOP
    FOR r IN SELECT s.tbl, s.op, s.v FROM replay_changes s WHERE s.batch = b ORDER BY s.seq LOOP
      CASE
%s
      END CASE;
    END LOOP;
    COMMIT;
  END LOOP;
END
$proc$;
""" % "\n".join(cases))


if __name__ == "__main__":
    main()
