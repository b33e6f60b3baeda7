/* auth-local: the password history, in the table password_history
 * (share/sql/0003-password-history.sql) that this plugin owns and reads
 * and writes through the store directly. Each password a local account
 * gets is added; only the last `history` (policy) are kept. */
#include "auth-local.h"

static const char *
user_id (AlOp *op)
{
  return al_user_string (op->user, "id");
}

static void
on_loaded (GPtrArray *results, const GError *error, gpointer data)
{
  AlOp *op = data;
  if (!al_op_alive (op))
    return;
  if (error)
    op->error = g_error_copy (error);
  else
    {
      OccStoreResult *rows = g_ptr_array_index (results, 0);
      guint n = occ_store_result_get_n_rows (rows);
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      for (guint i = 0; i < n; i++)
        {
          const char *hash = occ_store_result_get_string (rows, i, 0);
          if (hash)
            g_strv_builder_add (b, hash);
        }
      g_strfreev (op->history);
      op->history = g_strv_builder_end (b);
    }
  op->next (op);
}

void
al_history_load (AlOp *op, AlStep next)
{
  AuthLocal *self = op->self;
  op->next = next;
  g_clear_error (&op->error);
  occ_store_execute1 (self->store,
                      "SELECT hash FROM password_history WHERE user_id = $1 "
                      "ORDER BY set_at DESC LIMIT $2",
                      g_variant_new ("(sx)", user_id (op), (gint64) self->policy.history),
                      OCC_STORE_FLAGS_NONE, on_loaded, op);
}

static void
on_added (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  AlOp *op = data;
  if (!al_op_alive (op))
    return;
  if (error)
    op->error = g_error_copy (error);
  op->next (op);
}

void
al_history_add (AlOp *op, const char *hash, AlStep next)
{
  AuthLocal *self = op->self;
  op->next = next;
  g_clear_error (&op->error);
  const char *id = user_id (op);
  gint64 now = g_get_real_time () / 1000;
  /* one transaction: the new row, then all but the newest `history` go */
  OccStoreStatement st[] = {
    { "INSERT INTO password_history (user_id, hash, set_at) VALUES ($1, $2, $3)",
      g_variant_new ("(ssx)", id, hash, now) },
    { "DELETE FROM password_history WHERE user_id = $1 AND hash NOT IN "
      "(SELECT hash FROM password_history WHERE user_id = $1 ORDER BY set_at DESC LIMIT $2)",
      g_variant_new ("(sx)", id, (gint64) self->policy.history) },
  };
  self->store->execute (self->store, st, G_N_ELEMENTS (st), OCC_STORE_TRANSACTION, self->cancel,
                        on_added, op);
}
