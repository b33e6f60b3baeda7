/* dialer: the visit slots of an appointment campaign — the agent books
 * the subscriber into one and it is stored on the contact. Which slots
 * exist (daily spans on some days, cut in slots of one length, in the
 * campaign's time zone), how many visits each takes, how far ahead;
 * pure, time-injected (times in µs since the epoch). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DIALER_SLOTS_MAX_SPANS 8

typedef struct {
  guint n_spans;
  guint spans[DIALER_SLOTS_MAX_SPANS][2]; /* minutes after local midnight, [from, to) */
  guint8 days;                            /* bit 0 = Monday */
  guint length_min;
  guint capacity;     /* visits per slot */
  guint horizon_days; /* bookable up to this many days ahead */
  GTimeZone *tz;
} DialerSlots;

/* The slot keys of @group (slots=HH:MM-HH:MM;…, slot-days, slot-length
 * in minutes, slot-capacity, slot-horizon in days) in @tz. Errors name
 * @where, the group and the key. */
gboolean dialer_slots_read (GKeyFile *file, const char *where, const char *group, GTimeZone *tz,
                            DialerSlots *out, GError **error);
void dialer_slots_clear (DialerSlots *s);
/* The keys dialer_slots_read() reads (NULL-terminated). */
extern const char *const dialer_slot_keys[];

/* Whether @at starts a slot that can be booked at @now: on the grid, in
 * the future, within the horizon; the error says why not. */
gboolean dialer_slots_check (const DialerSlots *s, gint64 at, gint64 now, GError **error);
/* The slots starting from @from (rounded up to the next slot) for @days
 * days and within the horizon from @now, at most @max (gint64 µs). */
GArray *dialer_slots_list (const DialerSlots *s, gint64 from, guint days, gint64 now, guint max);

/* settings.c's readers, shared: "HH:MM" → minutes; "mon-fri;sun" → bits;
 * a setting refused (always FALSE): "@path: [@group] @key: @why". */
gboolean dialer_settings_bad (GError **error, const char *path, const char *group, const char *key,
                              const char *why);
gboolean dialer_parse_clock (const char *text, guint *out);
gboolean dialer_parse_days (char **items, guint8 *out);

G_END_DECLS
