#include "bgworker/citus.h"

#include "bgworker/catalog.h"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
}

bool citus_installed(void) {
  return OidIsValid(get_extension_oid("citus", true));
}

bool citus_has_other_nodes(void) {
  int ret = SPI_execute(
      "SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_node n WHERE n.isactive AND n.noderole = 'primary' "
      "                  AND n.groupid <> (SELECT groupid FROM pg_catalog.pg_dist_local_group))",
      true, 1);
  if (ret != SPI_OK_SELECT) elog(ERROR, "%s: cannot read pg_dist_node (%d)", worker_task.label, ret);
  bool isnull;
  return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

CitusKind citus_table_kind(Oid relid, char* dist_column) {
  if (dist_column) dist_column[0] = '\0';
  if (!citus_installed()) return CitusKind::none;
  Oid types[1] = {OIDOID};
  Datum values[1] = {ObjectIdGetDatum(relid)};
  int ret = SPI_execute_with_args(
      "SELECT p.partmethod::text, CASE WHEN p.partmethod = 'h' "
      "       THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END "
      "  FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1",
      1, types, values, nullptr, false, 1);
  if (ret != SPI_OK_SELECT) elog(ERROR, "%s: cannot read pg_dist_partition (%d)", worker_task.label, ret);
  if (SPI_processed == 0) return CitusKind::none;
  char* method = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  if (strcmp(method, "h") == 0) {
    if (dist_column)
      strlcpy(dist_column, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2), NAMEDATALEN);
    return CitusKind::distributed;
  }
  return strcmp(method, "n") == 0 ? CitusKind::single_shard : CitusKind::other;
}

char* qualified_relation_name(Oid relid) {
  return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

bool is_citus_table(Oid relid) {
  CitusKind kind = citus_table_kind(relid, nullptr);
  if (kind == CitusKind::other)
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("mysql_sync task \"%s\": target table %s is an append or range distributed Citus table",
                    worker_task.name, qualified_relation_name(relid)),
             errhint("Distribute it by hash (create_distributed_table) or make it a reference table.")));
  return kind != CitusKind::none;
}

namespace {

// session_replication_role for the rest of the transaction; its end restores the worker's.
void set_replication_role(const char* role) {
  (void)set_config_option("session_replication_role", role, PGC_SUSET, PGC_S_OVERRIDE, GUC_ACTION_LOCAL, true,
                          0, false);
}

Oid relation_of(const char* qualified) {
  RangeVar* rv = makeRangeVarFromNameList(stringToQualifiedNameList(qualified));
  return RangeVarGetRelid(rv, NoLock, true);
}

}  // namespace

void exec_on_target(const char* qualified, const char* sql, int nargs, const char* const* args) {
  Oid relid = relation_of(qualified);
  bool citus = OidIsValid(relid) && is_citus_table(relid);
  if (citus) set_replication_role("origin");
  spi_exec_text(sql, nargs, args);
  if (citus) set_replication_role("replica");
}

void distribute_like(const char* qualified, const char* model) {
  Oid relid = relation_of(model);
  if (!OidIsValid(relid) || !is_citus_table(relid)) return;
  // The statement for the model's kind: hash-distributed, reference, single-shard, local.
  const char* args[2] = {qualified, model};
  spi_exec_text(
      "SELECT CASE WHEN p.partmethod = 'h' THEN format('SELECT pg_catalog.create_distributed_table(%L, %L, "
      "colocate_with => %L)', $1, pg_catalog.column_to_column_name(p.logicalrelid, p.partkey), $2) "
      "            WHEN p.repmodel = 't' THEN format('SELECT pg_catalog.create_reference_table(%L)', $1) "
      "            WHEN p.colocationid <> 0 THEN format('SELECT pg_catalog.create_distributed_table(%L, "
      "NULL, "
      "colocate_with => %L)', $1, $2) "
      "            ELSE format('SELECT pg_catalog.citus_add_local_table_to_metadata(%L)', $1) END "
      "  FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $2::regclass",
      2, args);
  char* statement = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  spi_exec_text(statement, 0, nullptr);
}

void analyze_citus_table(const char* qualified) {
  begin_catalog_transaction();
  Oid relid = relation_of(qualified);
  if (OidIsValid(relid) && is_citus_table(relid))
    spi_exec_text(psprintf("ANALYZE %s", qualified), 0, nullptr);
  end_catalog_transaction();
}
