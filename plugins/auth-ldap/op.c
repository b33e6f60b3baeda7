/* The LDAP operations of a connection: searches and binds sent with a
 * msgid, each with a deadline (the connection's timer watches the oldest),
 * at most LA_CONN_MAX_OPS in flight and the rest waiting in order. An
 * answer goes to the request that asked (request.c). */
#include "ldapauth.h"

#include <string.h>

/* --- sending ----------------------------------------------------------------- */

static void
op_enqueue (LaConn *c, LaOp *op, GQueue *queue)
{
  op->queue = queue;
  op->link.data = op;
  g_queue_push_tail_link (queue, &op->link);
}

static void
op_dequeue (LaOp *op)
{
  if (op->queue == NULL)
    return;
  g_queue_unlink (op->queue, &op->link);
  if (op->msgid > 0)
    g_hash_table_remove (op->conn->by_msgid, GINT_TO_POINTER (op->msgid));
  op->queue = NULL;
}

/* Sent: an answer is expected before the deadline. */
static void
op_sent (LaConn *c, LaOp *op, int rc)
{
  if (rc != LDAP_SUCCESS)
    {
      /* a local refusal (bad filter): answered like a server's result */
      op->local_rc = rc;
      op_enqueue (c, op, &c->local);
      c->more = TRUE;
      la_conn_update_timer (c);
      return;
    }
  op->deadline = g_get_monotonic_time () + (gint64) c->la->cfg->timeout * G_USEC_PER_SEC;
  op_enqueue (c, op, &c->ops);
  g_hash_table_insert (c->by_msgid, GINT_TO_POINTER (op->msgid), op);
  la_conn_update_timer (c);
}

static void
op_send_search (LaConn *c, LaOp *op)
{
  struct timeval limit = { c->la->cfg->timeout, 0 };
  int rc = ldap_search_ext (c->ld, op->base, op->scope, op->filter, (char **) op->attrs, 0, NULL,
                            NULL, &limit, op->sizelimit, &op->msgid);
  if (rc == LDAP_SERVER_DOWN || rc == LDAP_BUSY || rc == LDAP_NO_MEMORY)
    {
      g_autofree char *text = la_conn_error_text (c, rc);
      la_conn_failf (c, "cannot send a search: %s", text);
      op_enqueue (c, op, &c->backlog);
      return;
    }
  op_sent (c, op, rc);
}

LaOp *
la_conn_search (LaConn *c, LaRequest *req, LaOpKind kind, const char *base, int scope,
                const char *filter, const char *const *attrs, int sizelimit)
{
  LaOp *op = g_new0 (LaOp, 1);
  op->conn = c;
  op->req = req;
  op->kind = kind;
  op->base = g_strdup (base);
  op->scope = scope;
  op->filter = g_strdup (filter);
  op->attrs = attrs;
  op->sizelimit = sizelimit;
  op->entries = g_ptr_array_new_with_free_func (la_entry_free);
  if (c->broken || c->state != LA_CONN_READY || g_queue_get_length (&c->ops) >= LA_CONN_MAX_OPS)
    op_enqueue (c, op, &c->backlog);
  else
    op_send_search (c, op);
  return op;
}

LaOp *
la_conn_bind (LaConn *c, LaRequest *req, const char *dn, const char *secret)
{
  LaOp *op = g_new0 (LaOp, 1);
  op->conn = c;
  op->req = req;
  op->kind = LA_OP_USER_BIND;
  op->entries = g_ptr_array_new_with_free_func (la_entry_free);
  /* An empty password makes a simple bind "unauthenticated" — a success
   * in LDAP. Callers check it; this is the last line. */
  if (secret == NULL || *secret == '\0')
    op_sent (c, op, LDAP_INAPPROPRIATE_AUTH);
  else if (!c->encrypted && !c->la->cfg->allow_plaintext)
    op_sent (c, op, LDAP_CONFIDENTIALITY_REQUIRED);
  else
    {
      struct berval cred = { strlen (secret), (char *) secret };
      int rc = ldap_sasl_bind (c->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, &op->msgid);
      if (rc == LDAP_SERVER_DOWN || rc == LDAP_BUSY || rc == LDAP_NO_MEMORY)
        {
          g_autofree char *text = la_conn_error_text (c, rc);
          la_conn_failf (c, "cannot send a bind: %s", text);
          op_enqueue (c, op, &c->backlog);
        }
      else
        op_sent (c, op, rc);
    }
  return op;
}

void
la_op_free (LaOp *op)
{
  op_dequeue (op);
  g_free (op->base);
  g_free (op->filter);
  g_free (op->target);
  g_ptr_array_unref (op->entries);
  g_free (op);
}

void
la_conn_abandon (LaOp *op)
{
  LaConn *c = op->conn;
  if (op->queue == &c->ops && c->ld && !c->broken)
    {
      if (op->kind == LA_OP_USER_BIND)
        {
          /* A bind cannot be abandoned (RFC 4511 4.11), and no other bind
           * may follow before its answer: this connection is done. */
          c->quiet = TRUE;
          la_conn_failf (c, "a bind in progress was given up");
        }
      else
        ldap_abandon_ext (c->ld, op->msgid, NULL, NULL);
    }
  la_op_free (op);
}

gboolean
la_conn_send_backlog (LaConn *c, gint64 deadline)
{
  while (!c->broken && c->state == LA_CONN_READY && c->backlog.length > 0
         && g_queue_get_length (&c->ops) < LA_CONN_MAX_OPS)
    {
      if (g_get_monotonic_time () >= deadline)
        return TRUE;
      LaOp *op = g_queue_peek_head (&c->backlog);
      op_dequeue (op);
      op_send_search (c, op);
    }
  return FALSE;
}

gboolean
la_conn_is_ready (const LaConn *c)
{
  return c->state == LA_CONN_READY && c->broken == NULL;
}

guint
la_conn_in_flight (const LaConn *c)
{
  return c->ops.length + c->backlog.length + c->local.length;
}

void
la_op_finish (LaOp *op, int rc, const char *diag)
{
  op_dequeue (op);
  la_request_op_done (op, rc, diag);
  la_op_free (op);
}

void
la_conn_drop_ops (LaConn *c)
{
  GQueue *queues[] = { &c->ops, &c->backlog, &c->local };
  for (guint i = 0; i < G_N_ELEMENTS (queues); i++)
    while (queues[i]->length > 0)
      {
        LaOp *op = g_queue_peek_head (queues[i]);
        la_request_drop_op (op);
        la_op_free (op);
      }
}
