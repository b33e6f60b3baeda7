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
