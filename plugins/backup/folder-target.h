/* The backup-folder target: archives in a folder (a mounted remote
 * filesystem, a second disk). Partial uploads are ".NAME.partial" files in
 * the folder; a finished one is synced, renamed and the folder synced. A
 * folder that is missing (an unmounted share) is DOWN. */
#pragma once

#include "target.h"

G_BEGIN_DECLS

/* A target named @name over the folder @dir (transfer full). */
BkTarget *bk_folder_target_new (const char *name, guint retention_days, const char *dir);

G_END_DECLS
