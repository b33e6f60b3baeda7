/* Fuzz targets: any critical, and any warning from omnicc's own log
 * domains, is a bug the input found and must crash the run. GLib's own
 * warnings about malformed key files are not ours. (With structured
 * logging GLib ignores per-domain fatal masks, hence a writer.) Include
 * this once in each fuzz target. */
#pragma once

#include <glib.h>
#include <stdlib.h>
#include <string.h>

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  (void) data;
  const char *domain = "";
  for (gsize i = 0; i < n; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].value)
      domain = fields[i].value;
  GLogWriterOutput out = g_log_writer_default (level, fields, n, NULL);
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
      || ((level & G_LOG_LEVEL_WARNING) && g_str_has_prefix (domain, "omnicc")))
    abort ();
  return out;
}

/* libFuzzer calls this once before the first input (replay.c too). */
int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  return 0;
}
