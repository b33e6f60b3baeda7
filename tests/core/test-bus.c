/* Tests of the typed event bus. */
#include "bus-private.h"
#include "context.h"
#include "plugin-private.h"
#include "testlib.h"

typedef struct {
  OccBus *bus;
  GPtrArray *seen; /* "subscriber:type:seq" strings */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  (void) data;
  f->bus = occ_bus_new ();
  occ_bus_register_standard_types (f->bus);
  g_assert_true (occ_bus_register_type (f->bus, NULL, "test.ping", "(su)", "a ping", NULL));
  g_assert_true (occ_bus_register_type (f->bus, NULL, "test.pong", "(s)", "a pong", NULL));
  g_assert_true (occ_bus_register_type (f->bus, NULL, "testing.other", "()", "no payload", NULL));
  f->seen = g_ptr_array_new_with_free_func (g_free);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  occ_bus_free (f->bus);
  g_ptr_array_unref (f->seen);
}

typedef struct {
  Fixture *f;
  const char *tag;
} Sub;

static void
record (const OccEvent *e, gpointer data)
{
  Sub *s = data;
  g_ptr_array_add (s->f->seen,
                   g_strdup_printf ("%s:%s:%" G_GUINT64_FORMAT, s->tag, occ_event_get_type_name (e),
                                    occ_event_get_seq (e)));
}

static char *
joined (Fixture *f)
{
  g_ptr_array_add (f->seen, NULL);
  char *s = g_strjoinv (" ", (char **) f->seen->pdata);
  g_ptr_array_remove_index (f->seen, f->seen->len - 1);
  return s;
}

static guint64
ping (Fixture *f, const char *who, guint n)
{
  g_autoptr (GError) e = NULL;
  guint64 seq = occ_bus_publish (f->bus, NULL, "test.ping", g_variant_new ("(su)", who, n), &e);
  g_assert_no_error (e);
  return seq;
}

static void
test_delivers_in_order_on_main_loop (Fixture *f, gconstpointer data)
{
  (void) data;
  Sub a = { .f = f, .tag = "a" };
  g_assert_cmpuint (occ_bus_subscribe (f->bus, NULL, "test.ping", record, &a, NULL, NULL), >, 0);
  for (guint i = 0; i < 5; i++)
    ping (f, "x", i);
  /* nothing is delivered inside publish */
  g_assert_cmpuint (f->seen->len, ==, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_autofree char *got = joined (f);
  g_assert_cmpstr (got, ==,
                   "a:test.ping:1 a:test.ping:2 a:test.ping:3 a:test.ping:4 a:test.ping:5");
}

static void
test_refuses_wrong_type (Fixture *f, gconstpointer data)
{
  (void) data;
  Sub a = { .f = f, .tag = "a" };
  occ_bus_subscribe (f->bus, NULL, "*", record, &a, NULL, NULL);
  g_autoptr (GError) e = NULL;
  g_assert_cmpuint (occ_bus_publish (f->bus, NULL, "test.ping", g_variant_new ("(s)", "x"), &e), ==,
                    0);
  g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_WRONG_PAYLOAD);
  g_assert_nonnull (strstr (e->message, "(su)"));
  g_clear_error (&e);
  g_assert_cmpuint (occ_bus_publish (f->bus, NULL, "test.ping", NULL, &e), ==, 0);
  g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_WRONG_PAYLOAD);
  g_clear_error (&e);
  g_assert_cmpuint (occ_bus_publish (f->bus, NULL, "test.nothing", g_variant_new ("(s)", "x"), &e),
                    ==, 0);
  g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_UNKNOWN_TYPE);
  occ_bus_flush (f->bus);
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_unit_payload (Fixture *f, gconstpointer data)
{
  (void) data;
  Sub a = { .f = f, .tag = "a" };
  occ_bus_subscribe (f->bus, NULL, "testing.other", record, &a, NULL, NULL);
  g_autoptr (GError) e = NULL;
  g_assert_cmpuint (occ_bus_publish (f->bus, NULL, "testing.other", NULL, &e), >, 0);
  g_assert_no_error (e);
  occ_bus_flush (f->bus);
  g_assert_cmpuint (f->seen->len, ==, 1);
}

static void
test_patterns (Fixture *f, gconstpointer data)
{
  (void) data;
  Sub exact = { f, "exact" }, prefix = { f, "prefix" }, all = { f, "all" }, deep = { f, "deep" };
  occ_bus_subscribe (f->bus, NULL, "test.pong", record, &exact, NULL, NULL);
  occ_bus_subscribe (f->bus, NULL, "test.*", record, &prefix, NULL, NULL);
  occ_bus_subscribe (f->bus, NULL, "*", record, &all, NULL, NULL);
  occ_bus_subscribe (f->bus, NULL, "test.ping.*", record, &deep, NULL, NULL);
  ping (f, "x", 1);
  occ_bus_publish (f->bus, NULL, "test.pong", g_variant_new ("(s)", "y"), NULL);
  /* "testing.other" shares the letters "test" but not the word */
  occ_bus_publish (f->bus, NULL, "testing.other", NULL, NULL);
  occ_bus_flush (f->bus);
  g_autofree char *got = joined (f);
  g_assert_cmpstr (got, ==,
                   "prefix:test.ping:1 all:test.ping:1 "
                   "exact:test.pong:2 prefix:test.pong:2 all:test.pong:2 "
                   "all:testing.other:3");
}

static void
test_refuses_bad_patterns (Fixture *f, gconstpointer data)
{
  (void) data;
  const char *bad[]
      = { "", "Test.*", "test..ping", "*.ping", "test.", ".*", "test.**", "te st.*", "a*" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_cmpuint (occ_bus_subscribe (f->bus, NULL, bad[i], record, NULL, NULL, &e), ==, 0);
      g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_INVALID);
    }
  g_autoptr (GError) e = NULL;
  g_assert_cmpuint (occ_bus_subscribe (f->bus, NULL, "call.*", record, NULL, NULL, &e), >, 0);
  g_assert_no_error (e);
}

static void
test_register_rules (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_bus_register_type (f->bus, NULL, "test.ping", "(su)", "again", &e));
  g_assert_false (occ_bus_register_type (f->bus, NULL, "test.ping", "(s)", "other", &e));
  g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_EXISTS);
  g_clear_error (&e);
  g_assert_false (occ_bus_register_type (f->bus, NULL, "nodot", "(s)", "", &e));
  g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_INVALID);
  g_clear_error (&e);
  g_assert_false (occ_bus_register_type (f->bus, NULL, "test.indefinite", "(s*)", "", &e));
  g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_INVALID);
  g_clear_error (&e);
  g_assert_false (occ_bus_register_type (f->bus, NULL, "test.garbage", "(s", "", &e));
  g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_INVALID);
  g_assert_cmpstr (occ_bus_lookup_signature (f->bus, "test.ping"), ==, "(su)");
  g_assert_null (occ_bus_lookup_signature (f->bus, "test.unknown"));
}

static OccEvent *kept;

static void
keep (const OccEvent *e, gpointer d)
{
  (void) d;
  kept = occ_event_ref (e);
}

static void
test_event_fields (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (OccContext) ctx = occ_context_new (NULL);
  OccPlugin *p = occ_plugin_new_builtin (ctx, "someone");
  g_assert_true (occ_bus_register_type (ctx->bus, NULL, "test.ping", "(su)", "", NULL));
  kept = NULL;
  occ_bus_subscribe (ctx->bus, NULL, "test.ping", keep, NULL, NULL, NULL);
  gint64 before = g_get_monotonic_time ();
  guint64 seq = occ_bus_publish (ctx->bus, p, "test.ping", g_variant_new ("(su)", "hi", 7), NULL);
  occ_bus_flush (ctx->bus);
  g_assert_nonnull (kept);
  g_assert_cmpuint (occ_event_get_seq (kept), ==, seq);
  g_assert_cmpint (occ_event_get_time (kept), >=, before);
  g_assert_cmpint (occ_event_get_time (kept), <=, g_get_monotonic_time ());
  g_assert_cmpstr (occ_event_get_publisher (kept), ==, "someone");
  g_assert_cmpstr (occ_event_get_signature (kept), ==, "(su)");
  const char *s;
  guint32 n;
  g_variant_get (occ_event_get_payload (kept), "(&su)", &s, &n);
  g_assert_cmpstr (s, ==, "hi");
  g_assert_cmpuint (n, ==, 7);
  occ_event_unref (kept);
  occ_plugin_drop_registrations (p);
  occ_plugin_free (p);
  (void) f;
}

/* --- handlers that change the bus ------------------------------------------- */

typedef struct {
  Fixture *f;
  guint self_id;
  guint other_id;
  guint notified;
  guint calls;
} Reentrant;

static void
publishes_pong (const OccEvent *e, gpointer data)
{
  Reentrant *r = data;
  record (e, &(Sub){ r->f, "h" });
  if (g_str_equal (occ_event_get_type_name (e), "test.ping"))
    occ_bus_publish (r->f->bus, NULL, "test.pong", g_variant_new ("(s)", "from-handler"), NULL);
}

static void
test_handler_may_publish (Fixture *f, gconstpointer data)
{
  (void) data;
  Reentrant r = { .f = f };
  occ_bus_subscribe (f->bus, NULL, "test.*", publishes_pong, &r, NULL, NULL);
  ping (f, "a", 1);
  ping (f, "b", 2);
  occ_bus_flush (f->bus);
  /* pongs queue behind the pings already published */
  g_autofree char *got = joined (f);
  g_assert_cmpstr (got, ==, "h:test.ping:1 h:test.ping:2 h:test.pong:3 h:test.pong:4");
}

static void
count_notify (gpointer data)
{
  ((Reentrant *) data)->notified++;
}

static void
unsubscribes_self (const OccEvent *e, gpointer data)
{
  Reentrant *r = data;
  (void) e;
  r->calls++;
  occ_bus_unsubscribe (r->f->bus, r->self_id);
  /* the notify must wait until this handler returns */
  g_assert_cmpuint (r->notified, ==, 0);
}

static void
test_handler_may_unsubscribe_itself (Fixture *f, gconstpointer data)
{
  (void) data;
  Reentrant r = { .f = f };
  r.self_id
      = occ_bus_subscribe (f->bus, NULL, "test.ping", unsubscribes_self, &r, count_notify, NULL);
  ping (f, "a", 1);
  ping (f, "b", 2);
  occ_bus_flush (f->bus);
  g_assert_cmpuint (r.calls, ==, 1);
  g_assert_cmpuint (r.notified, ==, 1);
}

static void
unsubscribes_other (const OccEvent *e, gpointer data)
{
  Reentrant *r = data;
  (void) e;
  r->calls++;
  occ_bus_unsubscribe (r->f->bus, r->other_id);
}

static void
test_handler_may_unsubscribe_another (Fixture *f, gconstpointer data)
{
  (void) data;
  Reentrant r = { .f = f };
  Sub later = { f, "later" };
  occ_bus_subscribe (f->bus, NULL, "test.ping", unsubscribes_other, &r, NULL, NULL);
  r.other_id = occ_bus_subscribe (f->bus, NULL, "test.ping", record, &later, NULL, NULL);
  ping (f, "a", 1);
  occ_bus_flush (f->bus);
  g_assert_cmpuint (r.calls, ==, 1);
  g_assert_cmpuint (f->seen->len, ==, 0); /* removed before its turn */
}

static void
subscribes_new (const OccEvent *e, gpointer data)
{
  Reentrant *r = data;
  (void) e;
  if (r->calls++ == 0)
    r->other_id = occ_bus_subscribe (r->f->bus, NULL, "test.ping", record,
                                     g_memdup2 (&(Sub){ r->f, "new" }, sizeof (Sub)), g_free, NULL);
}

static void
test_handler_may_subscribe (Fixture *f, gconstpointer data)
{
  (void) data;
  Reentrant r = { .f = f };
  occ_bus_subscribe (f->bus, NULL, "test.ping", subscribes_new, &r, NULL, NULL);
  ping (f, "a", 1);
  ping (f, "b", 2); /* queued before the new subscription existed */
  occ_bus_flush (f->bus);
  /* matched at delivery: the new subscriber sees event 2, not event 1 */
  g_autofree char *got = joined (f);
  g_assert_cmpstr (got, ==, "new:test.ping:2");
}

static void
test_drop_owner (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (OccContext) ctx = occ_context_new (NULL);
  OccPlugin *p = occ_plugin_new_builtin (ctx, "owner");
  Reentrant r = { .f = f };
  g_assert_true (occ_bus_register_type (ctx->bus, p, "owner.thing", "(s)", "", NULL));
  occ_bus_subscribe (ctx->bus, p, "*", record, &(Sub){ f, "x" }, NULL, NULL);
  occ_bus_subscribe (ctx->bus, p, "owner.thing", unsubscribes_other, &r, count_notify, NULL);
  g_assert_cmpuint (occ_bus_count_subscriptions (ctx->bus, p), ==, 2);
  occ_bus_publish (ctx->bus, NULL, "owner.thing", g_variant_new ("(s)", "queued"), NULL);
  occ_plugin_drop_registrations (p);
  g_assert_cmpuint (r.notified, ==, 1);
  g_assert_cmpuint (occ_bus_count_subscriptions (ctx->bus, p), ==, 0);
  g_assert_null (occ_bus_lookup_signature (ctx->bus, "owner.thing"));
  /* an event queued before the owner went is still a valid event, and
   * reaches nobody of the owner's */
  occ_bus_flush (ctx->bus);
  g_assert_cmpuint (f->seen->len, ==, 0);
  g_assert_cmpuint (r.calls, ==, 0);
  occ_plugin_free (p);
}

static void
test_standard_catalogue (Fixture *f, gconstpointer data)
{
  (void) data;
  /* every constant names a registered type with the catalogue's payload */
#define CHECK(id, name, sig, doc)                                               \
  g_assert_cmpstr (OCC_EVENT_##id, ==, name);                                   \
  g_assert_cmpstr (occ_bus_lookup_signature (f->bus, OCC_EVENT_##id), ==, sig); \
  g_assert_cmpuint (strlen (doc), >, 10);
  OCC_EVENT_CATALOGUE (CHECK)
#undef CHECK
}

static void
counter (const OccEvent *e, gpointer d)
{
  (void) e;
  (*(guint *) d)++;
}

static void
test_memory_is_flat (Fixture *f, gconstpointer data)
{
  (void) data;
  /* events are freed after delivery: the ring never grows past a batch */
  guint count = 0;
  occ_bus_subscribe (f->bus, NULL, "test.ping", counter, &count, NULL, NULL);
  for (guint round = 0; round < 100; round++)
    {
      for (guint i = 0; i < 1000; i++)
        ping (f, "m", i);
      occ_bus_flush (f->bus);
    }
  OccBusStats st;
  occ_bus_get_stats (f->bus, &st);
  g_assert_cmpuint (count, ==, 100000);
  g_assert_cmpuint (st.queued, ==, 0);
  g_assert_cmpuint (st.delivered, ==, 100000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/bus/publish/delivers-in-order-on-the-main-loop", test_delivers_in_order_on_main_loop);
  ADD ("/bus/publish/refuses-wrong-type", test_refuses_wrong_type);
  ADD ("/bus/publish/accepts-no-payload-for-unit-type", test_unit_payload);
  ADD ("/bus/publish/stamps-seq-time-and-publisher", test_event_fields);
  ADD ("/bus/subscribe/matches-exact-prefix-and-all", test_patterns);
  ADD ("/bus/subscribe/refuses-bad-patterns", test_refuses_bad_patterns);
  ADD ("/bus/register/same-signature-only", test_register_rules);
  ADD ("/bus/handler/may-publish", test_handler_may_publish);
  ADD ("/bus/handler/may-unsubscribe-itself", test_handler_may_unsubscribe_itself);
  ADD ("/bus/handler/may-unsubscribe-another", test_handler_may_unsubscribe_another);
  ADD ("/bus/handler/may-subscribe", test_handler_may_subscribe);
  ADD ("/bus/owner/drop-removes-subscriptions-and-types", test_drop_owner);
  ADD ("/bus/catalogue/every-standard-type-is-registered", test_standard_catalogue);
  ADD ("/bus/memory/events-freed-after-delivery", test_memory_is_flat);
  return g_test_run ();
}
