/* Logging: GLib structured logging with one domain per plugin
 * ("omnicc-<plugin>"), to the journal when run by systemd, else stderr. */
#pragma once

#include <glib.h>

/* Installs the writer; messages below @level are dropped. */
void occ_log_init (GLogLevelFlags level);
void occ_log_set_level (GLogLevelFlags level);

/* A level given on the command line wins over the config's, also after a
 * reload; 0 for none. */
void occ_log_set_override (GLogLevelFlags level);
GLogLevelFlags occ_log_get_override (void);

/* "error" … "debug" to a level; FALSE for anything else. */
gboolean occ_log_parse_level (const char *name, GLogLevelFlags *level);
