/* records: the "records" service — the contact center's domain records,
 * read and written without SQL, on top of the "store" service. It is the
 * one place in omnicc that writes SQL for the shared tables.
 *
 * Every record is checked field by field before anything is written
 * (fields.c); a write is one store transaction that also reads the record
 * back, so the answer is what was stored.
 *
 * Operations in flight outlive an unload: the store still holds their
 * callbacks, so the object is linked with -z nodelete and the state is
 * freed when the last one comes back; their callers are answered at
 * unload. See plugins/records/README.md for the entities and fields. */
#include "records-private.h"

#include <string.h>

#define FIND_MAX_LIMIT 10000
#define SCREEN_POP_MAX 100

typedef struct {
  Records *self;
  RecOpKind kind;
  const RecEntity *entity;
  RecRecord *record; /* a put's record, for naming fields in errors */
  RecBatch *batch;
  char *key;                   /* get/remove: the id; screen_pop: the number */
  OccRecordsCallback callback; /* NULL once answered */
  gpointer user_data;
  GError *early; /* refused before reaching the store */
  gboolean held;
} RecOp;

static Records *
records_ref (Records *self)
{
  g_atomic_int_inc (&self->ref);
  return self;
}

static void
records_unref (Records *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref))
    return;
  g_hash_table_unref (self->pending);
  g_object_unref (self->cancel);
  g_free (self);
}

/* --- operations ------------------------------------------------------------------ */

static RecOp *
op_new (Records *self, RecOpKind kind, OccRecordsCallback callback, gpointer user_data)
{
  RecOp *op = g_new0 (RecOp, 1);
  op->self = records_ref (self);
  op->kind = kind;
  op->callback = callback;
  op->user_data = user_data;
  g_hash_table_add (self->pending, op);
  if (self->plugin)
    {
      /* a stopping daemon waits for writes in flight */
      occ_plugin_hold (self->plugin);
      op->held = TRUE;
    }
  return op;
}

static void
op_free (gpointer data)
{
  RecOp *op = data;
  g_hash_table_remove (op->self->pending, op);
  rec_record_free (op->record);
  rec_batch_free (op->batch);
  g_free (op->key);
  g_clear_error (&op->early);
  records_unref (op->self);
  g_free (op);
}

/* Answers the caller, once; the op itself lives on until its store call
 * or idle source is done with it. */
static void
op_finish (RecOp *op, GVariant *result, const GError *error)
{
  OccRecordsCallback callback = op->callback;
  op->callback = NULL;
  g_hash_table_remove (op->self->pending, op);
  if (callback)
    callback (result, error, op->user_data);
  /* after the callback, which may itself hold the daemon for more work;
   * an unload meanwhile dropped the hold already */
  if (op->held && op->self->plugin)
    occ_plugin_release (op->self->plugin);
  op->held = FALSE;
}

static gboolean
op_idle (gpointer data)
{
  RecOp *op = data;
  if (op->callback)
    op_finish (op, NULL, op->early);
  return G_SOURCE_REMOVE;
}

/* Refuses @op with @error (transfer full), from the main loop, so the
 * callback never runs before the call returns. */
static void
op_fail (RecOp *op, GError *error)
{
  op->early = error;
  if (op->self->plugin == NULL)
    {
      op_finish (op, NULL, op->early);
      op_free (op);
      return;
    }
  GSource *source = g_idle_source_new ();
  g_source_set_callback (source, op_idle, op, op_free);
  occ_plugin_attach_source (op->self->plugin, source);
  g_source_unref (source);
}

static GError *
not_found (RecOp *op)
{
  g_autofree char *key = rec_quote (op->key ? op->key : "", -1);
  if (op->kind == REC_OP_SCREEN_POP)
    return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND,
                        "no customer has the number %s", key);
  return g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND, "%s %s does not exist",
                      op->entity->name, key);
}

/* The screen-pop's answer from its two results. */
static GVariant *
screen_pop_result (OccStoreResult *customer_rows, OccStoreResult *interactions)
{
  const RecEntity *customer = rec_entity_lookup ("customer");
  int col = occ_store_result_find_column (customer_rows, customer->side->value_column);
  guint n = occ_store_result_get_n_rows (customer_rows);
  g_autoptr (GStrvBuilder) numbers = g_strv_builder_new ();
  for (guint i = 0; col >= 0 && i < n; i++)
    g_strv_builder_add (numbers, occ_store_result_get_string (customer_rows, i, col));
  g_auto (GStrv) phones = g_strv_builder_end (numbers);
  g_autoptr (GVariant) rows
      = g_variant_ref_sink (rec_rows_to_records (customer, customer_rows, NULL));
  g_autoptr (GVariant) first = g_variant_get_child_value (rows, 0);
  GVariantDict record;
  g_variant_dict_init (&record, first);
  g_variant_dict_insert_value (&record, rec_entity_side_field (customer)->name,
                               g_variant_new_strv ((const char *const *) phones, -1));
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "customer", g_variant_dict_end (&record));
  g_variant_builder_add (&b, "{sv}", "phones",
                         g_variant_new_strv ((const char *const *) phones, -1));
  g_variant_builder_add (
      &b, "{sv}", "interactions",
      rec_rows_to_records (rec_entity_lookup ("interaction"), interactions, NULL));
  return g_variant_builder_end (&b);
}

/* What @op answers, from the store's results; NULL with @error set. */
static GVariant *
op_result (RecOp *op, GPtrArray *results, GError **error)
{
  OccStoreResult *last = g_ptr_array_index (results, results->len - 1);
  if (op->kind == REC_OP_REMOVE)
    {
      if (occ_store_result_get_changes (last) == 0)
        {
          *error = not_found (op);
          return NULL;
        }
      return g_variant_new_parsed ("{'id': <%s>}", op->key);
    }
  if (op->kind == REC_OP_SCREEN_POP)
    {
      OccStoreResult *customer = g_ptr_array_index (results, 0);
      if (occ_store_result_get_n_rows (customer) == 0)
        {
          *error = not_found (op);
          return NULL;
        }
      return screen_pop_result (customer, last);
    }
  guint reads = rec_sql_n_reads (op->entity);
  OccStoreResult *rows = g_ptr_array_index (results, results->len - reads);
  GVariant *list = rec_rows_to_records (op->entity, rows, reads > 1 ? last : NULL);
  if (op->kind == REC_OP_FIND)
    return list;
  g_autoptr (GVariant) owned = g_variant_ref_sink (list);
  if (g_variant_n_children (owned) == 0)
    {
      *error = not_found (op);
      return NULL;
    }
  return g_variant_get_child_value (owned, 0);
}

static void
on_store_done (GPtrArray *results, const GError *error, gpointer data)
{
  RecOp *op = data;
  if (op->callback)
    {
      g_autoptr (GError) mapped = NULL;
      g_autoptr (GVariant) result = NULL;
      if (error)
        mapped = rec_error_from_store (op->entity, op->record, op->kind, error);
      else if (results == NULL || results->len != op->batch->statements->len)
        mapped
            = g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE,
                           "%s: the store answered %u results for %u statements", op->entity->name,
                           results ? results->len : 0, op->batch->statements->len);
      else
        result = op_result (op, results, &mapped);
      if (result)
        g_variant_take_ref (result);
      op_finish (op, result, mapped);
    }
  op_free (op);
}

static void
op_execute (RecOp *op, OccStoreFlags flags)
{
  Records *self = op->self;
  guint n;
  const OccStoreStatement *st = rec_batch_statements (op->batch, &n);
  self->store->execute (self->store, st, n, flags, self->cancel, on_store_done, op);
}

void
rec_run (Records *self, RecOpKind kind, const RecEntity *entity, RecRecord *record, RecBatch *batch,
         OccStoreFlags flags, OccRecordsCallback callback, gpointer user_data)
{
  RecOp *op = op_new (self, kind, callback, user_data);
  op->entity = entity;
  op->record = record;
  op->batch = batch;
  op_execute (op, flags);
}

/* The entity named @name, or NULL with @op refused. */
static const RecEntity *
op_entity (RecOp *op, const char *name)
{
  op->entity = rec_entity_lookup (name);
  if (op->entity == NULL)
    {
      g_autofree char *names = rec_entity_names ();
      g_autofree char *q = rec_quote (name ? name : "", -1);
      op_fail (op, g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                                "%s is not an entity (%s)", q, names));
    }
  return op->entity;
}

/* --- the service ----------------------------------------------------------------- */

static void
records_put (const OccRecordsService *service, const char *entity, GVariant *record,
             OccRecordsCallback callback, gpointer user_data)
{
  Records *self = (Records *) service;
  g_autoptr (GVariant) owned = record ? g_variant_ref_sink (record) : NULL;
  RecOp *op = op_new (self, REC_OP_PUT, callback, user_data);
  if (op_entity (op, entity) == NULL)
    return;
  GError *error = NULL;
  op->record = rec_record_parse (op->entity, record, REC_PARSE_PUT, &error);
  if (op->record == NULL)
    {
      op_fail (op, error);
      return;
    }
  gboolean insert = op->record->id == NULL || (op->entity->flags & REC_ENTITY_APPEND_ONLY);
  op->key = op->record->id ? g_strdup (op->record->id) : g_uuid_string_random ();
  op->batch = rec_batch_new ();
  rec_sql_put (op->batch, op->record, op->key, insert, g_get_real_time () / 1000);
  op_execute (op, OCC_STORE_TRANSACTION);
}

static void
records_get (const OccRecordsService *service, const char *entity, const char *id,
             OccRecordsCallback callback, gpointer user_data)
{
  Records *self = (Records *) service;
  RecOp *op = op_new (self, REC_OP_GET, callback, user_data);
  if (op_entity (op, entity) == NULL)
    return;
  GError *error = NULL;
  if (!rec_check_id (op->entity, id, &error))
    {
      op_fail (op, error);
      return;
    }
  op->key = g_strdup (id);
  op->batch = rec_batch_new ();
  rec_sql_get (op->batch, op->entity, id);
  op_execute (op, OCC_STORE_FLAGS_NONE);
}

static void
add_message (GString *problems, GError *error)
{
  if (error == NULL)
    return;
  g_string_append_printf (problems, "%s%s", problems->len ? "; " : "", error->message);
  g_error_free (error);
}

static void
records_find (const OccRecordsService *service, const char *entity, GVariant *where,
              const char *order_by, guint limit, OccRecordsCallback callback, gpointer user_data)
{
  Records *self = (Records *) service;
  g_autoptr (GVariant) owned = where ? g_variant_ref_sink (where) : NULL;
  RecOp *op = op_new (self, REC_OP_FIND, callback, user_data);
  if (op_entity (op, entity) == NULL)
    return;
  g_autoptr (GVariant) empty = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  g_autoptr (GString) problems = g_string_new (NULL);
  GError *error = NULL;
  op->record = rec_record_parse (op->entity, where ? where : empty, REC_PARSE_WHERE, &error);
  add_message (problems, g_steal_pointer (&error));
  const RecField *order;
  gboolean descending;
  if (!rec_parse_order (op->entity, order_by, &order, &descending, &error))
    add_message (problems, g_steal_pointer (&error));
  if (limit < 1 || limit > FIND_MAX_LIMIT)
    g_string_append_printf (problems, "%slimit: %u is out of range 1..%u",
                            problems->len ? "; " : "", limit, FIND_MAX_LIMIT);
  if (problems->len)
    {
      op_fail (op,
               g_error_new_literal (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, problems->str));
      return;
    }
  op->batch = rec_batch_new ();
  rec_sql_find (op->batch, op->record, order, descending, limit);
  op_execute (op, OCC_STORE_FLAGS_NONE);
}

static void
records_remove (const OccRecordsService *service, const char *entity, const char *id,
                OccRecordsCallback callback, gpointer user_data)
{
  Records *self = (Records *) service;
  RecOp *op = op_new (self, REC_OP_REMOVE, callback, user_data);
  if (op_entity (op, entity) == NULL)
    return;
  GError *error = NULL;
  if (op->entity->flags & REC_ENTITY_APPEND_ONLY)
    {
      op_fail (op,
               g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                            "%s: records are append-only and cannot be removed", op->entity->name));
      return;
    }
  if (!rec_check_id (op->entity, id, &error))
    {
      op_fail (op, error);
      return;
    }
  op->key = g_strdup (id);
  op->batch = rec_batch_new ();
  rec_sql_remove (op->batch, op->entity, id);
  op_execute (op, op->entity->side ? OCC_STORE_TRANSACTION : OCC_STORE_FLAGS_NONE);
}

static void
records_screen_pop (const OccRecordsService *service, const char *number, guint n_interactions,
                    OccRecordsCallback callback, gpointer user_data)
{
  Records *self = (Records *) service;
  RecOp *op = op_new (self, REC_OP_SCREEN_POP, callback, user_data);
  op->entity = rec_entity_lookup ("customer");
  GError *error = NULL;
  if (!rec_check_e164 ("number", number, &error))
    {
      op_fail (op, error);
      return;
    }
  if (n_interactions > SCREEN_POP_MAX)
    {
      op_fail (op, g_error_new (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                                "interactions: %u is out of range 0..%u", n_interactions,
                                SCREEN_POP_MAX));
      return;
    }
  op->key = g_strdup (number);
  op->batch = rec_batch_new ();
  rec_sql_screen_pop (op->batch, number, n_interactions);
  op_execute (op, OCC_STORE_FLAGS_NONE);
}

static GVariant *
records_describe (const OccRecordsService *service)
{
  (void) service;
  return rec_describe ();
}

/* --- the plugin ------------------------------------------------------------------ */

static OccLoadResult
records_load (OccPlugin *plugin, GError **error)
{
  const OccStoreService *store
      = occ_service_lookup (plugin, OCC_STORE_SERVICE, OCC_STORE_VERSION, error);
  if (store == NULL)
    return OCC_LOAD_FAILED;
  Records *self = g_new0 (Records, 1);
  self->ref = 1;
  self->plugin = plugin;
  self->store = store;
  self->cancel = g_cancellable_new ();
  self->pending = g_hash_table_new (NULL, NULL);
  self->service = (OccRecordsService){
    .header = OCC_SERVICE_HEADER (OccRecordsService, OCC_RECORDS_VERSION),
    .put = records_put,
    .get = records_get,
    .find = records_find,
    .remove = records_remove,
    .screen_pop = records_screen_pop,
    .describe = records_describe,
  };
  if (!occ_service_provide (plugin, OCC_RECORDS_SERVICE, &self->service, error)
      || !rec_commands_register (self, error))
    {
      /* unload() is not called after a failed load; the core drops what
       * was registered */
      occ_service_withdraw (plugin, OCC_RECORDS_SERVICE);
      self->plugin = NULL;
      records_unref (self);
      return OCC_LOAD_FAILED;
    }
  occ_plugin_set_user_data (plugin, self);
  return OCC_LOAD_OK;
}

static void
records_unload (OccPlugin *plugin)
{
  Records *self = occ_plugin_get_user_data (plugin);
  if (self == NULL)
    return;
  occ_service_withdraw (plugin, OCC_RECORDS_SERVICE);
  self->plugin = NULL; /* the core drops our holds and sources */
  g_cancellable_cancel (self->cancel);
  g_autoptr (GError) gone = g_error_new_literal (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE,
                                                 "the records plugin was unloaded");
  g_autoptr (GList) ops = g_hash_table_get_keys (self->pending);
  for (GList *l = ops; l; l = l->next)
    {
      RecOp *op = l->data;
      op->held = FALSE;
      op_finish (op, NULL, op->early ? op->early : gone);
    }
  records_unref (self);
}

OCC_PLUGIN_DEFINE (.name = "records", .version = "1.0",
                   .summary = "The domain records (customers, interactions, agents, queues…) "
                              "over the store, without SQL",
                   .license = "GPL-3.0-or-later", .requires = OCC_LIST ("service:store"),
                   .provides = OCC_LIST ("records"), .load = records_load,
                   .unload = records_unload);
