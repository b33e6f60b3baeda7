/* bench-auth-local [N] — sign-ins per second through the auth/local
 * service with the shipped Argon2id limits (libsodium's interactive ones),
 * on store-sqlite: N (default 200) authenticate() calls made at once, the
 * plugin's default two hashing threads, and the longest main-loop stall a
 * 1 ms timer saw meanwhile. Figures: "bench auth-local.METRIC: VALUE UNIT".
 * Not part of the test suite. */
#include "auth-fixture.h"

typedef struct {
  gint64 last;
  gint64 longest;
} Ticker;

static gboolean
tick (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time ();
  t->longest = MAX (t->longest, now - t->last);
  t->last = now;
  return G_SOURCE_CONTINUE;
}

typedef struct {
  guint answered;
  guint failed;
} Count;

static void
on_answer (GVariant *identity, const GError *error, gpointer data)
{
  (void) identity;
  Count *c = data;
  c->answered++;
  c->failed += error != NULL;
}

static gboolean
all_answered (gpointer data)
{
  return ((Count *) data)[0].answered == ((Count *) data)[1].answered;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 200;
  if (n == 0 || sodium_init () < 0)
    return 2;
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  TalFixture f = { 0 };
  tal_setup (&f, &tal_sqlite);
  tal_reload (&f, TAL_INTERACTIVE_POLICY);
  g_free (tal_make_user (&f, "bench", "bench-password-1", crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024, NULL));
  gint64 hash_us
      = tal_hash_time (crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE, 5);
  Count c[2] = { { 0 }, { .answered = n } };
  Ticker t = { .last = g_get_monotonic_time () };
  guint timer = g_timeout_add (1, tick, &t);
  gint64 start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    f.auth->authenticate (f.auth, "bench", "bench-password-1", on_answer, &c[0]);
  /* the calls themselves are not a stall of the plugin's */
  gint64 issued = g_get_monotonic_time () - start;
  t.last = g_get_monotonic_time ();
  if (!occ_test_wait_for (all_answered, c, 600000))
    return 1;
  gint64 elapsed = g_get_monotonic_time () - start;
  g_source_remove (timer);
  g_print ("bench auth-local.hash-fastest-of-5: %.1f ms\n", hash_us / 1e3);
  g_print ("bench auth-local.sign-ins: %.1f /s\n", n / (elapsed / 1e6));
  g_print ("bench auth-local.sign-ins-failed: %u\n", c[0].failed);
  g_print ("bench auth-local.authenticate-call: %.1f us\n", (double) issued / n);
  g_print ("bench auth-local.main-loop-longest-stall: %.2f ms\n", t.longest / 1e3);
  g_print ("bench auth-local.cpus: %u\n", g_get_num_processors ());
  tal_teardown (&f, &tal_sqlite);
  return c[0].failed ? 1 : 0;
}
