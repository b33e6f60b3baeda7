/* Sign-ins per second against slapd: many authenticate() calls in flight
 * at once, search then bind over LDAPS, users in nested groups (three
 * levels), as an AD site would be. A 1 ms timer measures the longest
 * stall of the main loop meanwhile. Prints `bench <name>: <value> <unit>`.
 *
 *   meson test -C build --benchmark --suite auth -v
 *   (or build/tests/plugins/auth-ldap/bench-auth-ldap [TOTAL [IN-FLIGHT]])
 */
#include "ldap-fixture.h"

#include <stdlib.h>
#include <string.h>

#define USERS 200

typedef struct {
  LfNode *node;
  guint total, started, done, failed, in_flight;
  gint64 last_tick, max_gap;
} Bench;

static void start_one (Bench *b);

static void
on_done (GVariant *identity, const GError *error, gpointer data)
{
  Bench *b = data;
  b->done++;
  b->in_flight--;
  if (error || identity == NULL)
    {
      if (b->failed++ < 5)
        g_printerr ("sign-in failed: %s\n", error ? error->message : "?");
    }
  if (b->started < b->total)
    start_one (b);
}

static void
start_one (Bench *b)
{
  char login[32], secret[32];
  guint i = b->started++ % USERS;
  g_snprintf (login, sizeof login, "bench%03u", i);
  g_snprintf (secret, sizeof secret, "bench-Pw%03u", i);
  b->in_flight++;
  b->node->auth->authenticate (b->node->auth, login, secret, on_done, b);
}

static gboolean
tick (gpointer data)
{
  Bench *b = data;
  gint64 now = g_get_monotonic_time ();
  if (b->last_tick)
    b->max_gap = MAX (b->max_gap, now - b->last_tick);
  b->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
all_done (gpointer data)
{
  Bench *b = data;
  return b->done == b->total;
}

/* Runs @total sign-ins, @window at a time; returns sign-ins per second. */
static double
run (LfNode *n, guint total, guint window, double *max_gap_ms)
{
  Bench b = { .node = n, .total = total };
  guint id = g_timeout_add (1, tick, &b);
  gint64 t0 = g_get_monotonic_time ();
  for (guint i = 0; i < window && b.started < total; i++)
    start_one (&b);
  if (!occ_test_wait_for (all_done, &b, 600000))
    g_error ("only %u of %u sign-ins answered", b.done, total);
  double secs = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  g_source_remove (id);
  if (b.failed)
    g_error ("%u sign-ins failed", b.failed);
  *max_gap_ms = b.max_gap / 1000.0;
  return total / secs;
}

typedef struct {
  Bench *b;
  guint per_tick;
} Pace;

static gboolean
pace_tick (gpointer data)
{
  Pace *p = data;
  for (guint i = 0; i < p->per_tick && p->b->started < p->b->total; i++)
    start_one (p->b);
  return p->b->started < p->b->total ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* @rate sign-ins per second for @seconds, started 10 at a time every
 * 10000/rate ms: the main loop's gaps at a steady load rather than at
 * saturation. */
static double
run_paced (LfNode *n, guint rate, guint seconds)
{
  Bench b = { .node = n, .total = rate * seconds };
  Pace p = { .b = &b, .per_tick = 10 };
  guint id = g_timeout_add (1, tick, &b);
  g_timeout_add (10000 / rate, pace_tick, &p);
  if (!occ_test_wait_for (all_done, &b, 600000))
    g_error ("only %u of %u sign-ins answered", b.done, b.total);
  g_source_remove (id);
  if (b.failed)
    g_error ("%u sign-ins failed", b.failed);
  return b.max_gap / 1000.0;
}

static char *
bench_users (void)
{
  GString *l = g_string_new (NULL);
  for (guint i = 0; i < USERS; i++)
    g_string_append_printf (l,
                            "dn: uid=bench%03u," LF_PEOPLE "\nobjectClass: inetOrgPerson\n"
                            "objectClass: adTestAccount\nuid: bench%03u\ncn: Bench %u\n"
                            "sn: Bench\nsAMAccountName: bench%03u\n"
                            "userPrincipalName: bench%03u@example.org\nuserAccountControl: 512\n"
                            "memberOf: cn=agents," LF_GROUPS "\nuserPassword: bench-Pw%03u\n\n",
                            i, i, i, i, i, i);
  return g_string_free (l, FALSE);
}

int
main (int argc, char **argv)
{
  g_autofree char *users = bench_users ();
  lf_init (&argc, &argv, users);
  guint total = argc > 1 ? (guint) atoi (argv[1]) : 5000;
  guint window = argc > 2 ? (guint) atoi (argv[2]) : 64;
  if (lf.a == NULL)
    {
      g_printerr ("slapd could not be started\n");
      lf_shutdown ();
      return 77;
    }
  const struct {
    const char *name, *servers, *extra;
  } cases[] = {
    { "auth-ldap-sign-ins-ldaps", lf.a->ldaps_url, "connections=8\n" },
    { "auth-ldap-sign-ins-starttls", lf.a->url, "starttls=true\nconnections=8\n" },
    { "auth-ldap-sign-ins-direct-groups", lf.a->ldaps_url, "connections=8\ngroup-depth=0\n" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *conf = lf_conf (cases[i].servers, cases[i].extra);
      g_autoptr (LfNode) n = lf_node_new (conf);
      g_assert_no_error (n->load_error);
      double gap;
      run (n, 500, window, &gap); /* warm up: connections, slapd's caches */
      double rate = run (n, total, window, &gap);
      g_print ("bench %s: %.0f sign-ins/s\n", cases[i].name, rate);
      g_print ("bench %s-max-gap: %.2f ms\n", cases[i].name, gap);
      g_autofree char *status = lf_status (n);
      const char *keys[] = { "longest-turn-us", "longest-turn-cpu-us" };
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_autofree char *key = g_strdup_printf ("\"%s\":", keys[k]);
          const char *at = strstr (status, key);
          if (at)
            g_print ("bench %s-%.*s: %.3f ms\n", cases[i].name, (int) strlen (keys[k]) - 3, keys[k],
                     g_ascii_strtod (at + strlen (key), NULL) / 1000.0);
        }
    }
  g_autofree char *conf = lf_conf (lf.a->ldaps_url, "connections=8\n");
  g_autoptr (LfNode) n = lf_node_new (conf);
  double gap;
  run (n, 200, window, &gap);
  g_print ("bench auth-ldap-paced-500-per-s-max-gap: %.2f ms\n", run_paced (n, 500, 4));
  lf_shutdown ();
  return 0;
}
