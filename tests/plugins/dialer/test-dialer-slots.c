/* An appointment campaign's visit slots (plugins/dialer/slots.c): the
 * settings read and refused, a slot checked, the free ones listed — in
 * the campaign's zone, across a DST change. */
#include "slots.h"

#include "engine.h"

#define H (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

/* µs of a local time in @zone */
static gint64
at (const char *zone, int y, int mo, int d, int h, int mi)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier (zone);
  g_autoptr (GDateTime) t = g_date_time_new (tz, y, mo, d, h, mi, 0);
  return g_date_time_to_unix (t) * G_USEC_PER_SEC;
}

static gboolean
read_slots (const char *zone, const char *lines, DialerSlots *out, GError **error)
{
  g_autofree char *text = g_strconcat ("[campaign]\n", lines, NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL));
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier (zone);
  return dialer_slots_read (kf, "t.conf", "campaign", tz, out, error);
}

static void
test_refused (void)
{
  const struct {
    const char *lines, *says;
  } bad[] = {
    { "", "slots: an appointment campaign needs" },
    { "slots=09:00-12:00;11:00-13:00\n", "overlap" },
    { "slots=09:00-09:20\n", "shorter than one slot" },
    { "slots=9-12\n", "HH:MM-HH:MM" },
    { "slots=09:00-12:00\nslot-days=someday\n", "slot-days" },
    { "slots=09:00-12:00\nslot-length=2\n", "slot-length: a whole number from 5 to 480" },
    { "slots=09:00-12:00\nslot-capacity=0\n", "slot-capacity" },
    { "slots=09:00-12:00\nslot-horizon=400\n", "slot-horizon" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      DialerSlots s;
      g_autoptr (GError) e = NULL;
      g_assert_false (read_slots ("UTC", bad[i].lines, &s, &e));
      g_assert_error (e, DIALER_ERROR, DIALER_ERROR_INVALID);
      g_assert_nonnull (strstr (e->message, "t.conf: [campaign]"));
      if (strstr (e->message, bad[i].says) == NULL)
        g_test_message ("“%s” does not say “%s”", e->message, bad[i].says);
      g_assert_nonnull (strstr (e->message, bad[i].says));
      dialer_slots_clear (&s);
    }
}

static void
test_check (void)
{
  DialerSlots s;
  g_autoptr (GError) e = NULL;
  /* Abidjan: UTC all year; Monday to Friday, 9-12 and 14-17, half hours */
  g_assert_true (
      read_slots ("Africa/Abidjan", "slots=09:00-12:00;14:00-17:00\nslot-horizon=7\n", &s, &e));
  g_assert_cmpuint (s.length_min, ==, 30);
  g_assert_cmpuint (s.capacity, ==, 1);
  /* now: Monday 2026-11-30 08:00 */
  gint64 now = at ("Africa/Abidjan", 2026, 11, 30, 8, 0);
  const struct {
    int d, h, mi;
    const char *why; /* NULL: bookable */
  } cases[] = {
    { 30, 9, 0, NULL },
    { 30, 11, 30, NULL },
    { 30, 16, 30, NULL },
    { 30, 12, 0, "not the start" }, /* the span's end */
    { 30, 9, 15, "not the start" }, /* off the grid */
    { 30, 13, 0, "not the start" }, /* between spans */
    { 30, 7, 0, "past" },           /* before now */
    { 5, 10, 0, "not the start" },  /* (December) a Saturday */
    { 4, 16, 30, NULL },            /* Friday's last */
    { 7, 9, 0, "beyond" },          /* Monday a week on: past the 7 days */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int month = cases[i].d >= 30 ? 11 : 12;
      gint64 t = at ("Africa/Abidjan", 2026, month, cases[i].d, cases[i].h, cases[i].mi);
      g_autoptr (GError) why = NULL;
      gboolean ok = dialer_slots_check (&s, t, now, &why);
      if (cases[i].why == NULL)
        g_assert_no_error (why);
      else
        {
          g_assert_false (ok);
          g_assert_nonnull (strstr (why->message, cases[i].why));
        }
    }
  /* a time with seconds is no slot's start */
  g_assert_false (
      dialer_slots_check (&s, at ("Africa/Abidjan", 2026, 11, 30, 9, 0) + 1000000, now, NULL));
  dialer_slots_clear (&s);
}

static void
test_list (void)
{
  DialerSlots s;
  g_autoptr (GError) e = NULL;
  g_assert_true (read_slots ("Africa/Abidjan", "slots=09:00-12:00;14:00-17:00\n", &s, &e));
  /* Monday 10:10, for 48 hours: the rest of Monday (10:30 … 16:30:
   * 3 + 6), all of Tuesday (12), Wednesday until 10:10 (09:00, 09:30,
   * 10:00) */
  gint64 now = at ("Africa/Abidjan", 2026, 11, 30, 10, 10);
  g_autoptr (GArray) two = dialer_slots_list (&s, now, 2, now, 1000);
  g_assert_cmpuint (two->len, ==, 9 + 12 + 3);
  g_assert_cmpint (g_array_index (two, gint64, 0), ==, at ("Africa/Abidjan", 2026, 11, 30, 10, 30));
  for (guint i = 1; i < two->len; i++)
    g_assert_cmpint (g_array_index (two, gint64, i), >, g_array_index (two, gint64, i - 1));
  /* Friday 18:00 → the next three days hold no slot */
  gint64 friday = at ("Africa/Abidjan", 2026, 12, 4, 18, 0);
  g_autoptr (GArray) weekend = dialer_slots_list (&s, friday, 2, now, 1000);
  g_assert_cmpuint (weekend->len, ==, 0);
  /* capped */
  g_autoptr (GArray) few = dialer_slots_list (&s, now, 7, now, 5);
  g_assert_cmpuint (few->len, ==, 5);
  /* every slot listed passes the check */
  for (guint i = 0; i < two->len; i++)
    g_assert_true (dialer_slots_check (&s, g_array_index (two, gint64, i), now, NULL));
  dialer_slots_clear (&s);
}

/* Paris skips 02:00-03:00 on 2027-03-28: no visit at a time that does
 * not exist, and the others at their local clock time. */
static void
test_dst (void)
{
  DialerSlots s;
  g_autoptr (GError) e = NULL;
  g_assert_true (
      read_slots ("Europe/Paris", "slots=01:00-04:00\nslot-length=60\nslot-days=sun\n", &s, &e));
  gint64 now = at ("Europe/Paris", 2027, 3, 27, 12, 0);
  g_autoptr (GArray) l = dialer_slots_list (&s, now, 1, now, 100);
  g_assert_cmpuint (l->len, ==, 2);
  g_assert_cmpint (g_array_index (l, gint64, 0), ==, at ("Europe/Paris", 2027, 3, 28, 1, 0));
  g_assert_cmpint (g_array_index (l, gint64, 1), ==, at ("Europe/Paris", 2027, 3, 28, 3, 0));
  /* one hour apart on the clock, one hour apart in time: 02:00 is gone */
  g_assert_cmpint (g_array_index (l, gint64, 1) - g_array_index (l, gint64, 0), ==, H);
  dialer_slots_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dialer/slots/refused", test_refused);
  g_test_add_func ("/dialer/slots/check", test_check);
  g_test_add_func ("/dialer/slots/list", test_list);
  g_test_add_func ("/dialer/slots/dst", test_dst);
  return g_test_run ();
}
