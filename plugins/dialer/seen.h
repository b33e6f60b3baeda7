/* The numbers an import has taken so far, each with the line that first
 * had it: the one piece of an import's state that grows with the file.
 * An E.164 number packs into 64 bits (no leading zero), so a slot is 12
 * bytes in an open-addressing table kept at most 3/4 full: about 24 bytes
 * a number on average, 32 at worst — 1,000,000 rows with 2 numbers each
 * take under 64 MiB. Not thread-safe. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DialerSeen DialerSeen;

DialerSeen *dialer_seen_new (void);
void dialer_seen_free (DialerSeen *seen);

/* The line that first had @e164 ("+" and digits), or 0 if none has. */
guint64 dialer_seen_lookup (const DialerSeen *seen, const char *e164);

/* Records @e164 as first seen at @line (1 or more) unless already there. */
void dialer_seen_add (DialerSeen *seen, const char *e164, guint64 line);

/* Bytes the table holds. */
gsize dialer_seen_get_size (const DialerSeen *seen);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DialerSeen, dialer_seen_free)

G_END_DECLS
