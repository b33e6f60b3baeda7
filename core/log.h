/* Logging: GLib structured logging with one domain per plugin
 * ("omnicc-<plugin>"), to the journal when run by systemd, else stderr. */
#pragma once

#include <glib.h>

/* Installs the writer; messages below @level are dropped. */
void occ_log_init (GLogLevelFlags level);
void occ_log_set_level (GLogLevelFlags level);
