// Library entry: the magic block, the settings, shared memory and the launcher's registration.
#include "extension/guc.h"
#include "bgworker/shmem.h"
#include "bgworker/launcher.h"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

void _PG_init(void) {
  mysql_sync_define_gucs();
  if (!process_shared_preload_libraries_in_progress) return;  // loaded by a backend: functions only
  mysql_sync_install_shmem_hooks();
  register_launcher();
}
