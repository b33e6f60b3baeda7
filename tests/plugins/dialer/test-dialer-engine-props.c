/* The dialer engine under random event sequences (each pacing plugin,
 * several seeds): after every step its books must audit clean, and what
 * it asked for must keep the rules, checked here on the actions
 * themselves with the test's own records — no dial outside the window
 * (09:00-17:00 UTC, Monday to Friday), none to a do-not-call number,
 * none to a number abandoned in the last 72 h without an agent reserved,
 * no contact dialed more than max-attempts (plus the calls its
 * dispositions asked for), every information message exactly at the
 * 2-second deadline of an answer without an agent, and every preview to
 * a free agent. */
#include "pacing-fixture.h"

#include <string.h>

#define S G_GINT64_CONSTANT (1000000)
#define N_CONTACTS 60
#define N_AGENTS 6

static OccContext *core;

typedef struct {
  guint64 id;
  char *contact, *number;
  gboolean ringing, answered, connected, reserved;
  gint64 answered_at;
  char *agent;
} TCall;

typedef struct {
  DialerEngine *e;
  GRand *r;
  gint64 now;
  GPtrArray *calls;         /* TCall* in progress */
  GHashTable *abandoned_at; /* number → gint64* */
  GHashTable *dials;        /* contact → count */
  GHashTable *extra;        /* contact → calls owed by dispositions */
  guint64 actions;
} World;

static const char *const dnc[] = { "+2250100000003", "+2250100000017", "+2250100000042", NULL };

static gboolean
dnc_list (const char *number, gpointer data)
{
  return g_strv_contains (dnc, number);
}

static const char *agents[N_AGENTS] = { "a0", "a1", "a2", "a3", "a4", "a5" };
static OccDialerAgentState astate[N_AGENTS];

static void
tcall_free (TCall *c)
{
  g_free (c->contact);
  g_free (c->number);
  g_free (c->agent);
  g_free (c);
}

static guint
count_of (GHashTable *t, const char *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (t, key));
}

static void
bump (GHashTable *t, const char *key)
{
  g_hash_table_insert (t, g_strdup (key), GUINT_TO_POINTER (count_of (t, key) + 1));
}

static gboolean
in_window (gint64 t)
{
  g_autoptr (GDateTime) d = g_date_time_new_from_unix_utc (t / S);
  int h = g_date_time_get_hour (d), dow = g_date_time_get_day_of_week (d);
  return dow <= 5 && h >= 9 && h < 17;
}

static int
agent_index (const char *login)
{
  for (int i = 0; i < N_AGENTS; i++)
    if (g_strcmp0 (agents[i], login) == 0)
      return i;
  return -1;
}

static TCall *
find (World *w, guint64 id, guint *index)
{
  for (guint i = 0; i < w->calls->len; i++)
    if (((TCall *) g_ptr_array_index (w->calls, i))->id == id)
      {
        *index = i;
        return g_ptr_array_index (w->calls, i);
      }
  return NULL;
}

/* Checks each action against the rules and records what it started. */
static void
apply_actions (World *w, GArray *acts, guint max_attempts)
{
  for (guint k = 0; k < acts->len; k++)
    {
      const DialerAction *a = &g_array_index (acts, DialerAction, k);
      w->actions++;
      guint i;
      TCall *c;
      switch (a->type)
        {
        case DIALER_ACTION_DIAL:
          {
            g_assert_true (in_window (w->now));
            g_assert_false (g_strv_contains (dnc, a->number));
            gint64 *ab = g_hash_table_lookup (w->abandoned_at, a->number);
            if (a->agent == NULL)
              g_assert_true (ab == NULL || *ab + 72 * 3600 * S <= w->now);
            bump (w->dials, a->contact);
            g_assert_cmpuint (count_of (w->dials, a->contact), <=,
                              max_attempts + count_of (w->extra, a->contact));
            c = g_new0 (TCall, 1);
            c->id = a->call;
            c->contact = g_strdup (a->contact);
            c->number = g_strdup (a->number);
            c->reserved = a->agent != NULL;
            c->agent = g_strdup (a->agent);
            g_ptr_array_add (w->calls, c);
            break;
          }
        case DIALER_ACTION_PREVIEW:
          {
            int ai = agent_index (a->agent);
            g_assert_cmpint (ai, >=, 0);
            g_assert_cmpint (astate[ai], ==, OCC_DIALER_AGENT_FREE);
            astate[ai] = OCC_DIALER_AGENT_RESERVED;
            /* the agent decides at once: dial 4 in 5 */
            gboolean dial = g_rand_int_range (w->r, 0, 5) > 0;
            if (!dialer_engine_preview_result (w->e, a->contact, dial, w->now) || !dial)
              astate[ai] = OCC_DIALER_AGENT_FREE;
            break;
          }
        case DIALER_ACTION_ABANDON:
          c = find (w, a->call, &i);
          g_assert_nonnull (c);
          g_assert_true (c->answered && !c->connected);
          g_assert_cmpint (w->now - c->answered_at, ==, 2 * S);
          {
            gint64 *t = g_new (gint64, 1);
            *t = w->now;
            g_hash_table_insert (w->abandoned_at, g_strdup (c->number), t);
          }
          if (c->reserved)
            astate[agent_index (c->agent)] = OCC_DIALER_AGENT_FREE;
          g_ptr_array_remove_index (w->calls, i);
          break;
        case DIALER_ACTION_HANGUP:
          c = find (w, a->call, &i);
          g_assert_nonnull (c);
          g_assert_false (c->answered);
          if (c->reserved)
            astate[agent_index (c->agent)] = OCC_DIALER_AGENT_FREE;
          g_ptr_array_remove_index (w->calls, i);
          break;
        }
    }
}

static int
free_agent (void)
{
  for (int i = 0; i < N_AGENTS; i++)
    if (astate[i] == OCC_DIALER_AGENT_FREE)
      return i;
  return -1;
}

/* One random thing happens to a call in progress. */
static void
call_event (World *w)
{
  if (w->calls->len == 0)
    return;
  guint i = (guint) g_rand_int_range (w->r, 0, (gint32) w->calls->len);
  TCall *c = g_ptr_array_index (w->calls, i);
  if (c->connected)
    {
      int ai = agent_index (c->agent);
      g_assert_true (dialer_engine_call_ended (w->e, c->id, w->now));
      astate[ai] = OCC_DIALER_AGENT_WRAP_UP;
      if (g_rand_boolean (w->r))
        {
          static const DialerDisposition ds[]
              = { DIALER_DISPOSITION_SALE, DIALER_DISPOSITION_NOT_INTERESTED,
                  DIALER_DISPOSITION_CALL_BACK, DIALER_DISPOSITION_WRONG_NUMBER };
          DialerDisposition d = ds[g_rand_int_range (w->r, 0, G_N_ELEMENTS (ds))];
          g_assert_true (
              dialer_engine_disposition (w->e, c->contact, d, w->now + 3600 * S, w->now, NULL));
          if (d == DIALER_DISPOSITION_CALL_BACK || d == DIALER_DISPOSITION_WRONG_NUMBER)
            bump (w->extra, c->contact);
        }
      g_ptr_array_remove_index (w->calls, i);
    }
  else if (c->answered)
    {
      int ai = c->reserved ? agent_index (c->agent) : free_agent ();
      if (ai < 0)
        return; /* nobody: the 2-second rule will speak */
      g_assert_true (dialer_engine_call_connected (w->e, c->id, agents[ai], w->now));
      if (!c->reserved)
        {
          g_free (c->agent);
          c->agent = g_strdup (agents[ai]);
        }
      astate[ai] = OCC_DIALER_AGENT_BUSY;
      c->connected = TRUE;
    }
  else if (!c->ringing && g_rand_boolean (w->r))
    {
      g_assert_true (dialer_engine_call_ringing (w->e, c->id, w->now));
      c->ringing = TRUE;
    }
  else
    {
      OccDialerOutcome o = (OccDialerOutcome) g_rand_int_range (w->r, 0, OCC_DIALER_FAILED + 1);
      g_assert_true (dialer_engine_call_result (w->e, c->id, o, w->now));
      if (o == OCC_DIALER_ANSWERED)
        {
          c->answered = TRUE;
          c->answered_at = w->now;
          return;
        }
      if (c->reserved)
        astate[agent_index (c->agent)] = OCC_DIALER_AGENT_FREE;
      g_ptr_array_remove_index (w->calls, i);
    }
}

static void
agent_event (World *w)
{
  int ai = g_rand_int_range (w->r, 0, N_AGENTS);
  OccDialerAgentState s = astate[ai];
  if (s == OCC_DIALER_AGENT_WRAP_UP || s == OCC_DIALER_AGENT_LOGGED_OUT)
    astate[ai] = OCC_DIALER_AGENT_FREE;
  else if (s == OCC_DIALER_AGENT_FREE && g_rand_int_range (w->r, 0, 4) == 0)
    astate[ai] = OCC_DIALER_AGENT_LOGGED_OUT;
  else
    return;
  g_assert_true (dialer_engine_agent_state (w->e, agents[ai], astate[ai], w->now));
}

static void
run (const char *pacing, guint32 seed)
{
  DialerSettings s;
  g_autofree char *keys = g_strdup_printf (
      "pacing=%s\ntimezone=UTC\nwindow=09:00-17:00\ndays=mon-fri\nmax-attempts=4\n"
      "retry-busy=10m:3\nretry-no-answer=30m:2\nretry-failed=5m:2\nretry-unreachable=1h:1\n"
      "retry-abandoned=72h:1\nring-timeout=20\n",
      pacing);
  dialer_test_settings (keys, &s);
  World w = { 0 };
  w.e = dialer_engine_new (&s, dialer_test_pacing (core, pacing), seed, NULL);
  dialer_settings_clear (&s);
  dialer_engine_set_dnc (w.e, dnc_list, NULL);
  w.r = g_rand_new_with_seed (seed);
  w.now = dialer_test_time ("2026-03-27T15:30:00Z"); /* Friday: the weekend comes */
  w.calls = g_ptr_array_new_with_free_func ((GDestroyNotify) tcall_free);
  w.abandoned_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w.dials = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w.extra = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < N_CONTACTS; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);
      /* some contacts share numbers, so that guards and DNC cross contacts */
      g_autofree char *n1 = g_strdup_printf ("+22501000000%02u", i % 45);
      g_autofree char *n2 = g_strdup_printf ("+22502000000%02u", i);
      const char *const numbers[] = { n1, i % 3 ? n2 : NULL, NULL };
      DialerContactSpec spec
          = { id, numbers, g_rand_int_range (w.r, -2, 3), i % 10 == 0 ? w.now + i * 60 * S : 0, 0 };
      g_assert_true (dialer_engine_add_contact (w.e, &spec, w.now, NULL));
    }
  for (int i = 0; i < N_AGENTS; i++)
    {
      astate[i] = OCC_DIALER_AGENT_FREE;
      dialer_engine_agent_state (w.e, agents[i], OCC_DIALER_AGENT_FREE, w.now);
    }
  for (guint step = 0; step < 4000; step++)
    {
      guint what = (guint) g_rand_int_range (w.r, 0, 10);
      if (what < 5)
        call_event (&w);
      else if (what < 7)
        agent_event (&w);
      else
        {
          /* time passes: up to the engine's next deadline, sometimes a long jump */
          gint64 next = dialer_engine_next_due (w.e, w.now);
          gint64 step_us = g_rand_int_range (w.r, 0, 4) == 0
                               ? (gint64) g_rand_int_range (w.r, 1, 7200) * S
                               : (gint64) g_rand_int_range (w.r, 1, 3000) * 1000;
          w.now = MIN (w.now + step_us, MAX (next, w.now));
        }
      g_autoptr (GArray) acts = dialer_engine_tick (w.e, w.now);
      apply_actions (&w, acts, 4);
      g_autoptr (GError) error = NULL;
      if (!dialer_engine_audit (w.e, &error))
        g_error ("%s seed %u step %u: %s", pacing, seed, step, error->message);
    }
  DialerReport r;
  dialer_engine_report (w.e, &r);
  g_test_message ("%s seed %u: %" G_GUINT64_FORMAT " dials, %" G_GUINT64_FORMAT
                  " answers, %" G_GUINT64_FORMAT " abandons, %" G_GUINT64_FORMAT " actions",
                  pacing, seed, r.dials, r.answers, r.abandons, w.actions);
  g_assert_cmpuint (r.dials, >, 50); /* the sequence did exercise the engine */
  g_assert_cmpuint (r.calls_outside_window + r.dnc_hits + r.guard_breaches, ==, 0);
  g_assert_cmpfloat (r.info_delay_max_s, <=, 2.0);
  dialer_report_clear (&r);
  dialer_engine_free (w.e);
  g_rand_free (w.r);
  g_ptr_array_unref (w.calls);
  g_hash_table_unref (w.abandoned_at);
  g_hash_table_unref (w.dials);
  g_hash_table_unref (w.extra);
}

static void
test_random (gconstpointer data)
{
  for (guint32 seed = 1; seed <= 6; seed++)
    run (data, seed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  core = dialer_test_context_new ();
  g_test_add_data_func ("/dialer/engine-props/progressive", "progressive", test_random);
  g_test_add_data_func ("/dialer/engine-props/predictive", "predictive", test_random);
  g_test_add_data_func ("/dialer/engine-props/preview", "preview", test_random);
  int rc = g_test_run ();
  occ_context_free (core);
  return rc;
}
