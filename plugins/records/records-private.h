/* records: the plugin's state, shared by the service (records.c) and the
 * control commands (commands.c). */
#pragma once

#include "sql.h"
#include "store-errors.h"

G_BEGIN_DECLS

typedef struct _Records Records;

struct _Records {
  OccRecordsService service; /* first: the methods get it as their self */
  gint ref;                  /* the plugin's, and one per operation in flight */
  OccPlugin *plugin;         /* NULL once unloaded */
  const OccStoreService *store;
  GCancellable *cancel; /* cancelled on unload */
  GHashTable *pending;  /* RecOp *: operations whose callback is still due */
};

/* Runs @batch (transfer full) on the store and answers @callback (once,
 * on the main loop) with what @kind reads back from its last results, or
 * with the store's error mapped for @entity and @record (transfer full,
 * nullable). */
void rec_run (Records *self, RecOpKind kind, const RecEntity *entity, RecRecord *record,
              RecBatch *batch, OccStoreFlags flags, OccRecordsCallback callback,
              gpointer user_data);

/* Reads the integer argument @name of a control command (@fallback when
 * absent); FALSE with a bad-request error naming it when it is not an
 * integer in @min..@max. */
gboolean rec_arg_int (GVariant *args, const char *name, gint64 fallback, gint64 min, gint64 max,
                      gint64 *out, GError **error);

/* Registers the records.* control commands. */
gboolean rec_commands_register (Records *self, GError **error);

G_END_DECLS
