// Library entry: the magic block, the settings, shared memory and the launcher's registration.
#include "extension/bridge.h"
#include "extension/guc.h"
#include "bgworker/shmem.h"
#include "bgworker/launcher.h"
extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

MYSQL_SYNC_VOID_ENTRY(_PG_init, (void), ()) {
  // Its settings, shared memory and launcher exist only when the server starts with it.
  if (!process_shared_preload_libraries_in_progress)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("mysql_sync must be loaded by shared_preload_libraries"),
                    errhint("Add mysql_sync to shared_preload_libraries in postgresql.conf and restart PostgreSQL.")));
  mysql_sync_define_gucs();
  mysql_sync_install_shmem_hooks();
  register_launcher();
}
