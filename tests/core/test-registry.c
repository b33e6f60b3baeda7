/* Tests of the service registry. */
#include "bus-private.h"
#include "plugin-private.h"
#include "registry.h"
#include "testlib.h"

#include <stddef.h>

/* A service as it was in version 1, and as it is in version 2. */
typedef struct {
  OccServiceHeader header;
  int (*one) (void);
} IfaceV1;

typedef struct {
  OccServiceHeader header;
  int (*one) (void);
  int (*two) (void); /* appended in version 2 */
} IfaceV2;

static int
one (void)
{
  return 1;
}
static int
two (void)
{
  return 2;
}

static const IfaceV1 v1 = { OCC_SERVICE_HEADER (IfaceV1, 1), one };
static const IfaceV2 v2 = { OCC_SERVICE_HEADER (IfaceV2, 2), one, two };

typedef struct {
  OccContext *ctx;
  OccPlugin *provider;
  OccPlugin *consumer;
  GPtrArray *log;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  (void) data;
  f->ctx = occ_context_new (NULL);
  f->provider = occ_plugin_new_builtin (f->ctx, "provider");
  f->consumer = occ_plugin_new_builtin (f->ctx, "consumer");
  f->log = g_ptr_array_new_with_free_func (g_free);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  occ_plugin_drop_registrations (f->consumer);
  occ_plugin_drop_registrations (f->provider);
  occ_plugin_free (f->consumer);
  occ_plugin_free (f->provider);
  occ_context_free (f->ctx);
  g_ptr_array_unref (f->log);
}

static void
test_provide_and_lookup (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_service_provide (f->provider, "acd.strategy/longest-idle", &v2, &e));
  g_assert_no_error (e);
  const IfaceV2 *got = occ_service_lookup (f->consumer, "acd.strategy/longest-idle", 2, &e);
  g_assert_no_error (e);
  g_assert_true (got == &v2);
  g_assert_cmpint (got->two (), ==, 2);
  g_assert_true (occ_registry_get_provider (f->ctx->registry, "acd.strategy/longest-idle")
                 == f->provider);
}

static void
test_version_checks (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_service_provide (f->provider, "store", &v1, &e));
  g_assert_null (occ_service_lookup (f->consumer, "store", 2, &e));
  g_assert_error (e, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_TOO_OLD);
  g_assert_nonnull (strstr (e->message, "version 1"));
  g_assert_nonnull (strstr (e->message, "version 2"));
  g_clear_error (&e);
  /* a newer consumer that can live with v1 checks before calling v2 methods */
  const IfaceV2 *as_new = occ_service_lookup (f->consumer, "store", 1, &e);
  g_assert_no_error (e);
  g_assert_false (OCC_SERVICE_HAS (as_new, two));
  g_assert_true (OCC_SERVICE_HAS (as_new, one));
  const IfaceV2 *full = &v2;
  g_assert_true (OCC_SERVICE_HAS (full, two));
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_assert_null (occ_service_lookup (f->consumer, "nothing", 1, &e));
  g_assert_error (e, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_NOT_FOUND);
  g_clear_error (&e);
  g_assert_true (occ_service_provide (f->provider, "media", &v1, NULL));
  g_assert_false (occ_service_provide (f->consumer, "media", &v2, &e));
  g_assert_error (e, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_EXISTS);
  g_assert_nonnull (strstr (e->message, "provider"));
  g_clear_error (&e);
  static const OccServiceHeader empty = { 0, 0, 0 };
  g_assert_false (occ_service_provide (f->provider, "broken", &empty, &e));
  g_assert_error (e, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_INVALID);
  g_clear_error (&e);
  g_assert_false (occ_service_provide (f->provider, "Bad Name", &v1, &e));
  g_assert_error (e, OCC_SERVICE_ERROR, OCC_SERVICE_ERROR_INVALID);
}

static void
watcher (const char *name, gconstpointer iface, const char *provider, gpointer data)
{
  Fixture *f = data;
  g_ptr_array_add (f->log, g_strdup_printf ("%s:%s:%s", name, iface ? "up" : "down", provider));
}

static void
test_watch (Fixture *f, gconstpointer data)
{
  (void) data;
  g_assert_true (occ_service_provide (f->provider, "auth", &v1, NULL));
  /* told at once of what is there */
  occ_service_watch (f->consumer, "auth", watcher, f, NULL);
  g_assert_cmpuint (f->log->len, ==, 1);
  occ_service_withdraw (f->provider, "auth");
  g_assert_true (occ_service_provide (f->provider, "auth", &v2, NULL));
  /* the provider unloading withdraws its services */
  occ_plugin_drop_registrations (f->provider);
  g_assert_null (occ_service_lookup (f->consumer, "auth", 1, NULL));
  g_ptr_array_add (f->log, NULL);
  g_autofree char *got = g_strjoinv (" ", (char **) f->log->pdata);
  g_ptr_array_remove_index (f->log, f->log->len - 1);
  g_assert_cmpstr (got, ==,
                   "auth:up:provider auth:down:provider auth:up:provider auth:down:provider");
}

static void
test_unwatch_and_owner_drop (Fixture *f, gconstpointer data)
{
  (void) data;
  guint id = occ_service_watch (f->consumer, "x.y", watcher, f, NULL);
  occ_service_unwatch (f->consumer, id);
  occ_service_provide (f->provider, "x.y", &v1, NULL);
  g_assert_cmpuint (f->log->len, ==, 0);
  occ_service_watch (f->consumer, "x.z", watcher, f, NULL);
  occ_plugin_drop_registrations (f->consumer); /* the consumer goes */
  occ_service_provide (f->provider, "x.z", &v1, NULL);
  g_assert_cmpuint (f->log->len, ==, 0);
}

static void
record_event (const OccEvent *e, gpointer data)
{
  Fixture *f = data;
  g_autofree char *p = g_variant_print (occ_event_get_payload (e), FALSE);
  g_ptr_array_add (f->log, g_strdup_printf ("%s %s", occ_event_get_type_name (e), p));
}

static void
test_events (Fixture *f, gconstpointer data)
{
  (void) data;
  occ_bus_subscribe (f->ctx->bus, NULL, "service.*", record_event, f, NULL, NULL);
  occ_service_provide (f->provider, "store", &v2, NULL);
  occ_plugin_drop_registrations (f->provider);
  occ_bus_flush (f->ctx->bus);
  g_assert_cmpuint (f->log->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->log, 0), ==, "service.added ('store', 'provider', 2)");
  g_assert_cmpstr (g_ptr_array_index (f->log, 1), ==, "service.removed ('store', 'provider')");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/registry/provide-then-lookup", test_provide_and_lookup);
  ADD ("/registry/lookup/refuses-older-version-naming-both", test_version_checks);
  ADD ("/registry/provide/refuses-duplicates-and-bad-headers", test_refusals);
  ADD ("/registry/watch/told-of-appearing-and-going", test_watch);
  ADD ("/registry/watch/ends-with-unwatch-or-owner", test_unwatch_and_owner_drop);
  ADD ("/registry/events/service-added-and-removed", test_events);
  return g_test_run ();
}
