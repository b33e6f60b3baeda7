/* dialer: a campaign's settings from a GKeyFile group, checked whole,
 * and the calling window in the campaign's time zone. */
#include "engine.h"
#include "slots.h"

#include <stdio.h>
#include <string.h>

static const char *const outcome_names[] = {
  "answered", "busy", "no-answer", "rejected", "unreachable", "failed", "abandoned", "skipped",
};
G_STATIC_ASSERT (G_N_ELEMENTS (outcome_names) == OCC_DIALER_N_OUTCOMES);

const char *
dialer_outcome_name (OccDialerOutcome o)
{
  return (guint) o < OCC_DIALER_N_OUTCOMES ? outcome_names[o] : "none";
}

gboolean
dialer_settings_bad (GError **error, const char *path, const char *group, const char *key,
                     const char *why)
{
  g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID, "%s: [%s] %s: %s", path, group, key, why);
  return FALSE;
}

/* "90", "90s", "15m", "2h", "3d" → seconds. */
static gboolean
parse_duration (const char *text, gint64 *out)
{
  char *end = NULL;
  guint64 n = g_ascii_strtoull (text, &end, 10);
  if (end == text || n > 100u * 365 * 86400)
    return FALSE;
  guint64 unit = 1;
  if (*end == 'm')
    unit = 60;
  else if (*end == 'h')
    unit = 3600;
  else if (*end == 'd')
    unit = 86400;
  else if (*end != 's' && *end != '\0')
    return FALSE;
  if (*end != '\0' && end[1] != '\0')
    return FALSE;
  *out = (gint64) (n * unit);
  return TRUE;
}

/* "HH:MM" → minutes after midnight (24:00 allowed as the end of day). */
gboolean
dialer_parse_clock (const char *text, guint *out)
{
  guint h, m;
  char tail;
  if (sscanf (text, "%2u:%2u%c", &h, &m, &tail) != 2 || m > 59 || h > 24 || (h == 24 && m))
    return FALSE;
  *out = h * 60 + m;
  return TRUE;
}

static int
day_index (const char *name)
{
  static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  for (int i = 0; i < 7; i++)
    if (g_ascii_strcasecmp (name, days[i]) == 0)
      return i;
  return -1;
}

/* "mon-fri;sun" → bits. */
gboolean
dialer_parse_days (char **items, guint8 *out)
{
  *out = 0;
  for (guint i = 0; items[i]; i++)
    {
      char *item = g_strstrip (items[i]);
      char *dash = strchr (item, '-');
      if (dash)
        *dash = '\0';
      int from = day_index (item), to = dash ? day_index (dash + 1) : from;
      if (from < 0 || to < 0)
        return FALSE;
      for (int d = from;; d = (d + 1) % 7)
        {
          *out |= (guint8) (1u << d);
          if (d == to)
            break;
        }
    }
  return TRUE;
}

typedef struct {
  GKeyFile *file;
  const char *path, *group;
  GError **error;
} Reader;

/* The key's value stripped, or NULL when absent. */
static char *
value (Reader *r, const char *key)
{
  char *v = g_key_file_get_value (r->file, r->group, key, NULL);
  return v ? g_strstrip (v) : NULL;
}

static gboolean
read_duration (Reader *r, const char *key, gint64 fallback, gint64 min, gint64 *out)
{
  g_autofree char *v = value (r, key);
  *out = fallback;
  if (v == NULL)
    return TRUE;
  if (!parse_duration (v, out))
    return dialer_settings_bad (r->error, r->path, r->group, key,
                                "not a duration (90, 90s, 15m, 2h, 3d)");
  if (*out < min)
    {
      g_autofree char *why = g_strdup_printf ("must be at least %" G_GINT64_FORMAT " s", min);
      return dialer_settings_bad (r->error, r->path, r->group, key, why);
    }
  return TRUE;
}

static gboolean
read_number (Reader *r, const char *key, double fallback, double min, double max, double *out)
{
  g_autofree char *v = value (r, key);
  *out = fallback;
  if (v == NULL)
    return TRUE;
  char *end = NULL;
  *out = g_ascii_strtod (v, &end);
  if (*v == '\0' || *end != '\0' || *out < min || *out > max)
    {
      g_autofree char *why = g_strdup_printf ("must be a number from %g to %g", min, max);
      return dialer_settings_bad (r->error, r->path, r->group, key, why);
    }
  return TRUE;
}

/* retry-OUTCOME=DELAY:MAX */
static gboolean
read_retry (Reader *r, OccDialerOutcome o, gint64 delay, guint max, DialerRetry *out)
{
  g_autofree char *key = g_strconcat ("retry-", outcome_names[o], NULL);
  g_autofree char *v = value (r, key);
  out->delay_s = delay;
  out->max = max;
  if (v == NULL)
    return TRUE;
  char *colon = strrchr (v, ':');
  char *end = NULL;
  guint64 n = colon ? g_ascii_strtoull (colon + 1, &end, 10) : 0;
  if (colon)
    *colon = '\0';
  if (colon == NULL || end == colon + 1 || *end != '\0' || n > 100
      || !parse_duration (v, &out->delay_s))
    return dialer_settings_bad (r->error, r->path, r->group, key,
                                "must be DELAY:MAX (2h:3: after 2 h, 3 times)");
  out->max = (guint) n;
  return TRUE;
}

static const char *const known_keys[] = {
  "pacing",
  "timezone",
  "window",
  "days",
  "max-attempts",
  "abandon-target",
  "abandon-window",
  "abandon-guard",
  "info-message-within",
  "ring-timeout",
  "setup-timeout",
  "max-lines-per-agent",
  NULL,
};

static gboolean
check_keys (Reader *r, DialerSettings *s)
{
  g_auto (GStrv) keys = g_key_file_get_keys (r->file, r->group, NULL, r->error);
  if (keys == NULL)
    return FALSE;
  for (guint i = 0; keys[i]; i++)
    {
      const char *k = keys[i];
      if (g_str_has_prefix (k, "pacing-"))
        {
          g_hash_table_insert (s->pacing_params, g_strdup (k + strlen ("pacing-")), value (r, k));
          continue;
        }
      gboolean known = g_strv_contains (known_keys, k);
      for (guint o = 1; !known && o < OCC_DIALER_N_OUTCOMES; o++)
        known = g_str_has_prefix (k, "retry-") && strcmp (k + 6, outcome_names[o]) == 0;
      if (!known)
        return dialer_settings_bad (r->error, r->path, r->group, k, "unknown key");
    }
  return TRUE;
}

static gboolean
read_window (Reader *r, DialerSettings *s)
{
  g_autofree char *tz = value (r, "timezone");
  s->timezone = g_strdup (tz ? tz : "UTC");
  s->tz = g_time_zone_new_identifier (s->timezone);
  if (s->tz == NULL)
    return dialer_settings_bad (r->error, r->path, r->group, "timezone",
                                "not a known IANA time zone");
  g_autofree char *w = value (r, "window");
  char *dash = w ? strchr (w, '-') : NULL;
  if (dash)
    *dash = '\0';
  if (w == NULL)
    s->window_from = 9 * 60, s->window_to = 20 * 60;
  else if (dash == NULL || !dialer_parse_clock (g_strstrip (w), &s->window_from)
           || !dialer_parse_clock (g_strstrip (dash + 1), &s->window_to))
    return dialer_settings_bad (r->error, r->path, r->group, "window", "must be HH:MM-HH:MM");
  if (s->window_to <= s->window_from)
    return dialer_settings_bad (r->error, r->path, r->group, "window",
                                "is empty (the end is not after the start)");
  g_auto (GStrv) days = g_key_file_get_string_list (r->file, r->group, "days", NULL, NULL);
  if (days == NULL)
    days = g_strsplit ("mon-fri", ";", -1);
  if (!dialer_parse_days (days, &s->days))
    return dialer_settings_bad (r->error, r->path, r->group, "days",
                                "items are mon … sun or ranges (mon-fri)");
  if (s->days == 0)
    return dialer_settings_bad (r->error, r->path, r->group, "days",
                                "is empty: the window never opens");
  return TRUE;
}

static gboolean
read_rules (Reader *r, DialerSettings *s)
{
  double attempts, target, info, ring, setup, lines;
  if (!read_retry (r, OCC_DIALER_BUSY, 15 * 60, 3, &s->retry[OCC_DIALER_BUSY])
      || !read_retry (r, OCC_DIALER_NO_ANSWER, 2 * 3600, 3, &s->retry[OCC_DIALER_NO_ANSWER])
      || !read_retry (r, OCC_DIALER_REJECTED, 0, 0, &s->retry[OCC_DIALER_REJECTED])
      || !read_retry (r, OCC_DIALER_UNREACHABLE, 3600, 1, &s->retry[OCC_DIALER_UNREACHABLE])
      || !read_retry (r, OCC_DIALER_FAILED, 5 * 60, 2, &s->retry[OCC_DIALER_FAILED])
      || !read_retry (r, OCC_DIALER_ABANDONED, 72 * 3600, 1, &s->retry[OCC_DIALER_ABANDONED])
      || !read_retry (r, OCC_DIALER_SKIPPED, 3600, 1, &s->retry[OCC_DIALER_SKIPPED])
      || !read_number (r, "max-attempts", 5, 1, 100, &attempts)
      || !read_number (r, "abandon-target", 3, 0, 1e9, &target)
      || !read_duration (r, "abandon-window", 24 * 3600, 3600, &s->abandon_window_s)
      || !read_duration (r, "abandon-guard", 72 * 3600, 0, &s->abandon_guard_s)
      || !read_number (r, "info-message-within", 2, 0.1, 2, &info)
      || !read_number (r, "ring-timeout", 30, 0, 600, &ring)
      || !read_number (r, "setup-timeout", 30, 1, 600, &setup)
      || !read_number (r, "max-lines-per-agent", 3, 1, 20, &lines))
    return FALSE;
  if (target <= 0 || target > 100)
    return dialer_settings_bad (r->error, r->path, r->group, "abandon-target",
                                "is a percentage of live answers: above 0, at most 100");
  if (ring < 15)
    return dialer_settings_bad (
        r->error, r->path, r->group, "ring-timeout",
        "must be at least 15 s (no-answer is only called after 15 s of ringing)");
  if (s->retry[OCC_DIALER_ABANDONED].max
      && s->retry[OCC_DIALER_ABANDONED].delay_s < s->abandon_guard_s)
    return dialer_settings_bad (
        r->error, r->path, r->group, "retry-abandoned",
        "its delay is inside abandon-guard: an abandoned number may not be called again "
        "that soon");
  s->max_attempts = (guint) attempts;
  s->abandon_target = target / 100.0;
  s->info_message_s = info;
  s->ring_timeout_s = (guint) ring;
  s->setup_timeout_s = (guint) setup;
  s->max_lines_per_agent = (guint) lines;
  return TRUE;
}

gboolean
dialer_settings_read (GKeyFile *file, const char *path, const char *group, DialerSettings *out,
                      GError **error)
{
  g_return_val_if_fail (file && path && group && out, FALSE);
  memset (out, 0, sizeof *out);
  out->pacing_params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  Reader r = { file, path, group, error };
  const char *space = strchr (group, ' ');
  out->name = g_strdup (space ? space + 1 : group);
  g_autofree char *pacing = value (&r, "pacing");
  gboolean ok = check_keys (&r, out);
  if (ok && (pacing == NULL || *pacing == '\0'))
    ok = dialer_settings_bad (error, path, group, "pacing",
                              "is needed (preview, progressive, predictive…)");
  if (ok)
    out->pacing = g_strdup (pacing);
  ok = ok && read_window (&r, out) && read_rules (&r, out);
  if (!ok)
    dialer_settings_clear (out);
  return ok;
}

void
dialer_settings_clear (DialerSettings *s)
{
  g_clear_pointer (&s->name, g_free);
  g_clear_pointer (&s->pacing, g_free);
  g_clear_pointer (&s->timezone, g_free);
  g_clear_pointer (&s->tz, g_time_zone_unref);
  g_clear_pointer (&s->pacing_params, g_hash_table_unref);
}

/* Local (day of week 0 = Monday, minute of day) of @t. */
static GDateTime *
local (const DialerSettings *s, gint64 t)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);
  return utc ? g_date_time_to_timezone (utc, s->tz) : NULL;
}

gboolean
dialer_settings_in_window (const DialerSettings *s, gint64 t)
{
  g_autoptr (GDateTime) d = local (s, t);
  if (d == NULL)
    return FALSE;
  int dow = g_date_time_get_day_of_week (d) - 1;
  guint minute = (guint) (g_date_time_get_hour (d) * 60 + g_date_time_get_minute (d));
  return (s->days & (1u << dow)) && minute >= s->window_from && minute < s->window_to;
}

gint64
dialer_settings_next_window (const DialerSettings *s, gint64 t)
{
  if (dialer_settings_in_window (s, t))
    return t;
  g_autoptr (GDateTime) d = local (s, t);
  if (d == NULL)
    return G_MAXINT64;
  for (int i = 0; i <= 8; i++)
    {
      g_autoptr (GDateTime) day = g_date_time_add_days (d, i);
      /* the opening as a local time: GLib resolves a time a DST change
       * skips or repeats */
      g_autoptr (GDateTime) open
          = g_date_time_new (s->tz, g_date_time_get_year (day), g_date_time_get_month (day),
                             g_date_time_get_day_of_month (day), (int) (s->window_from / 60),
                             (int) (s->window_from % 60), 0);
      if (open == NULL)
        continue;
      gint64 at = g_date_time_to_unix (open) * G_USEC_PER_SEC;
      if (at >= t && dialer_settings_in_window (s, at))
        return at;
    }
  return G_MAXINT64;
}
