/* Benchmark of the audit plugin, in-process on a real store:
 *
 *   bench-audit [--entries N] [--postgres]
 *
 * appends N entries (default 100,000; written one at a time, as the
 * plugin always does, with up to 1,000 append() calls waiting), then
 * verifies the trail, and prints (the form of tests/bench):
 *
 *   bench audit-append-<backend>: <entries/s> entries/s
 *   bench audit-verify-<backend>: <entries/s> entries/s */
#include "audit-fixture.h"

#define WINDOW 1000

typedef struct {
  guint outstanding;
  guint failed;
} Window;

static void
appended (GVariant *result, const GError *error, gpointer data)
{
  Window *w = data;
  w->outstanding--;
  if (error)
    w->failed++;
}

static gboolean
below_window (gpointer data)
{
  return ((Window *) data)->outstanding < WINDOW / 2;
}

static gboolean
all_done (gpointer data)
{
  return ((Window *) data)->outstanding == 0;
}

static void
run (const AuditBackend *backend, guint n)
{
  AuditFixture f = { 0 };
  audit_fixture_setup (&f, backend);

  Window w = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      if (w.outstanding >= WINDOW)
        g_assert_true (occ_test_wait_for (below_window, &w, 60000));
      w.outstanding++;
      f.audit->append (f.audit, "agent-0042", "auth.sign-in", "user:agent-0042", OCC_AUDIT_SUCCESS,
                       "192.0.2.17", g_variant_new_parsed ("{'method': <'ldap'>, 'try': <%u>}", i),
                       appended, &w);
    }
  g_assert_true (occ_test_wait_for (all_done, &w, 600000));
  double append_s = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_cmpuint (w.failed, ==, 0);

  t0 = g_get_monotonic_time ();
  g_autoptr (GVariant) v = audit_fixture_verify (&f);
  double verify_s = (g_get_monotonic_time () - t0) / 1e6;
  audit_assert_ok (v);
  gint64 entries = 0;
  g_variant_lookup (v, "entries", "x", &entries);

  g_print ("bench audit-append-%s: %.0f entries/s\n", backend->name, n / append_s);
  g_print ("bench audit-verify-%s: %.0f entries/s\n", backend->name, entries / verify_s);
  audit_fixture_teardown (&f, backend);
}

int
main (int argc, char **argv)
{
  guint n = 100000;
  gboolean postgres = FALSE;
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--entries") && i + 1 < argc)
      n = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    else if (g_str_equal (argv[i], "--postgres"))
      postgres = TRUE;
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);
  if (postgres)
    {
      if (!audit_fixture_init ())
        g_error ("store-postgres is not built");
      run (&audit_postgres_backend, n);
      audit_fixture_shutdown ();
    }
  else
    run (&audit_sqlite_backend, n);
  return 0;
}
