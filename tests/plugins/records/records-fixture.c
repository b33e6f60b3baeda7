/* See records-fixture.h. */
#include "records-fixture.h"

#include <string.h>

void
rec_fixture_write_config (const char *dir, const RecBackend *backend)
{
  g_autofree char *conf
      = g_strdup_printf ("[core]\n"
                         "plugin-path=%s\n"
                         "data-dir=%s/share\n"
                         "policy-dir=%s/policies\n"
                         "state-dir=state\n"
                         "control-socket=control.sock\n"
                         "control-group=\n"
                         "drain-timeout=5\n"
                         "[plugins]\n"
                         "enabled=%s;records\n",
                         PLUGIN_BUILD_DIR, SOURCE_ROOT, SOURCE_ROOT, backend->plugin);
  occ_test_write (dir, "omnicc.conf", conf);
  g_autofree char *snippet = backend->config ? backend->config () : NULL;
  if (snippet)
    {
      g_autofree char *name = g_strdup_printf ("plugins.d/%s.conf", backend->plugin);
      occ_test_write (dir, name, snippet);
    }
}

static gboolean
store_ready (gpointer data)
{
  RecFixture *f = data;
  g_autoptr (GVariant) st = f->store->get_status (f->store);
  const char *state = NULL;
  g_variant_lookup (st, "state", "&s", &state);
  return g_strcmp0 (state, "ready") == 0;
}

void
rec_fixture_setup (RecFixture *f, gconstpointer data)
{
  f->backend = data;
  f->dir = occ_test_mkdtemp ();
  rec_fixture_write_config (f->dir, f->backend);
  g_autofree char *path = g_build_filename (f->dir, "omnicc.conf", NULL);
  g_autoptr (GError) e = NULL;
  OccConfig *config = occ_config_load (path, &e);
  g_assert_no_error (e);
  f->ctx = occ_context_new (config);
  occ_loader_scan (f->ctx->loader, occ_config_get_plugin_path (config));
  g_assert_true (occ_loader_load (f->ctx->loader, f->backend->plugin, &e));
  g_assert_no_error (e);
  f->store = occ_registry_lookup (f->ctx->registry, OCC_STORE_SERVICE, OCC_STORE_VERSION, &e);
  g_assert_no_error (e);
  g_assert_true (occ_test_wait_for (store_ready, f, 30000));
  g_assert_true (occ_loader_load (f->ctx->loader, "records", &e));
  g_assert_no_error (e);
  f->records = occ_registry_lookup (f->ctx->registry, OCC_RECORDS_SERVICE, OCC_RECORDS_VERSION, &e);
  g_assert_no_error (e);
}

void
rec_fixture_teardown (RecFixture *f, gconstpointer data)
{
  (void) data;
  occ_context_free (f->ctx);
  occ_test_rmtree (f->dir);
  g_free (f->dir);
}

/* --- answers --------------------------------------------------------------------- */

void
rec_answer_clear (RecAnswer *a)
{
  g_clear_pointer (&a->result, g_variant_unref);
  g_clear_error (&a->error);
  a->done = FALSE;
}

void
rec_answer_cb (GVariant *result, const GError *error, gpointer data)
{
  RecAnswer *a = data;
  g_assert_false (a->done); /* exactly once */
  a->done = TRUE;
  g_assert_true ((result == NULL) != (error == NULL));
  if (result)
    a->result = g_variant_ref (result);
  if (error)
    a->error = g_error_copy (error);
}

static gboolean
answered (gpointer data)
{
  return ((RecAnswer *) data)->done;
}

void
rec_answer_wait (RecAnswer *a)
{
  /* never before the call returned */
  g_assert_false (a->done);
  g_assert_true (occ_test_wait_for (answered, a, 30000));
}

static GVariant *
take (RecAnswer *a, GError **error)
{
  rec_answer_wait (a);
  if (a->error)
    {
      g_propagate_error (error, g_steal_pointer (&a->error));
      return NULL;
    }
  return g_steal_pointer (&a->result);
}

GVariant *
rec_put (RecFixture *f, const char *entity, GVariant *record, GError **error)
{
  RecAnswer a = { 0 };
  f->records->put (f->records, entity, record, rec_answer_cb, &a);
  return take (&a, error);
}

GVariant *
rec_get (RecFixture *f, const char *entity, const char *id, GError **error)
{
  RecAnswer a = { 0 };
  f->records->get (f->records, entity, id, rec_answer_cb, &a);
  return take (&a, error);
}

GVariant *
rec_find (RecFixture *f, const char *entity, GVariant *where, const char *order, guint limit,
          GError **error)
{
  RecAnswer a = { 0 };
  f->records->find (f->records, entity, where, order, limit, rec_answer_cb, &a);
  return take (&a, error);
}

GVariant *
rec_remove (RecFixture *f, const char *entity, const char *id, GError **error)
{
  RecAnswer a = { 0 };
  f->records->remove (f->records, entity, id, rec_answer_cb, &a);
  return take (&a, error);
}

GVariant *
rec_screen_pop (RecFixture *f, const char *number, guint n, GError **error)
{
  RecAnswer a = { 0 };
  f->records->screen_pop (f->records, number, n, rec_answer_cb, &a);
  return take (&a, error);
}

GVariant *
rec_put_ok (RecFixture *f, const char *entity, const char *text)
{
  g_autoptr (GError) e = NULL;
  GVariant *r = rec_put (f, entity, g_variant_new_parsed (text), &e);
  g_assert_no_error (e);
  g_assert_nonnull (r);
  return r;
}

/* --- the database ------------------------------------------------------------------ */

typedef struct {
  gboolean done;
  gint64 value;
  GError *error;
} Count;

static void
on_count (GPtrArray *results, const GError *error, gpointer data)
{
  Count *c = data;
  c->done = TRUE;
  if (error)
    c->error = g_error_copy (error);
  else
    c->value = occ_store_result_get_int (g_ptr_array_index (results, 0), 0, 0);
}

static gboolean
counted (gpointer data)
{
  return ((Count *) data)->done;
}

gint64
rec_count (RecFixture *f, const char *sql)
{
  Count c = { 0 };
  occ_store_execute1 (f->store, sql, NULL, OCC_STORE_FLAGS_NONE, on_count, &c);
  g_assert_true (occ_test_wait_for (counted, &c, 30000));
  g_assert_no_error (c.error);
  return c.value;
}

/* --- comparing values ---------------------------------------------------------------- */

static gboolean
as_int (GVariant *v, gint64 *out)
{
  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_BYTE:
      *out = g_variant_get_byte (v);
      return TRUE;
    case G_VARIANT_CLASS_INT16:
      *out = g_variant_get_int16 (v);
      return TRUE;
    case G_VARIANT_CLASS_INT32:
      *out = g_variant_get_int32 (v);
      return TRUE;
    case G_VARIANT_CLASS_UINT32:
      *out = g_variant_get_uint32 (v);
      return TRUE;
    case G_VARIANT_CLASS_INT64:
      *out = g_variant_get_int64 (v);
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
rec_same_value (GVariant *a, GVariant *b)
{
  if (g_variant_is_of_type (a, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr (GVariant) inner = g_variant_get_variant (a);
      return rec_same_value (inner, b);
    }
  if (g_variant_is_of_type (b, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr (GVariant) inner = g_variant_get_variant (b);
      return rec_same_value (a, inner);
    }
  gint64 x, y;
  if (as_int (a, &x) && as_int (b, &y))
    return x == y;
  if (g_variant_is_of_type (a, G_VARIANT_TYPE_VARDICT)
      && g_variant_is_of_type (b, G_VARIANT_TYPE_VARDICT))
    {
      if (g_variant_n_children (a) != g_variant_n_children (b))
        return FALSE;
      GVariantIter iter;
      const char *key;
      GVariant *value;
      g_variant_iter_init (&iter, a);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          g_autoptr (GVariant) va = value;
          g_autoptr (GVariant) vb = g_variant_lookup_value (b, key, NULL);
          if (vb == NULL || !rec_same_value (va, vb))
            return FALSE;
        }
      return TRUE;
    }
  return g_variant_equal (a, b);
}
