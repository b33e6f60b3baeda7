/* Tests of the plugin loader against the fixture plugins (see
 * tests/fixtures): broken files, dependency order, cycles, failing and
 * declining loads, unload cleanup and refusal. */
#include "bus-private.h"
#include "config.h"
#include "control.h"
#include "loader.h"
#include "registry.h"
#include "testlib.h"

typedef struct {
  char *dir;
  OccContext *ctx;
  GPtrArray *events; /* "type payload" strings */
} Fixture;

static void
record (const OccEvent *e, gpointer data)
{
  Fixture *f = data;
  g_autofree char *p = g_variant_print (occ_event_get_payload (e), FALSE);
  g_ptr_array_add (f->events, g_strdup_printf ("%s %s", occ_event_get_type_name (e), p));
}

/* A context whose config lives in a temporary folder, so plugins.d files
 * can be written; the plugin path is the fixtures' build folder. */
static void
setup (Fixture *f, gconstpointer data)
{
  (void) data;
  f->dir = occ_test_mkdtemp ();
  g_autofree char *conf
      = g_strdup_printf ("[core]\nplugin-path=%s\nstate-dir=state\n", FIXTURE_PLUGIN_DIR);
  occ_test_write (f->dir, "omnicc.conf", conf);
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  f->ctx = occ_context_new (config);
  f->events = g_ptr_array_new_with_free_func (g_free);
  occ_bus_subscribe (f->ctx->bus, NULL, "plugin.*", record, f, NULL, NULL);
  occ_loader_scan (f->ctx->loader, occ_config_get_plugin_path (f->ctx->config));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  occ_context_free (f->ctx);
  g_ptr_array_unref (f->events);
  occ_test_rmtree (f->dir);
  g_free (f->dir);
}

static OccPlugin *
plugin (Fixture *f, const char *name)
{
  OccPlugin *p = occ_loader_get (f->ctx->loader, name);
  g_assert_nonnull (p);
  return p;
}

static void
assert_state (Fixture *f, const char *name, OccPluginState state, const char *reason_part)
{
  OccPlugin *p = plugin (f, name);
  if (p->state != state)
    g_error ("plugin %s is %s (%s), expected %s", name, occ_plugin_state_to_string (p->state),
             p->reason ? p->reason : "", occ_plugin_state_to_string (state));
  if (reason_part && (p->reason == NULL || strstr (p->reason, reason_part) == NULL))
    g_error ("plugin %s: reason “%s” does not mention “%s”", name, p->reason, reason_part);
}

static void
load_enabled (Fixture *f, const char *const *names)
{
  occ_loader_load_enabled (f->ctx->loader, names);
  occ_bus_flush (f->ctx->bus);
}

static void
test_scan_reports_broken_files (Fixture *f, gconstpointer data)
{
  (void) data;
  assert_state (f, "alpha", OCC_PLUGIN_AVAILABLE, NULL);
  assert_state (f, "wrong-abi", OCC_PLUGIN_FAILED, "was built for plugin ABI 99.");
  assert_state (f, "newer-minor", OCC_PLUGIN_FAILED, "this omniccd has");
  assert_state (f, "missing-symbol", OCC_PLUGIN_FAILED, "occ_function_that_does_not_exist");
  assert_state (f, "misnamed", OCC_PLUGIN_FAILED, "is named “somebody-else”");
  assert_state (f, "no-descriptor", OCC_PLUGIN_FAILED, "not an omnicc plugin");
  /* the reason names the file */
  g_assert_nonnull (strstr (plugin (f, "wrong-abi")->reason, "wrong-abi.so"));
  /* what the descriptor says is kept after the file is closed again */
  OccPlugin *beta = plugin (f, "beta");
  g_assert_cmpstr (beta->version, ==, "1.0");
  g_assert_true (g_strv_contains ((const char *const *) beta->requires, "plugin:alpha"));
  g_assert_null (beta->module);
}

static void
test_orders_by_requires (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *enabled[] = { "gamma", "beta", "alpha", NULL };
  load_enabled (f, enabled);
  assert_state (f, "alpha", OCC_PLUGIN_LOADED, NULL);
  assert_state (f, "beta", OCC_PLUGIN_LOADED, NULL);
  assert_state (f, "gamma", OCC_PLUGIN_LOADED, NULL);
  /* alpha (which both need) loads first */
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "plugin.loaded ('alpha', '1.0')");
  g_assert_cmpuint (f->events->len, ==, 3);
}

static void
test_after_orders_without_requiring (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *both[] = { "late", "alpha", NULL };
  load_enabled (f, both);
  assert_state (f, "late", OCC_PLUGIN_LOADED, NULL);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "plugin.loaded ('alpha', '1.0')");
  g_assert_cmpstr (g_ptr_array_index (f->events, 1), ==, "plugin.loaded ('late', '1.0')");
  /* without alpha enabled, late loads all the same */
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (f->ctx->loader, "late", &e));
  g_assert_true (occ_loader_unload (f->ctx->loader, "alpha", &e));
  const char *alone[] = { "late", NULL };
  load_enabled (f, alone);
  assert_state (f, "late", OCC_PLUGIN_LOADED, NULL);
  assert_state (f, "alpha", OCC_PLUGIN_AVAILABLE, NULL);
}

static void
test_cycle_reported (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *enabled[] = { "cycle-a", "cycle-b", "alpha", NULL };
  load_enabled (f, enabled);
  assert_state (f, "cycle-a", OCC_PLUGIN_FAILED, "dependency cycle: cycle-a → cycle-b → cycle-a");
  assert_state (f, "cycle-b", OCC_PLUGIN_FAILED, "dependency cycle");
  assert_state (f, "alpha", OCC_PLUGIN_LOADED, NULL); /* the rest still loads */
}

static void
test_unmet_requirements (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *enabled[] = { "beta", "needs-nothing-there", "not-installed", NULL };
  load_enabled (f, enabled);
  assert_state (f, "beta", OCC_PLUGIN_FAILED, "requires plugin alpha, which is not enabled");
  assert_state (f, "needs-nothing-there", OCC_PLUGIN_FAILED,
                "requires service test.nobody, which no enabled plugin provides");
  assert_state (f, "not-installed", OCC_PLUGIN_FAILED, "not found in the plugin path");
}

static void
test_failing_load_cleans_up (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *enabled[] = { "failing", "after-broken", NULL };
  load_enabled (f, enabled);
  assert_state (f, "failing", OCC_PLUGIN_FAILED, "load failed: the fixture refuses to load");
  assert_state (f, "after-broken", OCC_PLUGIN_FAILED,
                "not loaded because plugin:failing did not load");
  OccPlugin *p = plugin (f, "failing");
  /* what it registered before failing is gone */
  g_assert_null (occ_registry_lookup (f->ctx->registry, "test.failing", 1, NULL));
  g_assert_cmpuint (occ_bus_count_subscriptions (f->ctx->bus, p), ==, 0);
  g_assert_null (occ_bus_lookup_signature (f->ctx->bus, "fixture.ping"));
  g_assert_cmpuint (p->sources->len, ==, 0);
  g_assert_null (p->module);
  g_assert_true (g_ptr_array_find_with_equal_func (f->events, "plugin.failed ('failing', '",
                                                   (GEqualFunc) g_str_has_prefix, NULL));
  occ_test_spin (50); /* its timer must not fire into a closed object */
}

static void
test_declined_is_not_failure (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *enabled[] = { "declining", NULL };
  load_enabled (f, enabled);
  assert_state (f, "declining", OCC_PLUGIN_DECLINED, "no trunk configured");
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==,
                   "plugin.declined ('declining', 'no trunk configured')");
}

static void
pong (const OccEvent *e, gpointer data)
{
  (*(guint *) data)++;
  (void) e;
}

static void
watched (const char *name, gconstpointer iface, const char *provider, gpointer data)
{
  (void) name;
  (void) provider;
  *(gboolean *) data = iface != NULL;
}

static void
test_unload_removes_everything (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *enabled[] = { "alpha", NULL };
  load_enabled (f, enabled);
  assert_state (f, "alpha", OCC_PLUGIN_LOADED, NULL);
  OccPlugin *p = plugin (f, "alpha");
  gboolean present = FALSE;
  guint pongs = 0;
  occ_registry_watch (f->ctx->registry, NULL, "test.alpha", watched, &present, NULL);
  g_assert_true (present);
  occ_bus_subscribe (f->ctx->bus, NULL, "fixture.pong", pong, &pongs, NULL, NULL);
  occ_bus_publish (f->ctx->bus, NULL, "fixture.ping", g_variant_new ("(s)", "test"), NULL);
  occ_bus_flush (f->ctx->bus);
  g_assert_cmpuint (pongs, ==, 1);
  occ_test_spin (40);
  g_assert_cmpuint (p->sources->len, >, 0);

  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (f->ctx->loader, "alpha", &e));
  g_assert_no_error (e);
  assert_state (f, "alpha", OCC_PLUGIN_AVAILABLE, NULL);
  g_assert_false (present);
  g_assert_null (occ_registry_lookup (f->ctx->registry, "test.alpha", 1, NULL));
  g_assert_cmpuint (occ_bus_count_subscriptions (f->ctx->bus, p), ==, 0);
  g_assert_null (occ_bus_lookup_signature (f->ctx->bus, "fixture.ping"));
  g_assert_null (p->module);
  occ_test_spin (50); /* its 10 ms timer must not fire any more */

  /* and it loads again */
  g_assert_true (occ_loader_load (f->ctx->loader, "alpha", &e));
  g_assert_no_error (e);
  g_assert_true (present);
}

static void
test_unload_refused_while_required (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *enabled[] = { "alpha", "beta", "gamma", NULL };
  load_enabled (f, enabled);
  g_autoptr (GError) e = NULL;
  g_assert_false (occ_loader_unload (f->ctx->loader, "alpha", &e));
  g_assert_error (e, OCC_LOADER_ERROR, OCC_LOADER_ERROR_IN_USE);
  g_assert_nonnull (strstr (e->message, "beta (plugin:alpha)"));
  g_assert_nonnull (strstr (e->message, "gamma (service:test.alpha)"));
  assert_state (f, "alpha", OCC_PLUGIN_LOADED, NULL);
  g_clear_error (&e);
  g_assert_true (occ_loader_unload (f->ctx->loader, "beta", &e));
  g_assert_true (occ_loader_unload (f->ctx->loader, "gamma", &e));
  g_assert_true (occ_loader_unload (f->ctx->loader, "alpha", &e));
  g_assert_no_error (e);
}

static void
test_runtime_load_needs_requirements (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_assert_false (occ_loader_load (f->ctx->loader, "beta", &e));
  g_assert_error (e, OCC_LOADER_ERROR, OCC_LOADER_ERROR_DEPENDENCY);
  g_assert_nonnull (strstr (e->message, "plugin:alpha"));
  g_clear_error (&e);
  g_assert_false (occ_loader_load (f->ctx->loader, "no-such-plugin", &e));
  g_assert_error (e, OCC_LOADER_ERROR, OCC_LOADER_ERROR_NOT_FOUND);
  g_clear_error (&e);
  g_assert_false (occ_loader_load (f->ctx->loader, "wrong-abi", &e));
  g_assert_error (e, OCC_LOADER_ERROR, OCC_LOADER_ERROR_BROKEN);
  g_clear_error (&e);
  g_assert_true (occ_loader_load (f->ctx->loader, "alpha", &e));
  g_assert_false (occ_loader_load (f->ctx->loader, "alpha", &e));
  g_assert_error (e, OCC_LOADER_ERROR, OCC_LOADER_ERROR_STATE);
  g_clear_error (&e);
  g_assert_true (occ_loader_load (f->ctx->loader, "beta", &e));
  g_assert_no_error (e);
}

static void
test_config_validated_before_load (Fixture *f, gconstpointer data)
{
  (void) data;
  occ_test_write (f->dir, "plugins.d/configurable.conf", "[fixture]\ngreeting=hi\ncolour=red\n");
  const char *enabled[] = { "configurable", NULL };
  load_enabled (f, enabled);
  assert_state (f, "configurable", OCC_PLUGIN_FAILED,
                "configurable.conf:3: [fixture] colour: unknown key");
  occ_test_write (f->dir, "plugins.d/configurable.conf", "[fixture]\ngreeting=hi\ncount=3\n");
  load_enabled (f, enabled);
  assert_state (f, "configurable", OCC_PLUGIN_LOADED, NULL);
  g_autofree char *greeting
      = g_key_file_get_string (plugin (f, "configurable")->config, "fixture", "greeting", NULL);
  g_assert_cmpstr (greeting, ==, "hi");
}

static void
append_line (const char *line, gpointer data)
{
  g_string_append ((GString *) data, line);
}

static void
test_commands_follow_the_plugin (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *enabled[] = { "alpha", NULL };
  load_enabled (f, enabled);
  g_autoptr (GString) got = g_string_new (NULL);
  occ_control_dispatch (f->ctx->control, "{\"id\":1,\"command\":\"alpha.ping\"}", append_line, got);
  g_assert_nonnull (strstr (got->str, "\"name\":\"alpha\""));
  occ_loader_unload (f->ctx->loader, "alpha", NULL);
  g_string_truncate (got, 0);
  occ_control_dispatch (f->ctx->control, "{\"id\":2,\"command\":\"alpha.ping\"}", append_line, got);
  g_assert_nonnull (strstr (got->str, "unknown-command"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the loader warns about every broken fixture: that is its job here */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/loader/scan/reports-broken-files-with-reason", test_scan_reports_broken_files);
  ADD ("/loader/load/orders-by-requires", test_orders_by_requires);
  ADD ("/loader/load/after-orders-without-requiring", test_after_orders_without_requiring);
  ADD ("/loader/load/reports-cycles", test_cycle_reported);
  ADD ("/loader/load/reports-unmet-requirements", test_unmet_requirements);
  ADD ("/loader/load/failure-removes-what-it-registered", test_failing_load_cleans_up);
  ADD ("/loader/load/declined-is-not-failure", test_declined_is_not_failure);
  ADD ("/loader/load/at-runtime-needs-requirements-loaded", test_runtime_load_needs_requirements);
  ADD ("/loader/load/config-validated-first", test_config_validated_before_load);
  ADD ("/loader/unload/removes-everything-it-registered", test_unload_removes_everything);
  ADD ("/loader/unload/refused-while-required", test_unload_refused_while_required);
  ADD ("/loader/unload/removes-its-control-commands", test_commands_follow_the_plugin);
  return g_test_run ();
}
