/* access: accounts, grants and sessions in memory, written through to the
 * store (share/sql/0004-access.sql). The whole state is read once at load:
 * a site has thousands of accounts, not millions, and every request's
 * check must be answered without waiting for the database. */
#include "access.h"

#include <string.h>

void
ac_account_free (AcAccount *a)
{
  g_free (a->login);
  g_free (a->source);
  g_free (a->display_name);
  g_free (a->disabled_by);
  g_strfreev (a->groups);
  g_free (a->sip_realm);
  g_free (a->sip_ha1);
  g_free (a->sip_ha1_sha256);
  g_free (a);
}

void
ac_grant_free (AcGrant *g)
{
  g_free (g->id);
  g_free (g->login);
  g_free (g->role);
  g_free (g->permission);
  g_free (g->scope);
  g_free (g->justification);
  g_free (g->state);
  g_free (g->requested_by);
  g_free (g->decided_by);
  g_free (g->revoked_by);
  g_free (g);
}

void
ac_session_free (AcSession *s)
{
  g_free (s->id);
  g_free (s->token_hash);
  g_free (s->login);
  g_free (s->source_addr);
  g_clear_pointer (&s->principal, occ_principal_unref);
  g_free (s);
}

AcAccount *
ac_account_get (Access *self, const char *login)
{
  return login ? g_hash_table_lookup (self->accounts, login) : NULL;
}

GPtrArray *
ac_account_holdings (Access *self, const char *login, const char *const *groups)
{
  GPtrArray *h = ac_holdings_new ();
  ac_policy_map_groups (self->policy, groups, h);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->grants);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      const AcGrant *g = value;
      if (strcmp (g->login, login) == 0 && strcmp (g->state, "active") == 0)
        ac_holdings_add (h, g->role, g->permission, g->scope, g->id);
    }
  return h;
}

/* --- writes -------------------------------------------------------------------- */

typedef struct {
  Access *self;
  OccStoreCallback done;
  gpointer data;
  char *what;
  gboolean held; /* a stopping daemon waits for it */
} Write;

static void
write_done (GPtrArray *results, const GError *error, gpointer data)
{
  Write *w = data;
  if (error)
    g_warning ("%s not saved: %s", w->what, error->message);
  /* (an unloaded plugin's holds were dropped by the core) */
  if (w->held && w->self->plugin)
    occ_plugin_release (w->self->plugin);
  if (w->done)
    w->done (results, error, w->data);
  ac_unref (w->self);
  g_free (w->what);
  g_free (w);
}

static void
store_write (Access *self, const OccStoreStatement *st, guint n, const char *what,
             OccStoreCallback done, gpointer data)
{
  Write *w = g_new0 (Write, 1);
  w->self = ac_ref (self);
  w->done = done;
  w->data = data;
  w->what = g_strdup (what);
  /* a sign-out or a revocation must reach the database before the daemon
   * stops, or the token would work again after a restart */
  if (self->plugin)
    {
      occ_plugin_hold (self->plugin);
      w->held = TRUE;
    }
  self->store->execute (self->store, st, n, n > 1 ? OCC_STORE_TRANSACTION : OCC_STORE_FLAGS_NONE,
                        NULL, write_done, w);
}

static GVariant *
maybe_s (const char *s)
{
  return g_variant_new_maybe (G_VARIANT_TYPE_STRING, s ? g_variant_new_string (s) : NULL);
}

static GVariant *
maybe_x (gint64 v)
{
  return g_variant_new_maybe (G_VARIANT_TYPE_INT64, v ? g_variant_new_int64 (v) : NULL);
}

void
ac_account_save (Access *self, AcAccount *a, OccStoreCallback done, gpointer data)
{
  gint64 now = ac_now_ms ();
  g_autofree char *groups = ac_strv_to_json ((const char *const *) a->groups);
  OccStoreStatement st = {
    "INSERT INTO access_account (login, source, display_name, groups, disabled, disabled_by, "
    "disabled_at, locked_until, sip_realm, sip_ha1, sip_ha1_sha256, last_sign_in, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) "
    "ON CONFLICT (login) DO UPDATE SET source = $2, display_name = $3, groups = $4, "
    "disabled = $5, disabled_by = $6, disabled_at = $7, locked_until = $8, sip_realm = $9, "
    "sip_ha1 = $10, sip_ha1_sha256 = $11, last_sign_in = $12, updated_at = $13",
    g_variant_new ("(ssssx@ms@mx@mx@ms@ms@ms@mxx)", a->login, a->source ? a->source : "",
                   a->display_name ? a->display_name : a->login, groups, (gint64) a->disabled,
                   maybe_s (a->disabled ? a->disabled_by : NULL),
                   maybe_x (a->disabled ? a->disabled_at : 0), maybe_x (a->locked_until),
                   maybe_s (a->sip_realm), maybe_s (a->sip_ha1), maybe_s (a->sip_ha1_sha256),
                   maybe_x (a->last_sign_in), now)
  };
  g_autofree char *what = g_strdup_printf ("account %s", a->login);
  store_write (self, &st, 1, what, done, data);
}

void
ac_grant_save (Access *self, AcGrant *g, OccStoreCallback done, gpointer data)
{
  OccStoreStatement st
      = { "INSERT INTO access_grant (id, login, role, permission, scope, justification, state, "
          "requested_by, requested_at, decided_by, decided_at, revoked_by, revoked_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
          "ON CONFLICT (id) DO UPDATE SET state = $7, decided_by = $10, decided_at = $11, "
          "revoked_by = $12, revoked_at = $13",
          g_variant_new ("(ss@ms@ms@ms@msssx@ms@mx@ms@mx)", g->id, g->login, maybe_s (g->role),
                         maybe_s (g->permission), maybe_s (g->scope), maybe_s (g->justification),
                         g->state, g->requested_by, g->requested_at, maybe_s (g->decided_by),
                         maybe_x (g->decided_at), maybe_s (g->revoked_by),
                         maybe_x (g->revoked_at)) };
  g_autofree char *what = g_strdup_printf ("grant %s", g->id);
  store_write (self, &st, 1, what, done, data);
}

void
ac_session_save_new (Access *self, AcSession *s, OccStoreCallback done, gpointer data)
{
  OccStoreStatement st
      = { "INSERT INTO access_session (id, token_hash, login, source_addr, "
          "created_at, expires_at, restricted) VALUES ($1, $2, $3, $4, $5, $6, "
          "$7)",
          g_variant_new ("(sss@msxxx)", s->id, s->token_hash, s->login, maybe_s (s->source_addr),
                         s->created_at, s->expires_at, (gint64) s->restricted) };
  g_autofree char *what = g_strdup_printf ("session %s", s->id);
  store_write (self, &st, 1, what, done, data);
}

void
ac_session_save_closed (Access *self, AcSession *s, const char *closed_by)
{
  OccStoreStatement st = { "UPDATE access_session SET closed_at = $2, closed_by = $3 WHERE id = $1",
                           g_variant_new ("(sxs)", s->id, ac_now_ms (), closed_by) };
  g_autofree char *what = g_strdup_printf ("closing session %s", s->id);
  store_write (self, &st, 1, what, NULL, NULL);
}

void
ac_failure_save (Access *self, const char *login, gint64 at, const char *source_addr)
{
  OccStoreStatement st
      = { "INSERT INTO access_failure (login, at, source_addr) VALUES ($1, $2, $3)",
          g_variant_new ("(sx@ms)", login, at, maybe_s (source_addr)) };
  store_write (self, &st, 1, "a failed sign-in", NULL, NULL);
}

/* --- load ------------------------------------------------------------------------ */

static char *
cell (OccStoreResult *r, guint row, const char *column)
{
  int c = occ_store_result_find_column (r, column);
  return c < 0 ? NULL : g_strdup (occ_store_result_get_string (r, row, c));
}

static gint64
cell_int (OccStoreResult *r, guint row, const char *column)
{
  int c = occ_store_result_find_column (r, column);
  return c < 0 ? 0 : occ_store_result_get_int (r, row, c);
}

static void
load_accounts (Access *self, OccStoreResult *r)
{
  for (guint i = 0; i < occ_store_result_get_n_rows (r); i++)
    {
      AcAccount *a = g_new0 (AcAccount, 1);
      a->login = cell (r, i, "login");
      a->source = cell (r, i, "source");
      a->display_name = cell (r, i, "display_name");
      g_autofree char *groups = cell (r, i, "groups");
      a->groups = ac_strv_from_json (groups);
      a->disabled = cell_int (r, i, "disabled") != 0;
      a->disabled_by = cell (r, i, "disabled_by");
      a->disabled_at = cell_int (r, i, "disabled_at");
      a->locked_until = cell_int (r, i, "locked_until");
      a->sip_realm = cell (r, i, "sip_realm");
      a->sip_ha1 = cell (r, i, "sip_ha1");
      a->sip_ha1_sha256 = cell (r, i, "sip_ha1_sha256");
      a->last_sign_in = cell_int (r, i, "last_sign_in");
      a->confirmed_at = a->last_sign_in;
      g_hash_table_replace (self->accounts, a->login, a);
      if (a->locked_until > ac_now_ms ())
        g_hash_table_replace (self->locks, g_strdup (a->login),
                              g_memdup2 (&a->locked_until, sizeof a->locked_until));
    }
}

static void
load_grants (Access *self, OccStoreResult *r)
{
  for (guint i = 0; i < occ_store_result_get_n_rows (r); i++)
    {
      AcGrant *g = g_new0 (AcGrant, 1);
      g->id = cell (r, i, "id");
      g->login = cell (r, i, "login");
      g->role = cell (r, i, "role");
      g->permission = cell (r, i, "permission");
      g->scope = cell (r, i, "scope");
      g->justification = cell (r, i, "justification");
      g->state = cell (r, i, "state");
      g->requested_by = cell (r, i, "requested_by");
      g->requested_at = cell_int (r, i, "requested_at");
      g->decided_by = cell (r, i, "decided_by");
      g->decided_at = cell_int (r, i, "decided_at");
      g_hash_table_replace (self->grants, g->id, g);
    }
}

static void
load_sessions (Access *self, OccStoreResult *r)
{
  for (guint i = 0; i < occ_store_result_get_n_rows (r); i++)
    {
      AcSession *s = g_new0 (AcSession, 1);
      s->id = cell (r, i, "id");
      s->token_hash = cell (r, i, "token_hash");
      s->login = cell (r, i, "login");
      s->source_addr = cell (r, i, "source_addr");
      s->created_at = cell_int (r, i, "created_at");
      s->expires_at = cell_int (r, i, "expires_at");
      s->restricted = cell_int (r, i, "restricted") != 0;
      s->last_used = g_get_monotonic_time ();
      g_hash_table_replace (self->sessions, s->token_hash, s);
      /* principals are built once the grants are in: ac_sessions_refresh */
    }
}

static void
first_admin_saved (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  AcGrant *g = data;
  if (error == NULL)
    g_message ("first run: %s holds the role administrator (policy %s, [sign-in] "
               "first-administrator)",
               g->login, AC_ACCESS_POLICY);
}

/* An empty site gets one administrator, or nobody could grant anything. */
static void
bootstrap_admin (Access *self)
{
  if (self->policy->first_admin == NULL)
    return;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->grants);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (g_strcmp0 (((AcGrant *) value)->role, "administrator") == 0)
      return;
  AcGrant *g = g_new0 (AcGrant, 1);
  g->id = ac_random_id ();
  g->login = g_strdup (self->policy->first_admin);
  g->role = g_strdup ("administrator");
  g->justification = g_strdup ("first-run administrator: no account held the role");
  g->state = g_strdup ("active");
  g->requested_by = g_strdup (AC_SYSTEM_ROLE);
  g->requested_at = g->decided_at = ac_now_ms ();
  g->decided_by = g_strdup (AC_SYSTEM_ROLE);
  g_hash_table_replace (self->grants, g->id, g);
  ac_grant_save (self, g, first_admin_saved, g);
  ac_audit (self, AC_SYSTEM_ROLE, "user.grant", g->login, OCC_AUDIT_SUCCESS, NULL,
            g_variant_new_parsed ("{'role': <'administrator'>, 'grant': <%s>, "
                                  "'justification': <%s>}",
                                  g->id, g->justification));
}

static void
loaded (GPtrArray *results, const GError *error, gpointer data)
{
  Access *self = data;
  if (self->plugin == NULL)
    {
      ac_unref (self);
      return;
    }
  if (error)
    {
      g_warning ("cannot read accounts, grants and sessions: %s; signing in is refused until "
                 "the plugin is loaded again",
                 error->message);
      ac_unref (self);
      return;
    }
  load_accounts (self, g_ptr_array_index (results, 0));
  load_grants (self, g_ptr_array_index (results, 1));
  load_sessions (self, g_ptr_array_index (results, 2));
  bootstrap_admin (self);
  /* every session's principal, from its account and grants */
  g_autoptr (GHashTable) logins = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_hash_table_add (logins, ((AcSession *) value)->login);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&it, logins);
  while (g_hash_table_iter_next (&it, &value, NULL))
    g_ptr_array_add (list, g_strdup (value));
  for (guint i = 0; i < list->len; i++)
    ac_sessions_refresh (self, g_ptr_array_index (list, i));
  self->ready = TRUE;
  g_message ("%u accounts, %u grants, %u open sessions", g_hash_table_size (self->accounts),
             g_hash_table_size (self->grants), g_hash_table_size (self->sessions));
  ac_unref (self);
}

void
ac_state_load (Access *self)
{
  OccStoreStatement st[] = {
    { "SELECT login, source, display_name, groups, disabled, disabled_by, disabled_at, "
      "locked_until, sip_realm, sip_ha1, "
      "sip_ha1_sha256, last_sign_in FROM access_account",
      NULL },
    { "SELECT id, login, role, permission, scope, justification, state, requested_by, "
      "requested_at, decided_by, decided_at FROM access_grant WHERE state IN ('pending', "
      "'active')",
      NULL },
    { "SELECT id, token_hash, login, source_addr, created_at, expires_at, restricted FROM "
      "access_session "
      "WHERE closed_at IS NULL AND expires_at > $1",
      g_variant_new ("(x)", ac_now_ms ()) },
  };
  self->store->execute (self->store, st, G_N_ELEMENTS (st), OCC_STORE_FLAGS_NONE, NULL, loaded,
                        ac_ref (self));
}
