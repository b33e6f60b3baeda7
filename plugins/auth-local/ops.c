/* auth-local: operations and their steps; see auth-local.h.
 *
 * An operation outlives an unload when one of its steps is in flight: the
 * records service, the store or a hashing job still holds it. Unload
 * answers its caller at once (al_op_answer_all); the step, when it comes
 * back, finds the op answered and only frees it. The object is linked with
 * -z nodelete so that this code is still there to run. */
#include "auth-local.h"

/* --- lifecycle --------------------------------------------------------------------- */

static void fail_later (AlOp *op, GError *error);

AlOp *
al_op_new (AuthLocal *self, const char *what, gboolean auth_errors, AlDoneFunc done,
           gpointer done_data)
{
  AlOp *op = g_new0 (AlOp, 1);
  op->self = al_ref (self);
  op->what = what;
  op->auth_errors = auth_errors;
  op->done = done;
  op->done_data = done_data;
  g_hash_table_add (self->pending, op);
  if (self->plugin == NULL)
    {
      /* a caller that kept the service past its removal */
      fail_later (op, g_error_new_literal (OCC_AUTH_ERROR, OCC_AUTH_ERROR_UNAVAILABLE,
                                           "the auth-local plugin was unloaded"));
      return NULL;
    }
  /* a stopping daemon lets password changes finish */
  occ_plugin_hold (self->plugin);
  op->held = TRUE;
  return op;
}

void
al_op_set_login (AlOp *op, const char *login)
{
  g_free (op->login);
  g_free (op->who);
  op->login = g_strdup (login);
  op->who = al_quote (login);
}

static void
op_release (AlOp *op)
{
  if (op->held && op->self->plugin)
    occ_plugin_release (op->self->plugin);
  op->held = FALSE;
}

static void
op_free (AlOp *op)
{
  g_hash_table_remove (op->self->pending, op);
  op_release (op);
  g_free (op->login);
  g_free (op->who);
  al_secret_free (op->secret);
  al_secret_free (op->new_secret);
  g_clear_pointer (&op->user, g_variant_unref);
  g_clear_pointer (&op->found, g_variant_unref);
  g_strfreev (op->history);
  g_clear_object (&op->job_task);
  g_free (op->new_hash);
  g_clear_error (&op->error);
  if (op->data_free)
    op->data_free (op->data);
  al_unref (op->self);
  g_free (op);
}

/* The error as the caller sees it: hashes redacted from whatever the store
 * said, and only OCC_AUTH_ERROR for the service's callers — for whom a
 * user record that is not there is an unknown login (DENIED), and a unique
 * value taken is the login (EXISTS: the only unique field of a user). */
static GError *
public_error (AlOp *op, const GError *error)
{
  g_autofree char *message = al_redact (error->message);
  if (!op->auth_errors || error->domain == OCC_AUTH_ERROR)
    return g_error_new_literal (error->domain, error->code, message);
  if (g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND))
    return g_error_new_literal (OCC_AUTH_ERROR, OCC_AUTH_ERROR_DENIED, message);
  if (g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_CONFLICT))
    return g_error_new_literal (OCC_AUTH_ERROR, OCC_AUTH_ERROR_EXISTS, message);
  return g_error_new (OCC_AUTH_ERROR, OCC_AUTH_ERROR_UNAVAILABLE, "the account store failed: %s",
                      message);
}

static void
op_answer (AlOp *op, GVariant *result, const GError *error)
{
  g_autoptr (GVariant) owned = result ? g_variant_ref_sink (result) : NULL;
  if (op->answered)
    return;
  op->answered = TRUE;
  g_hash_table_remove (op->self->pending, op);
  g_autoptr (GError) e = error ? public_error (op, error) : NULL;
  if (op->done)
    op->done (e ? NULL : owned, e, op->done_data);
  /* after the callback, which may start more work */
  op_release (op);
}

void
al_op_finish (AlOp *op, GVariant *result, const GError *error)
{
  op_answer (op, result, error);
  op_free (op);
}

gboolean
al_op_failed (AlOp *op)
{
  if (op->error == NULL)
    return FALSE;
  al_op_finish (op, NULL, op->error);
  return TRUE;
}

/* After unload answered it, a step coming back only frees the op. */
gboolean
al_op_alive (AlOp *op)
{
  if (!op->answered)
    return TRUE;
  op_free (op);
  return FALSE;
}

static gboolean
fail_idle (gpointer data)
{
  AlOp *op = data;
  op_answer (op, NULL, op->error);
  return G_SOURCE_REMOVE;
}

static void
fail_later (AlOp *op, GError *error)
{
  g_clear_error (&op->error);
  op->error = error;
  GSource *source = g_idle_source_new ();
  g_source_set_callback (source, fail_idle, op, (GDestroyNotify) op_free);
  if (op->self->plugin)
    occ_plugin_attach_source (op->self->plugin, source);
  else
    g_source_attach (source, NULL);
  g_source_unref (source);
}

void
al_op_answer_all (AuthLocal *self, const GError *error)
{
  g_autoptr (GList) ops = g_hash_table_get_keys (self->pending);
  for (GList *l = ops; l; l = l->next)
    {
      AlOp *op = l->data;
      op->held = FALSE; /* the core drops the plugin's holds */
      op_answer (op, NULL, error);
    }
}

void
al_op_fail_later (AlOp *op, GError *error)
{
  fail_later (op, error);
}

/* --- steps --------------------------------------------------------------------------- */

static void
on_found (GVariant *result, const GError *error, gpointer data)
{
  AlOp *op = data;
  if (!al_op_alive (op))
    return;
  if (error)
    op->error = g_error_copy (error);
  else
    op->found = g_variant_ref (result);
  op->next (op);
}

void
al_op_find (AlOp *op, GVariant *where, const char *order_by, guint limit, AlStep next)
{
  op->next = next;
  g_clear_error (&op->error);
  g_clear_pointer (&op->found, g_variant_unref);
  op->self->records->find (op->self->records, "user", where, order_by, limit, on_found, op);
}

static void
user_found (AlOp *op)
{
  g_clear_pointer (&op->user, g_variant_unref);
  if (op->found && g_variant_n_children (op->found) > 0)
    op->user = g_variant_get_child_value (op->found, 0);
  op->user_next (op);
}

void
al_op_find_user (AlOp *op, AlStep next)
{
  GVariant *where
      = op->login ? g_variant_new_parsed ("{'login': <%s>, 'source': <%s>}", op->login, AL_SOURCE)
                  : g_variant_new_parsed ("{'source': <%s>}", AL_SOURCE);
  op->user_next = next;
  al_op_find (op, where, NULL, 1, user_found);
}

static void
on_user_put (GVariant *result, const GError *error, gpointer data)
{
  AlOp *op = data;
  if (!al_op_alive (op))
    return;
  if (error)
    op->error = g_error_copy (error);
  else
    {
      g_clear_pointer (&op->user, g_variant_unref);
      op->user = g_variant_ref (result);
    }
  op->next (op);
}

void
al_op_put_user (AlOp *op, GVariant *record, AlStep next)
{
  op->next = next;
  g_clear_error (&op->error);
  op->self->records->put (op->self->records, "user", record, on_user_put, op);
}

static void
on_job_done (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  AlOp *op = data;
  if (!al_op_alive (op))
    return;
  op->job = al_hasher_finish (result, &op->error);
  if (op->job)
    op->job_task = g_object_ref (G_TASK (result));
  if (op->job && op->job->failed)
    op->error = g_error_new_literal (OCC_AUTH_ERROR, OCC_AUTH_ERROR_UNAVAILABLE,
                                     "the password could not be hashed (out of memory?)");
  op->next (op);
}

void
al_op_run_job (AlOp *op, AlJob *job, AlStep next)
{
  op->next = next;
  g_clear_error (&op->error);
  g_clear_object (&op->job_task);
  op->job = NULL;
  GError *e = NULL;
  if (!al_hasher_run (op->self->hasher, job, on_job_done, op, &e))
    al_op_fail_later (op, e);
}

/* --- accounts ---------------------------------------------------------------------- */

const char *
al_user_string (GVariant *user, const char *field)
{
  const char *s = NULL;
  if (user)
    g_variant_lookup (user, field, "&s", &s);
  return s;
}

gint64
al_user_time (GVariant *user, const char *field, gint64 fallback)
{
  gint64 t = fallback;
  if (user)
    g_variant_lookup (user, field, "x", &t);
  return t;
}

gboolean
al_user_enabled (GVariant *user)
{
  gboolean enabled = TRUE;
  g_variant_lookup (user, "enabled", "b", &enabled);
  return enabled;
}

GVariant *
al_identity (AuthLocal *self, GVariant *user)
{
  const char *login = al_user_string (user, "login");
  const char *name = al_user_string (user, "display_name");
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "login", g_variant_new_string (login));
  g_variant_builder_add (&b, "{sv}", "display-name",
                         g_variant_new_string (name && *name ? name : login));
  g_variant_builder_add (&b, "{sv}", "source", g_variant_new_string (AL_SOURCE));
  /* local accounts belong to no directory group */
  g_variant_builder_add (&b, "{sv}", "groups", g_variant_new_strv (NULL, 0));
  g_variant_builder_add (&b, "{sv}", "user-id", g_variant_new_string (al_user_string (user, "id")));
  /* password_changed_at 0 marks a one-time password: the user entity has
   * no field of its own for it, and no real change happens at the epoch */
  gint64 changed = al_user_time (user, "password_changed_at", -1);
  if (changed == 0)
    g_variant_builder_add (&b, "{sv}", "must-change-password", g_variant_new_boolean (TRUE));
  else if (changed > 0 && self->policy.max_age_days > 0)
    g_variant_builder_add (
        &b, "{sv}", "password-expires-at",
        g_variant_new_int64 (changed + (gint64) self->policy.max_age_days * 24 * 3600 * 1000));
  if (g_strcmp0 (al_user_string (user, "id"), AL_BOOTSTRAP_ID) == 0)
    g_variant_builder_add (&b, "{sv}", "bootstrap", g_variant_new_boolean (TRUE));
  return g_variant_builder_end (&b);
}
