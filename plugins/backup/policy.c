/* Reading the backup policy: see policy.h. */
#include "policy.h"

#include <string.h>

G_DEFINE_QUARK (bk - policy - error - quark, bk_policy_error)

gboolean
bk_policy_parse_time (const char *text, guint *hour, guint *minute, GError **error)
{
  if (text != NULL && strlen (text) == 5 && g_ascii_isdigit (text[0]) && g_ascii_isdigit (text[1])
      && text[2] == ':' && g_ascii_isdigit (text[3]) && g_ascii_isdigit (text[4]))
    {
      guint h = (text[0] - '0') * 10 + (text[1] - '0');
      guint m = (text[3] - '0') * 10 + (text[4] - '0');
      if (h < 24 && m < 60)
        {
          *hour = h;
          *minute = m;
          return TRUE;
        }
    }
  g_set_error (error, BK_POLICY_ERROR, BK_POLICY_ERROR_INVALID,
               "“%s” is not a time of day (HH:MM, 00:00 to 23:59)", text ? text : "");
  return FALSE;
}

/* @group/@key as an integer in [@min, @max], or @fallback when absent. */
static gboolean
read_uint (GKeyFile *kf, const char *group, const char *key, guint min, guint max, guint fallback,
           guint *out, GError **error)
{
  if (!g_key_file_has_key (kf, group, key, NULL))
    {
      *out = fallback;
      return TRUE;
    }
  g_autofree char *text = g_key_file_get_value (kf, group, key, NULL);
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
    {
      g_set_error (error, BK_POLICY_ERROR, BK_POLICY_ERROR_INVALID,
                   "backup policy [%s] %s: “%s” is not a whole number from %u to %u", group, key,
                   text, min, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
read_bool (GKeyFile *kf, const char *group, const char *key, gboolean fallback, gboolean *out,
           GError **error)
{
  g_autoptr (GError) local = NULL;
  if (!g_key_file_has_key (kf, group, key, NULL))
    {
      *out = fallback;
      return TRUE;
    }
  *out = g_key_file_get_boolean (kf, group, key, &local);
  if (local)
    {
      g_set_error (error, BK_POLICY_ERROR, BK_POLICY_ERROR_INVALID, "backup policy [%s] %s: %s",
                   group, key, local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_schedule (BkPolicy *p, GKeyFile *kf, GError **error)
{
  g_autofree char *time = g_key_file_get_value (kf, "schedule", "time", NULL);
  g_autoptr (GError) local = NULL;
  if (time && !bk_policy_parse_time (time, &p->hour, &p->minute, &local))
    {
      g_set_error (error, BK_POLICY_ERROR, BK_POLICY_ERROR_INVALID,
                   "backup policy [schedule] time: %s", local->message);
      return FALSE;
    }
  g_autofree char *zone = g_key_file_get_value (kf, "schedule", "time-zone", NULL);
  if (zone && *zone && strcmp (zone, "local") != 0)
    {
      g_time_zone_unref (p->tz);
      /* GLib falls back to UTC for a name it cannot find: refuse that */
      p->tz = g_time_zone_new_identifier (zone);
      if (p->tz == NULL)
        {
          p->tz = g_time_zone_new_utc ();
          g_set_error (error, BK_POLICY_ERROR, BK_POLICY_ERROR_INVALID,
                       "backup policy [schedule] time-zone: “%s” is not a known time zone", zone);
          return FALSE;
        }
    }
  return read_uint (kf, "schedule", "full-every-days", 1, 366, 14, &p->full_every_days, error)
         && read_bool (kf, "schedule", "catch-up", TRUE, &p->catch_up, error)
         && read_uint (kf, "schedule", "grace-minutes", 0, 24 * 60, 60, &p->grace_minutes, error);
}

BkPolicy *
bk_policy_new_from_keyfile (GKeyFile *kf, GError **error)
{
  g_return_val_if_fail (kf != NULL, NULL);
  g_autoptr (BkPolicy) p = g_new0 (BkPolicy, 1);
  p->hour = 2;
  p->minute = 30;
  p->tz = g_time_zone_new_local ();
  if (!read_schedule (p, kf, error)
      || !read_uint (kf, "retention", "local-days", 1, 100 * 366, 365, &p->local_days, error)
      || !read_uint (kf, "retention", "remote-days", 1, 100 * 366, 5 * 366, &p->remote_days, error))
    return NULL;
  return g_steal_pointer (&p);
}

void
bk_policy_free (BkPolicy *policy)
{
  if (policy == NULL)
    return;
  g_time_zone_unref (policy->tz);
  g_free (policy);
}
