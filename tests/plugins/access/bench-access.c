/* Permission checks, token resolution and sign-ins through the access
 * plugin. Prints "bench access.METRIC: VALUE UNIT" lines:
 *   checks/s on an agent's and a supervisor's principal (hits, misses,
 *   ".own" and scoped checks mixed), resolves/s (token -> principal, what
 *   every control request costs), and sign-ins/s over the control socket
 *   (local accounts, cheap Argon2id limits, session saved in SQLite). */
#include "access-fixture.h"

#include <stdio.h>
#include <string.h>

static OccPrincipal *
principal (const char *const *patterns, const char *scoped)
{
  OccPrincipal *p = occ_principal_new ("bench", OCC_PRINCIPAL_USER);
  for (guint i = 0; patterns[i]; i++)
    g_assert_true (occ_principal_allow (p, patterns[i], NULL, NULL));
  if (scoped)
    for (int i = 0; i < 8; i++)
      {
        g_autofree char *scope = g_strdup_printf ("campaign:c%d", i);
        g_assert_true (occ_principal_allow (p, scoped, scope, NULL));
      }
  occ_principal_seal (p);
  return p;
}

static void
bench_checks (const char *name, OccPrincipal *p, guint64 n)
{
  /* what a day's calls ask: mostly hits, some misses, some .own, a scope */
  static const struct {
    const char *perm;
    const char *scope;
  } asks[] = {
    { "interaction.handle", NULL },   { "customer.read", NULL }, { "supervise.listen", NULL },
    { "interaction.read.own", NULL }, { "plugin.manage", NULL }, { "report.read", "campaign:c5" },
    { "agent.state.own", NULL },      { "audit.read", NULL },
  };
  guint64 allowed = 0;
  gint64 t0 = g_get_monotonic_time ();
  for (guint64 i = 0; i < n; i++)
    allowed += occ_principal_can (p, asks[i & 7].perm, asks[i & 7].scope);
  gint64 us = g_get_monotonic_time () - t0;
  printf ("bench access.%s-checks: %.0f checks/s (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
          " allowed)\n",
          name, n * 1e6 / (double) us, allowed, n);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  guint64 n = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 20000000;

  g_autoptr (OccPrincipal) agent = principal (
      OCC_LIST ("interaction.handle", "interaction.read.own", "customer.read", "customer.write",
                "agent.state.own", "phone.register", "user.password.own"),
      NULL);
  g_autoptr (OccPrincipal) supervisor
      = principal (OCC_LIST ("interaction.read", "customer.read", "customer.write", "agent.state",
                             "phone.register", "user.password.own", "supervise.*", "recording.play",
                             "report.*", "campaign.*", "events.read", "role.read", "system.status"),
                   "report.read");
  bench_checks ("agent", agent, n);
  bench_checks ("supervisor", supervisor, n);

  /* through the plugin: resolve and sign in */
  AxFixture f = { 0 };
  ax_setup (&f, &ax_sqlite);
  g_autofree char *admin = ax_admin (&f);
  g_autofree char *add
      = ax_ok (&f, admin, "user.add", "{\"login\": \"agent1\", \"password\": \"Bench-pass-123\"}");
  g_autofree char *grant
      = ax_ok (&f, admin, "user.grant", "{\"login\": \"agent1\", \"role\": \"agent\"}");
  g_autofree char *token = ax_sign_in (&f, "agent1", "Bench-pass-123");
  guint rn = 1000000;
  gint64 t0 = g_get_monotonic_time ();
  for (guint i = 0; i < rn; i++)
    {
      OccPrincipal *who = f.access->resolve (f.access, token, "bench", NULL);
      g_assert_nonnull (who);
      occ_principal_unref (who);
    }
  gint64 us = g_get_monotonic_time () - t0;
  printf ("bench access.resolve: %.0f resolves/s (token to principal)\n", rn * 1e6 / (double) us);

  guint sn = 300;
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < sn; i++)
    {
      g_autofree char *t = ax_sign_in (&f, "agent1", "Bench-pass-123");
    }
  us = g_get_monotonic_time () - t0;
  printf ("bench access.sign-in: %.0f sign-ins/s (local account, 1 pass/1 MiB Argon2id, session "
          "saved; one at a time over the control socket)\n",
          sn * 1e6 / (double) us);
  ax_teardown (&f, &ax_sqlite);
  return 0;
}
