/* See pacing-fixture.h. */
#include "pacing-fixture.h"

#include "loader.h"
#include "registry.h"

OccContext *
dialer_test_context_new (void)
{
  OccContext *ctx = occ_context_new (NULL);
  const char *const paths[] = { PLUGIN_BUILD_DIR "/dialer-pacing", NULL };
  occ_loader_scan (ctx->loader, paths);
  const char *const names[] = { "preview", "progressive", "predictive", NULL };
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *plugin = g_strconcat ("dialer-", names[i], NULL);
      g_autoptr (GError) error = NULL;
      g_assert_true (occ_loader_load (ctx->loader, plugin, &error));
      g_assert_no_error (error);
    }
  return ctx;
}

const OccDialerPacing *
dialer_test_pacing (OccContext *ctx, const char *name)
{
  g_autofree char *service = g_strconcat (OCC_DIALER_PACING_SERVICE_PREFIX, name, NULL);
  g_autoptr (GError) error = NULL;
  const OccDialerPacing *p
      = occ_registry_lookup (ctx->registry, service, OCC_DIALER_PACING_VERSION, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p);
  return p;
}

static gboolean
read_settings (const char *keys, DialerSettings *out, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *text = g_strconcat ("[campaign test]\n", keys, NULL);
  g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL));
  return dialer_settings_read (kf, "test.conf", "campaign test", out, error);
}

void
dialer_test_settings (const char *keys, DialerSettings *out)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (read_settings (keys, out, &error));
  g_assert_no_error (error);
}

char *
dialer_test_settings_error (const char *keys)
{
  DialerSettings s;
  g_autoptr (GError) error = NULL;
  g_assert_false (read_settings (keys, &s, &error));
  g_assert_nonnull (error);
  return g_strdup (error->message);
}

gint64
dialer_test_time (const char *iso)
{
  g_autoptr (GDateTime) d = g_date_time_new_from_iso8601 (iso, NULL);
  g_assert_nonnull (d);
  return g_date_time_to_unix (d) * G_USEC_PER_SEC;
}

/* --- an engine under the test's clock ------------------------------------------------ */

void
fx_start (Fx *fx, OccContext *core, const char *pacing, const char *keys, const char *start)
{
  fx_start_with (fx, dialer_test_pacing (core, pacing), keys, start);
}

void
fx_start_with (Fx *fx, const OccDialerPacing *pacing, const char *keys, const char *start)
{
  DialerSettings s;
  g_autofree char *text = g_strdup_printf ("pacing=%s\n%s", pacing->name, keys);
  dialer_test_settings (text, &s);
  g_autoptr (GError) error = NULL;
  fx->e = dialer_engine_new (&s, pacing, 7, &error);
  g_assert_no_error (error);
  dialer_settings_clear (&s);
  fx->now = dialer_test_time (start ? start : "2026-03-30T10:00:00Z");
  fx->acts = NULL;
}

void
fx_stop (Fx *fx)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (dialer_engine_audit (fx->e, &error));
  g_assert_no_error (error);
  g_clear_pointer (&fx->acts, g_array_unref);
  dialer_engine_free (fx->e);
}

void
fx_contact (Fx *fx, const char *id, const char *numbers, gint priority, gint64 callback_at)
{
  g_auto (GStrv) n = g_strsplit (numbers, ",", -1);
  DialerContactSpec spec = { id, (const char *const *) n, priority, callback_at, 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (dialer_engine_add_contact (fx->e, &spec, fx->now, &error));
  g_assert_no_error (error);
}

GArray *
fx_tick (Fx *fx, double seconds)
{
  fx->now += (gint64) (seconds * S);
  g_clear_pointer (&fx->acts, g_array_unref);
  fx->acts = dialer_engine_tick (fx->e, fx->now);
  return fx->acts;
}

const DialerAction *
fx_action (Fx *fx, DialerActionType type, guint i)
{
  for (guint k = 0; fx->acts && k < fx->acts->len; k++)
    {
      const DialerAction *a = &g_array_index (fx->acts, DialerAction, k);
      if (a->type == type && i-- == 0)
        return a;
    }
  return NULL;
}

guint
fx_count (Fx *fx, DialerActionType type)
{
  guint n = 0;
  while (fx_action (fx, type, n))
    n++;
  return n;
}

DialerContactInfo
fx_info (Fx *fx, const char *id)
{
  DialerContactInfo info;
  g_assert_true (dialer_engine_contact (fx->e, id, &info));
  return info;
}

guint64
dial_one (Fx *fx, const char *expect_contact)
{
  fx_tick (fx, 0);
  const DialerAction *a = fx_action (fx, DIALER_ACTION_DIAL, 0);
  g_assert_nonnull (a);
  if (expect_contact)
    g_assert_cmpstr (a->contact, ==, expect_contact);
  return a->call;
}

void
talk (Fx *fx, guint64 call, const char *agent)
{
  g_assert_true (dialer_engine_call_result (fx->e, call, OCC_DIALER_ANSWERED, fx->now));
  g_assert_true (dialer_engine_call_connected (fx->e, call, agent, fx->now));
  fx->now += 60 * S;
  g_assert_true (dialer_engine_call_ended (fx->e, call, fx->now));
  g_assert_true (dialer_engine_agent_state (fx->e, agent, OCC_DIALER_AGENT_FREE, fx->now));
}
