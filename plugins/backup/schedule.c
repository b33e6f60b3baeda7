/* When backups run: see bk_schedule_due() in policy.h. */
#include "policy.h"

/* The daily slot on the local date of @day (a GDateTime in the policy's
 * zone). On the day clocks spring forward over the slot, GLib moves it
 * past the gap; on the day they fall back, it takes one of the two: either
 * way one instant per day. */
static gint64
slot_on (const BkPolicy *p, GDateTime *day)
{
  g_autoptr (GDateTime) slot
      = g_date_time_new (p->tz, g_date_time_get_year (day), g_date_time_get_month (day),
                         g_date_time_get_day_of_month (day), p->hour, p->minute, 0);
  return g_date_time_to_unix (slot);
}

/* The slot of the local day @days_from away from the day of @t. Days are
 * stepped at noon, clear of any DST change. */
static gint64
slot_near (const BkPolicy *p, gint64 t, int days_from)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (t);
  g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, p->tz);
  g_autoptr (GDateTime) noon
      = g_date_time_new (p->tz, g_date_time_get_year (local), g_date_time_get_month (local),
                         g_date_time_get_day_of_month (local), 12, 0, 0);
  g_autoptr (GDateTime) day = g_date_time_add_days (noon, days_from);
  return slot_on (p, day);
}

/* The local calendar day of @t as a Julian day number. */
static guint32
local_julian (const BkPolicy *p, gint64 t)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (t);
  g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, p->tz);
  GDate d;
  g_date_clear (&d, 1);
  g_date_set_dmy (&d, g_date_time_get_day_of_month (local), g_date_time_get_month (local),
                  g_date_time_get_year (local));
  return g_date_get_julian (&d);
}

BkRunKind
bk_schedule_due (const BkPolicy *p, const BkRun *runs, guint n_runs, gint64 now, gint64 *next)
{
  g_return_val_if_fail (p != NULL && (runs != NULL || n_runs == 0), BK_RUN_NONE);
  /* GDateTime's range (years 1 to 9999), a day to spare each side */
  g_return_val_if_fail (now >= BK_SCHEDULE_MIN_TIME && now <= BK_SCHEDULE_MAX_TIME, BK_RUN_NONE);
  gint64 slot = slot_near (p, now, 0);
  gint64 upcoming = slot;
  if (slot > now)
    slot = slot_near (p, now, -1);
  else
    upcoming = slot_near (p, now, 1);

  gint64 last = G_MININT64, last_full = G_MININT64;
  for (guint i = 0; i < n_runs; i++)
    {
      last = MAX (last, runs[i].time);
      if (runs[i].kind == BK_RUN_FULL)
        last_full = MAX (last_full, runs[i].time);
    }

  gboolean missed = last < slot;
  gboolean too_late = !p->catch_up && now - slot > (gint64) p->grace_minutes * 60;
  if (!missed || too_late)
    {
      if (next)
        *next = upcoming;
      return BK_RUN_NONE;
    }
  if (next)
    *next = now;
  if (last_full == G_MININT64
      || local_julian (p, slot) - local_julian (p, last_full) >= p->full_every_days)
    return BK_RUN_FULL;
  return BK_RUN_DIFFERENTIAL;
}
