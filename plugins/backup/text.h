/* Helpers shared by the manifest and catalogue parsers. */
#pragma once

#include "backup-core.h"

/* Splits untrusted text into lines after checking it holds no NUL byte
 * and starts with the line @magic; @what names the format in errors.
 * (transfer full) or NULL. */
char **occ_backup_text_lines (const char *data, gsize len, const char *magic, const char *what,
                              GError **error);
/* 64 hex digits into 32 bytes. */
gboolean occ_backup_parse_hex32 (const char *s, guint8 *out);
