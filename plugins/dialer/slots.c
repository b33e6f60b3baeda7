/* dialer: an appointment campaign's visit slots (see slots.h). */
#include "slots.h"

#include "engine.h"

#include <string.h>

#define DAY_US (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)
#define MINUTE_US (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)

const char *const dialer_slot_keys[]
    = { "slots", "slot-days", "slot-length", "slot-capacity", "slot-horizon", NULL };

typedef struct {
  GKeyFile *file;
  const char *where, *group;
  GError **error;
} Reader;

static gboolean
bad (Reader *r, const char *key, const char *why)
{
  return dialer_settings_bad (r->error, r->where, r->group, key, why);
}

static gboolean
read_uint (Reader *r, const char *key, guint fallback, guint min, guint max, guint *out)
{
  g_autofree char *v = g_key_file_get_value (r->file, r->group, key, NULL);
  guint64 n;
  if (v == NULL)
    *out = fallback;
  else if (g_ascii_string_to_unsigned (g_strstrip (v), 10, min, max, &n, NULL))
    *out = (guint) n;
  else
    {
      g_autofree char *why = g_strdup_printf ("a whole number from %u to %u", min, max);
      return bad (r, key, why);
    }
  return TRUE;
}

static gboolean
read_spans (Reader *r, DialerSlots *s)
{
  g_auto (GStrv) items = g_key_file_get_string_list (r->file, r->group, "slots", NULL, NULL);
  if (items == NULL || items[0] == NULL)
    return bad (r, "slots",
                "an appointment campaign needs its visit hours (09:00-12:00;14:00-17:00)");
  for (guint i = 0; items[i]; i++)
    {
      if (s->n_spans == DIALER_SLOTS_MAX_SPANS)
        return bad (r, "slots", "at most 8 spans a day");
      char *item = g_strstrip (items[i]);
      char *dash = strchr (item, '-');
      guint from, to;
      if (dash)
        *dash = '\0';
      if (dash == NULL || !dialer_parse_clock (g_strstrip (item), &from)
          || !dialer_parse_clock (g_strstrip (dash + 1), &to))
        return bad (r, "slots", "spans are HH:MM-HH:MM, separated by ;");
      if (to < from + s->length_min)
        return bad (r, "slots", "a span shorter than one slot (slot-length)");
      for (guint k = 0; k < s->n_spans; k++)
        if (from < s->spans[k][1] && s->spans[k][0] < to)
          return bad (r, "slots", "spans overlap");
      s->spans[s->n_spans][0] = from;
      s->spans[s->n_spans][1] = to;
      s->n_spans++;
    }
  return TRUE;
}

gboolean
dialer_slots_read (GKeyFile *file, const char *where, const char *group, GTimeZone *tz,
                   DialerSlots *out, GError **error)
{
  memset (out, 0, sizeof *out);
  Reader r = { file, where, group, error };
  if (!read_uint (&r, "slot-length", 30, 5, 480, &out->length_min)
      || !read_uint (&r, "slot-capacity", 1, 1, 1000, &out->capacity)
      || !read_uint (&r, "slot-horizon", 14, 1, 366, &out->horizon_days) || !read_spans (&r, out))
    return FALSE;
  g_auto (GStrv) days = g_key_file_get_string_list (file, group, "slot-days", NULL, NULL);
  if (days == NULL)
    days = g_strsplit ("mon-fri", ";", -1);
  if (!dialer_parse_days (days, &out->days))
    return bad (&r, "slot-days", "items are mon … sun or ranges (mon-fri)");
  if (out->days == 0)
    return bad (&r, "slot-days", "is empty: no visit could be booked");
  out->tz = g_time_zone_ref (tz);
  return TRUE;
}

void
dialer_slots_clear (DialerSlots *s)
{
  g_clear_pointer (&s->tz, g_time_zone_unref);
}

/* The minute of the local day at which a slot of @s starts at @minute,
 * or FALSE. */
static gboolean
on_grid (const DialerSlots *s, guint minute)
{
  for (guint k = 0; k < s->n_spans; k++)
    if (minute >= s->spans[k][0] && minute + s->length_min <= s->spans[k][1]
        && (minute - s->spans[k][0]) % s->length_min == 0)
      return TRUE;
  return FALSE;
}

gboolean
dialer_slots_check (const DialerSlots *s, gint64 at, gint64 now, GError **error)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (at / G_USEC_PER_SEC);
  g_autoptr (GDateTime) d = utc ? g_date_time_to_timezone (utc, s->tz) : NULL;
  const char *why = NULL;
  if (d == NULL)
    why = "is not a time";
  else if (at <= now)
    why = "is past";
  else if (at > now + (gint64) s->horizon_days * DAY_US)
    why = "is beyond the campaign's slot-horizon";
  else if (at % MINUTE_US != 0 || !(s->days & (1u << (g_date_time_get_day_of_week (d) - 1)))
           || !on_grid (s, (guint) (g_date_time_get_hour (d) * 60 + g_date_time_get_minute (d))))
    why = "is not the start of one of the campaign's slots";
  if (why == NULL)
    return TRUE;
  g_autofree char *when = d ? g_date_time_format_iso8601 (d) : g_strdup ("?");
  g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID, "slot %s %s", when, why);
  return FALSE;
}

GArray *
dialer_slots_list (const DialerSlots *s, gint64 from, guint days, gint64 now, guint max)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 start = MAX (from, now);
  gint64 end = MIN (start + (gint64) days * DAY_US, now + (gint64) s->horizon_days * DAY_US);
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (start / G_USEC_PER_SEC);
  g_autoptr (GDateTime) first = utc ? g_date_time_to_timezone (utc, s->tz) : NULL;
  /* one local day more than asked: a zone ahead of UTC starts earlier */
  for (guint i = 0; first && i <= days + 1 && out->len < max; i++)
    {
      g_autoptr (GDateTime) day = g_date_time_add_days (first, (int) i);
      if (day == NULL || !(s->days & (1u << (g_date_time_get_day_of_week (day) - 1))))
        continue;
      for (guint k = 0; k < s->n_spans; k++)
        for (guint m = s->spans[k][0]; m + s->length_min <= s->spans[k][1] && out->len < max;
             m += s->length_min)
          {
            g_autoptr (GDateTime) at = g_date_time_new (
                s->tz, g_date_time_get_year (day), g_date_time_get_month (day),
                g_date_time_get_day_of_month (day), (int) (m / 60), (int) (m % 60), 0);
            /* a local time a DST change skips does not exist: no visit then */
            gboolean exists = at && g_date_time_get_hour (at) == (int) (m / 60)
                              && g_date_time_get_minute (at) == (int) (m % 60);
            gint64 t = exists ? g_date_time_to_unix (at) * G_USEC_PER_SEC : -1;
            if (t > now && t >= start && t < end)
              g_array_append_val (out, t);
          }
    }
  return out;
}
