/* The backup schedule (plugins/backup/schedule.c, policy.c) over simulated
 * time: a year in 15-minute steps in a zone with DST, downtime, and the
 * policy's parsing. */
#include "policy.h"

#include <string.h>

static BkPolicy *
policy_from (const char *text)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL));
  g_autoptr (GError) error = NULL;
  BkPolicy *p = bk_policy_new_from_keyfile (kf, &error);
  g_assert_no_error (error);
  return p;
}

static BkPolicy *
shipped_policy (const char *zone)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "policies", "backup.conf", NULL);
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL));
  g_key_file_set_string (kf, "schedule", "time-zone", zone);
  g_autoptr (GError) error = NULL;
  BkPolicy *p = bk_policy_new_from_keyfile (kf, &error);
  g_assert_no_error (error);
  return p;
}

static gint64
at (const char *zone, int y, int mo, int d, int h, int mi)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier (zone);
  g_autoptr (GDateTime) t = g_date_time_new (tz, y, mo, d, h, mi, 0);
  return g_date_time_to_unix (t);
}

static GDateTime *
local (const BkPolicy *p, gint64 t)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (t);
  return g_date_time_to_timezone (utc, p->tz);
}

/* Runs the clock from @from to @to in @step seconds, starting what is due
 * at once (a run counts from when it starts); appends to @runs. */
static void
simulate (const BkPolicy *p, GArray *runs, gint64 from, gint64 to, gint64 step)
{
  for (gint64 now = from; now <= to; now += step)
    {
      gint64 next = 0;
      BkRunKind kind = bk_schedule_due (p, (BkRun *) runs->data, runs->len, now, &next);
      if (kind == BK_RUN_NONE)
        {
          g_assert_cmpint (next, >, now);
          continue;
        }
      g_assert_cmpint (next, ==, now);
      BkRun run = { now, kind };
      g_array_append_val (runs, run);
      /* once started, nothing more is due until the next slot */
      g_assert_cmpint (bk_schedule_due (p, (BkRun *) runs->data, runs->len, now, &next), ==,
                       BK_RUN_NONE);
      g_assert_cmpint (next, >, now);
    }
}

static void
test_year_with_dst (void)
{
  const char *zone = "Europe/Paris";
  g_autoptr (BkPolicy) p = shipped_policy (zone);
  g_autoptr (GArray) runs = g_array_new (FALSE, FALSE, sizeof (BkRun));
  gint64 from = at (zone, 2026, 1, 1, 2, 30), to = at (zone, 2026, 12, 31, 23, 59);
  simulate (p, runs, from, to, 15 * 60);

  /* one run per local day of 2026, at 02:30 — on 29 March, when 02:30
   * does not exist, within the hour after */
  g_assert_cmpuint (runs->len, ==, 365);
  guint fulls = 0;
  gint64 last_full = 0;
  for (guint i = 0; i < runs->len; i++)
    {
      BkRun *r = &g_array_index (runs, BkRun, i);
      g_autoptr (GDateTime) t = local (p, r->time);
      g_assert_cmpint (g_date_time_get_day_of_year (t), ==, i + 1);
      int minutes = g_date_time_get_hour (t) * 60 + g_date_time_get_minute (t);
      if (g_date_time_get_month (t) == 3 && g_date_time_get_day_of_month (t) == 29)
        g_assert_cmpint (minutes, <=, 3 * 60 + 30);
      else
        g_assert_cmpint (minutes, ==, 2 * 60 + 30);
      g_assert_cmpint (minutes, >=, 2 * 60 + 30);
      if (r->kind == BK_RUN_FULL)
        {
          /* every 14 days to the day, DST or not */
          if (fulls > 0)
            g_assert_cmpuint (i - last_full, ==, 14);
          last_full = i;
          fulls++;
        }
    }
  g_assert_cmpint (g_array_index (runs, BkRun, 0).kind, ==, BK_RUN_FULL);
  g_assert_cmpuint (fulls, ==, 27); /* days 1, 15, …, 365 */
}

/* Both DST changes, in a zone where they fall on other days, at the hour
 * the clocks change. */
static void
test_run_at_the_changing_hour (void)
{
  const char *zone = "America/New_York";
  g_autofree char *text = g_strdup_printf ("[schedule]\ntime=02:00\ntime-zone=%s\n", zone);
  g_autoptr (BkPolicy) p = policy_from (text);
  g_autoptr (GArray) runs = g_array_new (FALSE, FALSE, sizeof (BkRun));
  /* 8 March 2026: 02:00 → 03:00; 1 November: 02:00 happens twice */
  simulate (p, runs, at (zone, 2026, 3, 6, 2, 0), at (zone, 2026, 3, 10, 0, 0), 5 * 60);
  g_assert_cmpuint (runs->len, ==, 4);
  g_array_set_size (runs, 0);
  simulate (p, runs, at (zone, 2026, 10, 30, 2, 0), at (zone, 2026, 11, 3, 0, 0), 5 * 60);
  g_assert_cmpuint (runs->len, ==, 4);
  for (guint i = 1; i < runs->len; i++)
    g_assert_cmpint (g_array_index (runs, BkRun, i).time - g_array_index (runs, BkRun, i - 1).time,
                     >=, 23 * 3600);
}

static void
test_catch_up_runs_once (void)
{
  const char *zone = "Europe/Paris";
  g_autoptr (BkPolicy) p = shipped_policy (zone);
  g_autoptr (GArray) runs = g_array_new (FALSE, FALSE, sizeof (BkRun));
  simulate (p, runs, at (zone, 2026, 5, 1, 2, 30), at (zone, 2026, 5, 3, 12, 0), 15 * 60);
  g_assert_cmpuint (runs->len, ==, 3);
  /* down from 3 May noon to 8 May 10:00: five slots missed */
  gint64 start = at (zone, 2026, 5, 8, 10, 0);
  gint64 next = 0;
  BkRunKind kind = bk_schedule_due (p, (BkRun *) runs->data, runs->len, start, &next);
  g_assert_cmpint (kind, ==, BK_RUN_DIFFERENTIAL);
  g_assert_cmpint (next, ==, start);
  simulate (p, runs, start, at (zone, 2026, 5, 9, 12, 0), 60);
  g_assert_cmpuint (runs->len, ==, 5); /* the catch-up, then 9 May 02:30 */
  g_assert_cmpint (g_array_index (runs, BkRun, 3).time, ==, start);
  g_assert_cmpint (g_array_index (runs, BkRun, 4).time, ==, at (zone, 2026, 5, 9, 2, 30));
}

static void
test_catch_up_after_a_long_outage_is_full (void)
{
  const char *zone = "UTC";
  g_autoptr (BkPolicy) p = shipped_policy (zone);
  BkRun runs[] = { { at (zone, 2026, 1, 1, 2, 30), BK_RUN_FULL },
                   { at (zone, 2026, 1, 2, 2, 30), BK_RUN_DIFFERENTIAL } };
  g_assert_cmpint (bk_schedule_due (p, runs, 2, at (zone, 2026, 1, 14, 9, 0), NULL), ==,
                   BK_RUN_DIFFERENTIAL);
  g_assert_cmpint (bk_schedule_due (p, runs, 2, at (zone, 2026, 1, 15, 9, 0), NULL), ==,
                   BK_RUN_FULL);
  g_assert_cmpint (bk_schedule_due (p, NULL, 0, at (zone, 2026, 1, 15, 1, 0), NULL), ==,
                   BK_RUN_FULL);
}

static void
test_without_catch_up_a_late_run_waits (void)
{
  g_autoptr (BkPolicy) p
      = policy_from ("[schedule]\ntime=02:30\ntime-zone=UTC\ncatch-up=false\ngrace-minutes=30\n");
  BkRun runs[] = { { at ("UTC", 2026, 1, 1, 2, 30), BK_RUN_FULL } };
  gint64 next = 0;
  g_assert_cmpint (bk_schedule_due (p, runs, 1, at ("UTC", 2026, 1, 2, 2, 50), &next), ==,
                   BK_RUN_DIFFERENTIAL);
  g_assert_cmpint (bk_schedule_due (p, runs, 1, at ("UTC", 2026, 1, 2, 3, 5), &next), ==,
                   BK_RUN_NONE);
  g_assert_cmpint (next, ==, at ("UTC", 2026, 1, 3, 2, 30));
}

static void
test_policy_refuses_bad_values (void)
{
  const char *bad[][2] = {
    { "[schedule]\ntime=2:30\n", "[schedule] time" },
    { "[schedule]\ntime=24:00\n", "[schedule] time" },
    { "[schedule]\ntime-zone=Mars/Olympus\n", "time-zone" },
    { "[schedule]\nfull-every-days=0\n", "full-every-days" },
    { "[schedule]\ncatch-up=sometimes\n", "catch-up" },
    { "[retention]\nremote-days=-5\n", "remote-days" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      g_assert_true (g_key_file_load_from_data (kf, bad[i][0], -1, G_KEY_FILE_NONE, NULL));
      g_autoptr (GError) error = NULL;
      g_assert_null (bk_policy_new_from_keyfile (kf, &error));
      g_assert_error (error, BK_POLICY_ERROR, BK_POLICY_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, bad[i][1]));
    }
  g_autoptr (BkPolicy) p = shipped_policy ("UTC");
  g_assert_cmpuint (p->hour, ==, 2);
  g_assert_cmpuint (p->minute, ==, 30);
  g_assert_cmpuint (p->full_every_days, ==, 14);
  g_assert_cmpuint (p->local_days, ==, 365);
  g_assert_cmpuint (p->remote_days, >=, 5 * 365);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backup/schedule/a-year-with-dst-runs-daily-and-full-every-14-days",
                   test_year_with_dst);
  g_test_add_func ("/backup/schedule/runs-once-on-days-the-clocks-change",
                   test_run_at_the_changing_hour);
  g_test_add_func ("/backup/schedule/missed-runs-catch-up-once", test_catch_up_runs_once);
  g_test_add_func ("/backup/schedule/catch-up-after-14-days-is-full",
                   test_catch_up_after_a_long_outage_is_full);
  g_test_add_func ("/backup/schedule/without-catch-up-a-late-run-waits",
                   test_without_catch_up_a_late_run_waits);
  g_test_add_func ("/backup/policy/refuses-bad-values", test_policy_refuses_bad_values);
  return g_test_run ();
}
