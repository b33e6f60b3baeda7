/* Shared by the backup target tests: a site whose core loads one real
 * target plugin (backup-folder.so, backup-sftp.so) from the build tree
 * with a given config, and calls on its services waited for on the main
 * loop. */
#pragma once

#include "context.h"

#include <omnicc/backup.h>

typedef struct {
  char *dir;
  OccContext *ctx;
} BkTestSite;

/* Loads @plugin with @plugin_conf as its plugins.d file; the backup policy
 * is the shipped one. Fails the test if the plugin does not load. */
BkTestSite *bk_test_site_new (const char *plugin, const char *plugin_conf);
/* Loads @plugin and returns the loader's error (transfer full), or NULL. */
GError *bk_test_site_load_error (const char *plugin, const char *plugin_conf);
void bk_test_site_free (BkTestSite *site);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BkTestSite, bk_test_site_free)

/* The service backup.target/@name (transfer none). */
const OccBackupTargetService *bk_test_site_target (BkTestSite *site, const char *name);

/* One call's outcome. @on_progress (may be NULL) runs in the worker
 * thread at each progress report. */
typedef struct {
  gboolean done;
  GVariant *result;
  GError *error;
  guint64 first_done; /* the first progress report, G_MAXUINT64 if none */
  guint64 last_done;
  void (*on_progress) (guint64 done, guint64 total, gpointer data);
  gpointer on_progress_data;
} BkTestCall;

void bk_test_call_init (BkTestCall *call);
void bk_test_call_clear (BkTestCall *call);
void bk_test_call_done (GVariant *result, const GError *error, gpointer data);
void bk_test_call_progress (guint64 done, guint64 total, gpointer data);
/* Runs the main loop until @call is done (fails the test after 60 s). */
void bk_test_call_wait (BkTestCall *call);

/* Puts @path as @name and waits; returns the error (transfer full) or NULL. */
GError *bk_test_put (const OccBackupTargetService *t, const char *path, const char *name,
                     BkTestCall *call);
/* Lists @t; returns the names, comma-separated (transfer full). */
char *bk_test_list_names (const OccBackupTargetService *t);

/* A file of @size pseudo-random bytes in @dir (transfer full: its path). */
char *bk_test_make_file (const char *dir, const char *name, gsize size, guint32 seed);

/* Fails the test unless files @a and @b hold the same bytes. */
void bk_test_assert_same_file (const char *a, const char *b);

/* Puts, lists, gets back byte-identical, replaces, deletes: the whole
 * service on @t, with scratch files in @scratch. */
void bk_test_round_trip (const OccBackupTargetService *t, const char *scratch);
