/* sip: the registrar's bindings kept in the store (table sip_binding,
 * share/sql/0005-sip-bindings.sql), so that a restarted daemon or a
 * reloaded plugin reaches the phones without making them register again.
 *
 * Memory stays the truth: a write puts in the store what memory holds of
 * one binding at that moment (a row, or none). The store runs separate
 * calls in any order, so one binding has at most one write in flight; a
 * change meanwhile marks it, and a write of the newest state follows when
 * the first is done. The expiry is stored as wall-clock time: monotonic
 * time means nothing to the next process. */
#include "sip-private.h"

#include <string.h>

typedef enum {
  WRITE_IN_FLIGHT = 1,
  WRITE_AGAIN, /* changed meanwhile: write again when it is done */
} SipWriteState;

typedef struct {
  Sip *self;
  char *key; /* "login\ncontact" */
  gboolean held;
} Write;

#define UPSERT                                                                                  \
  "INSERT INTO sip_binding (login, contact, received, transport, user_agent, expires_at, "      \
  "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (login, contact) DO UPDATE SET " \
  "received = $3, transport = $4, user_agent = $5, expires_at = $6, updated_at = $7"
#define DELETE "DELETE FROM sip_binding WHERE login = $1 AND contact = $2"

static gint64
wall_ms (gint64 monotonic_us)
{
  return (g_get_real_time () + (monotonic_us - g_get_monotonic_time ())) / 1000;
}

static SipBinding *
lookup (Sip *self, const char *login, const char *contact)
{
  SipRegistration *r = g_hash_table_lookup (self->registrations, login);
  for (guint i = 0; r && i < r->bindings->len; i++)
    {
      SipBinding *b = g_ptr_array_index (r->bindings, i);
      if (strcmp (b->contact, contact) == 0)
        return b;
    }
  return NULL;
}

static void write_now (Sip *self, const char *key);

static void
written (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  Write *w = data;
  Sip *self = w->self;
  if (error)
    g_warning ("the registration %s was not saved: %s", w->key, error->message);
  /* (an unloaded plugin's holds were dropped by the core) */
  if (self->plugin && w->held)
    occ_plugin_release (self->plugin);
  gpointer state = g_hash_table_lookup (self->store_writes, w->key);
  if (self->plugin && self->store && GPOINTER_TO_UINT (state) == WRITE_AGAIN)
    write_now (self, w->key);
  else
    g_hash_table_remove (self->store_writes, w->key);
  sip_unref (self);
  g_free (w->key);
  g_free (w);
}

static void
write_now (Sip *self, const char *key)
{
  g_hash_table_replace (self->store_writes, g_strdup (key), GUINT_TO_POINTER (WRITE_IN_FLIGHT));
  const char *nl = strchr (key, '\n');
  g_autofree char *login = g_strndup (key, nl - key);
  const char *contact = nl + 1;
  SipBinding *b = lookup (self, login, contact);
  OccStoreStatement st;
  if (b)
    st = (OccStoreStatement){ UPSERT,
                              g_variant_new ("(sssssxx)", login, contact, b->received, b->transport,
                                             b->user_agent ? b->user_agent : "",
                                             wall_ms (b->expires_at), g_get_real_time () / 1000) };
  else
    st = (OccStoreStatement){ DELETE, g_variant_new ("(ss)", login, contact) };
  Write *w = g_new0 (Write, 1);
  w->self = sip_ref (self);
  w->key = g_strdup (key);
  /* a stopping daemon waits for it: the next one reads what it wrote */
  if (self->plugin)
    {
      occ_plugin_hold (self->plugin);
      w->held = TRUE;
    }
  self->store->execute (self->store, &st, 1, OCC_STORE_COALESCE, NULL, written, w);
}

void
sip_bindings_save (Sip *self, const char *login, const char *contact)
{
  if (self->store == NULL || self->plugin == NULL)
    return;
  g_autofree char *key = g_strconcat (login, "\n", contact, NULL);
  if (g_hash_table_contains (self->store_writes, key))
    g_hash_table_replace (self->store_writes, g_strdup (key), GUINT_TO_POINTER (WRITE_AGAIN));
  else
    write_now (self, key);
}

/* --- reading back ------------------------------------------------------------------------- */

typedef struct {
  Sip *self;
  const OccStoreService *store; /* the one asked: it may have changed since */
} Load;

static void
save_unstored (Sip *self, const char *login, SipBinding *b, gpointer data)
{
  GHashTable *stored = data;
  g_autofree char *key = g_strconcat (login, "\n", b->contact, NULL);
  if (!g_hash_table_contains (stored, key))
    sip_bindings_save (self, login, b->contact);
}

static void
restore (Sip *self, GPtrArray *results)
{
  OccStoreResult *dropped = g_ptr_array_index (results, 0);
  OccStoreResult *rows = g_ptr_array_index (results, 1);
  gint64 now_wall = g_get_real_time () / 1000, now = g_get_monotonic_time ();
  g_autoptr (GHashTable) stored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint restored = 0;
  for (guint i = 0; i < occ_store_result_get_n_rows (rows); i++)
    {
      const char *login = occ_store_result_get_string (rows, i, 0);
      const char *contact = occ_store_result_get_string (rows, i, 1);
      const char *received = occ_store_result_get_string (rows, i, 2);
      const char *transport = occ_store_result_get_string (rows, i, 3);
      const char *ua = occ_store_result_get_string (rows, i, 4);
      gint64 left_ms = occ_store_result_get_int (rows, i, 5) - now_wall;
      if (!login || !contact || !received || !transport || left_ms <= 0)
        continue;
      g_hash_table_add (stored, g_strconcat (login, "\n", contact, NULL));
      if (sip_registrar_restore (self, login, contact, received, transport, ua && *ua ? ua : NULL,
                                 now + left_ms * 1000))
        restored++;
    }
  g_message ("%u phone registration(s) restored from the store, %" G_GINT64_FORMAT
             " expired one(s) dropped",
             restored, occ_store_result_get_changes (dropped));
  /* phones that registered while there was no store, or before it answered */
  sip_registrar_foreach (self, save_unstored, stored);
}

static void
loaded (GPtrArray *results, const GError *error, gpointer data)
{
  Load *l = data;
  Sip *self = l->self;
  if (error)
    g_warning ("the saved phone registrations could not be read: %s", error->message);
  else if (self->plugin && self->store == l->store)
    restore (self, results);
  sip_unref (self);
  g_free (l);
}

void
sip_bindings_store_set (Sip *self, const OccStoreService *store)
{
  self->store = store;
  if (store == NULL || self->plugin == NULL)
    return;
  gint64 now = g_get_real_time () / 1000;
  OccStoreStatement st[] = {
    { "DELETE FROM sip_binding WHERE expires_at <= $1", g_variant_new ("(x)", now) },
    { "SELECT login, contact, received, transport, user_agent, expires_at FROM sip_binding "
      "WHERE expires_at > $1",
      g_variant_new ("(x)", now) },
  };
  Load *l = g_new0 (Load, 1);
  l->self = sip_ref (self);
  l->store = store;
  store->execute (store, st, G_N_ELEMENTS (st), OCC_STORE_TRANSACTION, NULL, loaded, l);
}
