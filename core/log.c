/* The log writer: a level filter in front of GLib's default writer (which
 * talks to journald when stderr is the journal). */
#include "log.h"

static GLogLevelFlags threshold = G_LOG_LEVEL_INFO;
static GLogLevelFlags override;

static int
rank (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return 0;
  if (level & G_LOG_LEVEL_CRITICAL)
    return 1;
  if (level & G_LOG_LEVEL_WARNING)
    return 2;
  if (level & G_LOG_LEVEL_MESSAGE)
    return 3;
  if (level & G_LOG_LEVEL_INFO)
    return 4;
  return 5;
}

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  (void) data;
  if (rank (level) > rank (threshold))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, NULL);
}

void
occ_log_set_level (GLogLevelFlags level)
{
  threshold = level;
  /* g_log_writer_default drops info and debug unless told otherwise */
  g_log_set_debug_enabled (rank (level) >= 4);
}

void
occ_log_init (GLogLevelFlags level)
{
  occ_log_set_level (level);
  /* all levels to stderr (GLib sends info and debug to stdout otherwise) */
  g_log_writer_default_set_use_stderr (TRUE);
  g_log_set_writer_func (writer, NULL, NULL);
}

void
occ_log_set_override (GLogLevelFlags level)
{
  override = level;
}

GLogLevelFlags
occ_log_get_override (void)
{
  return override;
}

gboolean
occ_log_parse_level (const char *name, GLogLevelFlags *level)
{
  static const struct {
    const char *name;
    GLogLevelFlags level;
  } levels[] = {
    { "error", G_LOG_LEVEL_ERROR },     { "critical", G_LOG_LEVEL_CRITICAL },
    { "warning", G_LOG_LEVEL_WARNING }, { "message", G_LOG_LEVEL_MESSAGE },
    { "info", G_LOG_LEVEL_INFO },       { "debug", G_LOG_LEVEL_DEBUG },
  };
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_ascii_strcasecmp (name, levels[i].name) == 0)
      {
        *level = levels[i].level;
        return TRUE;
      }
  return FALSE;
}
