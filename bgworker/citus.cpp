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
    if (dist_column) strlcpy(dist_column, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2), NAMEDATALEN);
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
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("mysql_sync task \"%s\": target table %s is an append or range distributed Citus table",
                           worker_task.name, qualified_relation_name(relid)),
                    errhint("Distribute it by hash (create_distributed_table) or make it a reference table.")));
  return kind != CitusKind::none;
}

void exec_on_target(const char* qualified, const char* sql) {
  RangeVar* rv = makeRangeVarFromNameList(stringToQualifiedNameList(qualified));
  Oid relid = RangeVarGetRelid(rv, NoLock, true);
  bool citus = OidIsValid(relid) && is_citus_table(relid);
  // For this statement only: the transaction's end restores the worker's replica role.
  if (citus)
    (void)set_config_option("session_replication_role", "origin", PGC_SUSET, PGC_S_OVERRIDE, GUC_ACTION_LOCAL,
                            true, 0, false);
  spi_exec_text(sql, 0, nullptr);
  if (citus)
    (void)set_config_option("session_replication_role", "replica", PGC_SUSET, PGC_S_OVERRIDE, GUC_ACTION_LOCAL,
                            true, 0, false);
}
