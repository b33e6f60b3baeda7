/* access: control commands — signing in and out, accounts, grants with
 * approval and separation of duties, roles. `omnicc user grant
 * login=alice role=agent` is the command user.grant. */
#include "access.h"

#include <string.h>

/* --- arguments --------------------------------------------------------------------- */

static gboolean
only_args (GVariant *args, const char *const *known, GError **error)
{
  GVariantIter it;
  const char *key;
  g_variant_iter_init (&it, args);
  while (g_variant_iter_next (&it, "{&sv}", &key, NULL))
    if (!g_strv_contains (known, key))
      {
        g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID, "unknown argument “%s”",
                     key);
        return FALSE;
      }
  return TRUE;
}

/* A text argument: NULL (and no error) when absent and optional. */
static char *
arg_text (GVariant *args, const char *key, gboolean required, gsize max, GError **error)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, key, NULL);
  if (v == NULL)
    {
      if (required)
        g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID, "“%s” is missing", key);
      return NULL;
    }
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID, "“%s” must be text", key);
      return NULL;
    }
  const char *s = g_variant_get_string (v, NULL);
  if (!ac_text_ok (s, max) || (required && s[0] == '\0'))
    {
      g_set_error (
          error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
          "“%s” must be non-empty text without control characters, at most %" G_GSIZE_FORMAT
          " bytes",
          key, max);
      return NULL;
    }
  return g_strdup (s);
}

static gboolean
arg_bool (GVariant *args, const char *key, gboolean *out, GError **error)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, key, NULL);
  if (v == NULL)
    return TRUE;
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    {
      g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID, "“%s” must be true or false",
                   key);
      return FALSE;
    }
  *out = g_variant_get_boolean (v);
  return TRUE;
}

/* The folded login named by "login". */
static char *
arg_login (GVariant *args, GError **error)
{
  g_autofree char *raw = arg_text (args, "login", TRUE, AC_MAX_LOGIN, error);
  if (raw == NULL)
    return NULL;
  char *login = ac_fold (raw);
  if (login == NULL)
    g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID, "“%s” is not a login", raw);
  return login;
}

#define FAIL_IF(cond)                          \
  if (cond)                                    \
    {                                          \
      occ_control_call_return_error (call, e); \
      return;                                  \
    }

static Access *
get (gpointer data)
{
  return data;
}

static gboolean
ready (Access *self, OccControlCall *call)
{
  if (self->ready)
    return TRUE;
  g_autoptr (GError) e = g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE,
                                              "accounts are still being read from the store");
  occ_control_call_return_error (call, e);
  return FALSE;
}

/* --- sessions ---------------------------------------------------------------------------- */

static void
opened (GVariant *answer, const GError *error, gpointer data)
{
  OccControlCall *call = data;
  if (error)
    occ_control_call_return_error (call, error);
  else
    occ_control_call_return (call, answer);
}

static void
cmd_session_open (OccControlCall *call, GVariant *args, gpointer data)
{
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "login", "password", NULL }, &e));
  g_autofree char *login = arg_text (args, "login", TRUE, AC_MAX_LOGIN, &e);
  FAIL_IF (login == NULL);
  g_autoptr (GVariant) pw = g_variant_lookup_value (args, "password", G_VARIANT_TYPE_STRING);
  if (pw == NULL)
    {
      e = g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                               "“password” (text) is missing");
      FAIL_IF (TRUE);
    }
  ac_sign_in (get (data), login, g_variant_get_string (pw, NULL), occ_control_call_get_peer (call),
              opened, call);
}

static AcSession *
own_session (Access *self, OccControlCall *call, GError **error)
{
  AcSession *s = ac_session_by_token (self, occ_control_call_get_token (call));
  if (s == NULL)
    g_set_error_literal (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAUTHENTICATED,
                         "this request carries no session");
  return s;
}

static void
cmd_session_close (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  gboolean everywhere = FALSE;
  FAIL_IF (!only_args (args, (const char *const[]){ "everywhere", NULL }, &e)
           || !arg_bool (args, "everywhere", &everywhere, &e));
  AcSession *s = own_session (self, call, &e);
  FAIL_IF (s == NULL);
  g_autofree char *login = g_strdup (s->login);
  g_autofree char *id = g_strdup (s->id);
  guint n = 1;
  if (everywhere)
    n = ac_sessions_close_login (self, login, "sign-out everywhere");
  else
    ac_sessions_close (self, s, "sign-out");
  ac_audit (self, login, "auth.sign-out", login, OCC_AUDIT_SUCCESS,
            occ_control_call_get_peer (call),
            g_variant_new_parsed ("{'session': <%s>, 'everywhere': <%b>, 'closed': <%u>}", id,
                                  everywhere, n));
  occ_control_call_return (call, g_variant_new_parsed ("{'closed': <%u>}", n));
}

static void
cmd_session_whoami (OccControlCall *call, GVariant *args, gpointer data)
{
  (void) args;
  (void) data;
  occ_control_call_return (call, occ_principal_describe (occ_control_call_get_principal (call)));
}

static GVariant *
describe_session (AcSession *s)
{
  return g_variant_new_parsed ("{'session': <%s>, 'login': <%s>, 'source-address': <%s>, "
                               "'created-at': <%x>, 'expires-at': <%x>}",
                               s->id, s->login, s->source_addr ? s->source_addr : "", s->created_at,
                               s->expires_at);
}

static void
cmd_session_list (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "login", NULL }, &e));
  g_autofree char *login = NULL;
  g_autoptr (GVariant) has_login = g_variant_lookup_value (args, "login", NULL);
  if (has_login)
    {
      login = arg_login (args, &e);
      FAIL_IF (login == NULL);
    }
  /* one's own sessions; anyone's with session.manage */
  const char *me = occ_principal_get_login (occ_control_call_get_principal (call));
  if (login == NULL)
    login = g_strdup (me);
  if (strcmp (login, me) != 0)
    FAIL_IF (!occ_control_call_check (call, "session.manage", NULL, &e));
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      AcSession *s = value;
      if (login == NULL || strcmp (s->login, login) == 0)
        g_variant_builder_add_value (&b, describe_session (s));
    }
  occ_control_call_return (call, g_variant_builder_end (&b));
}

static void
cmd_session_revoke (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "login", NULL }, &e));
  g_autofree char *login = arg_login (args, &e);
  FAIL_IF (login == NULL);
  const char *actor = occ_control_call_get_actor (call);
  g_autofree char *by = g_strdup_printf ("revoked by %s", actor);
  guint n = ac_sessions_close_login (self, login, by);
  ac_audit (self, actor, "session.revoke", login, OCC_AUDIT_SUCCESS,
            occ_control_call_get_peer (call), g_variant_new_parsed ("{'closed': <%u>}", n));
  occ_control_call_return (call, g_variant_new_parsed ("{'closed': <%u>}", n));
}

/* --- accounts ------------------------------------------------------------------------------ */

static GVariant *
describe_account (Access *self, AcAccount *a)
{
  g_autoptr (GPtrArray) h = ac_account_holdings (self, a->login, (const char *const *) a->groups);
  GVariantBuilder roles;
  g_variant_builder_init (&roles, G_VARIANT_TYPE ("as"));
  for (guint i = 0; i < h->len; i++)
    {
      AcHolding *x = g_ptr_array_index (h, i);
      g_autofree char *text = g_strdup_printf ("%s%s%s%s", x->role ? x->role : "permission ",
                                               x->role ? "" : x->permission, x->scope ? "@" : "",
                                               x->scope ? x->scope : "");
      g_variant_builder_add (&roles, "s", text);
    }
  guint sessions = 0;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    sessions += strcmp (((AcSession *) value)->login, a->login) == 0;
  gpointer lock = g_hash_table_lookup (self->locks, a->login);
  gint64 locked = lock && *(gint64 *) lock > ac_now_ms () ? *(gint64 *) lock : 0;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "login", "s", a->login);
  g_variant_dict_insert (&d, "source", "s", a->source ? a->source : "");
  g_variant_dict_insert (&d, "display-name", "s", a->display_name ? a->display_name : a->login);
  g_variant_dict_insert (&d, "enabled", "b", !a->disabled);
  if (locked)
    g_variant_dict_insert (&d, "locked-until", "x", locked);
  g_variant_dict_insert_value (&d, "holds", g_variant_builder_end (&roles));
  g_variant_dict_insert_value (&d, "groups",
                               g_variant_new_strv ((const char *const *) a->groups, -1));
  g_variant_dict_insert (&d, "sessions", "u", sessions);
  g_variant_dict_insert (&d, "sip", "b", a->sip_ha1 != NULL);
  if (a->last_sign_in)
    g_variant_dict_insert (&d, "last-sign-in", "x", a->last_sign_in);
  return g_variant_dict_end (&d);
}

static GVariant *
describe_grant (AcGrant *g)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", g->id);
  g_variant_dict_insert (&d, "login", "s", g->login);
  if (g->role)
    g_variant_dict_insert (&d, "role", "s", g->role);
  if (g->permission)
    g_variant_dict_insert (&d, "permission", "s", g->permission);
  if (g->scope)
    g_variant_dict_insert (&d, "scope", "s", g->scope);
  if (g->justification)
    g_variant_dict_insert (&d, "justification", "s", g->justification);
  g_variant_dict_insert (&d, "state", "s", g->state);
  g_variant_dict_insert (&d, "requested-by", "s", g->requested_by);
  g_variant_dict_insert (&d, "requested-at", "x", g->requested_at);
  if (g->decided_by)
    {
      g_variant_dict_insert (&d, "decided-by", "s", g->decided_by);
      g_variant_dict_insert (&d, "decided-at", "x", g->decided_at);
    }
  if (g->revoked_by)
    {
      g_variant_dict_insert (&d, "revoked-by", "s", g->revoked_by);
      g_variant_dict_insert (&d, "revoked-at", "x", g->revoked_at);
    }
  return g_variant_dict_end (&d);
}

static void
cmd_user_list (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ NULL }, &e));
  if (!ready (self, call))
    return;
  g_autoptr (GPtrArray) logins = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, self->accounts);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (logins, key);
  g_ptr_array_sort (logins, (GCompareFunc) g_strcmp0);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < logins->len; i++)
    g_variant_builder_add_value (
        &b, describe_account (self, ac_account_get (self, g_ptr_array_index (logins, i))));
  occ_control_call_return (call, g_variant_builder_end (&b));
}

static gboolean
grant_matches (const AcGrant *g, const char *login)
{
  return login == NULL || strcmp (g->login, login) == 0;
}

static void
cmd_user_show (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "login", NULL }, &e));
  g_autofree char *login = arg_login (args, &e);
  FAIL_IF (login == NULL);
  if (!ready (self, call))
    return;
  AcAccount *a = ac_account_get (self, login);
  if (a == NULL)
    {
      e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND, "no account “%s”", login);
      FAIL_IF (TRUE);
    }
  GVariantDict d;
  g_variant_dict_init (&d, describe_account (self, a));
  GVariantBuilder grants;
  g_variant_builder_init (&grants, G_VARIANT_TYPE ("aa{sv}"));
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->grants);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (grant_matches (value, login))
      g_variant_builder_add_value (&grants, describe_grant (value));
  g_variant_dict_insert_value (&d, "grants", g_variant_builder_end (&grants));
  g_autoptr (GPtrArray) h = ac_account_holdings (self, login, (const char *const *) a->groups);
  g_autoptr (OccPrincipal) who
      = ac_policy_principal (self->policy, login, OCC_PRINCIPAL_USER, a->display_name, NULL, h);
  g_autoptr (GVariant) desc = g_variant_ref_sink (occ_principal_describe (who));
  g_autoptr (GVariant) perms = g_variant_lookup_value (desc, "permissions", NULL);
  g_variant_dict_insert_value (&d, "permissions", perms);
  occ_control_call_return (call, g_variant_dict_end (&d));
}

typedef struct {
  Access *self;
  OccControlCall *call;
  char *login;
  char *source;
  char *actor;
  char *peer;
  char *one_time; /* a one-time password to pass on, once */
} UserOp;

static UserOp *
user_op_new (Access *self, OccControlCall *call, const char *login, const char *source)
{
  UserOp *op = g_new0 (UserOp, 1);
  op->self = ac_ref (self);
  op->call = call;
  op->login = g_strdup (login);
  op->source = g_strdup (source);
  op->actor = g_strdup (occ_control_call_get_actor (call));
  op->peer = g_strdup (occ_control_call_get_peer (call));
  return op;
}

static void
user_op_free (UserOp *op)
{
  ac_unref (op->self);
  g_free (op->login);
  g_free (op->source);
  g_free (op->actor);
  g_free (op->peer);
  if (op->one_time)
    memset (op->one_time, 0, strlen (op->one_time));
  g_free (op->one_time);
  g_free (op);
}

static GError *
from_auth_error (const GError *error)
{
  if (error->domain != OCC_AUTH_ERROR)
    return g_error_copy (error);
  OccAccessError code = OCC_ACCESS_ERROR_UNAVAILABLE;
  switch ((OccAuthError) error->code)
    {
    case OCC_AUTH_ERROR_INVALID:
    case OCC_AUTH_ERROR_POLICY:
      code = OCC_ACCESS_ERROR_INVALID;
      break;
    case OCC_AUTH_ERROR_DENIED:
      code = OCC_ACCESS_ERROR_NOT_FOUND;
      break;
    case OCC_AUTH_ERROR_EXISTS:
    case OCC_AUTH_ERROR_DISABLED:
    case OCC_AUTH_ERROR_EXPIRED:
    case OCC_AUTH_ERROR_UNSUPPORTED:
      code = OCC_ACCESS_ERROR_DENIED;
      break;
    default:
      break;
    }
  return g_error_new_literal (OCC_ACCESS_ERROR, code, error->message);
}

static void
user_added (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  UserOp *op = data;
  Access *self = op->self;
  ac_audit (self, op->actor, "user.add", op->login, error ? OCC_AUDIT_FAILURE : OCC_AUDIT_SUCCESS,
            op->peer, g_variant_new_parsed ("{'source': <%s>}", op->source));
  if (error)
    occ_control_call_return_error (op->call, error);
  else
    {
      GVariantDict d;
      g_variant_dict_init (&d, describe_account (self, ac_account_get (self, op->login)));
      if (op->one_time)
        g_variant_dict_insert (&d, "one-time-password", "s", op->one_time);
      occ_control_call_return (op->call, g_variant_dict_end (&d));
    }
  user_op_free (op);
}

/* The source made or found the account: remember it here. */
static void
user_known (GVariant *identity, const GError *error, gpointer data)
{
  UserOp *op = data;
  Access *self = op->self;
  if (error || self->plugin == NULL)
    {
      g_autoptr (GError) e
          = error ? from_auth_error (error)
                  : g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE,
                                         "the access plugin was unloaded");
      ac_audit (self, op->actor, "user.add", op->login, OCC_AUDIT_FAILURE, op->peer,
                g_variant_new_parsed ("{'reason': <%s>}", e->message));
      occ_control_call_return_error (op->call, e);
      return user_op_free (op);
    }
  const char *display = NULL, *own = NULL;
  g_variant_lookup (identity, "display-name", "&s", &display);
  g_variant_lookup (identity, "one-time-password", "s", &op->one_time);
  /* the source's own login names the account ("alice", not the
   * alice@example.org it was looked up by), as at sign-in */
  g_autofree char *login = g_variant_lookup (identity, "login", "&s", &own) ? ac_fold (own) : NULL;
  if (login && strcmp (login, op->login) != 0)
    {
      if (ac_account_get (self, login))
        {
          g_autoptr (GError) e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_EXISTS,
                                              "%s is %s in %s, which already has an account",
                                              op->login, login, op->source);
          occ_control_call_return_error (op->call, e);
          return user_op_free (op);
        }
      g_hash_table_replace (self->aliases, g_strdup (op->login), g_strdup (login));
      g_free (op->login);
      op->login = g_steal_pointer (&login);
    }
  AcAccount *a = ac_account_get (self, op->login);
  if (a == NULL)
    {
      a = g_new0 (AcAccount, 1);
      a->login = g_strdup (op->login);
      g_hash_table_replace (self->accounts, a->login, a);
    }
  g_free (a->source);
  a->source = g_strdup (op->source);
  g_free (a->display_name);
  a->display_name = g_strdup (display ? display : op->login);
  g_autofree const char **groups = NULL;
  g_variant_lookup (identity, "groups", "^a&s", &groups);
  g_strfreev (a->groups);
  a->groups = g_strdupv ((char **) (groups ? groups : (const char *const[]){ NULL }));
  ac_account_save (self, a, user_added, op);
}

static void
cmd_user_add (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (
      args, (const char *const[]){ "login", "source", "display_name", "password", NULL }, &e));
  g_autofree char *login = arg_login (args, &e);
  FAIL_IF (login == NULL);
  g_autofree char *source = arg_text (args, "source", FALSE, 64, &e);
  FAIL_IF (e != NULL);
  g_autofree char *display = arg_text (args, "display_name", FALSE, 256, &e);
  FAIL_IF (e != NULL);
  g_autofree char *password = arg_text (args, "password", FALSE, AC_MAX_SECRET, &e);
  FAIL_IF (e != NULL);
  if (!ready (self, call))
    return;
  if (ac_account_get (self, login))
    {
      e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_EXISTS, "%s already has an account",
                       login);
      FAIL_IF (TRUE);
    }
  /* by default: local with a password, else the first source loaded */
  for (guint i = 0; source == NULL && self->policy->sources[i]; i++)
    {
      g_autofree char *try = g_strconcat (OCC_AUTH_SERVICE_PREFIX, self->policy->sources[i], NULL);
      if ((password == NULL || strcmp (self->policy->sources[i], "local") == 0)
          && occ_service_lookup (self->plugin, try, 1, NULL))
        source = g_strdup (self->policy->sources[i]);
    }
  if (source == NULL)
    source = g_strdup ("local");
  g_autofree char *name = g_strconcat (OCC_AUTH_SERVICE_PREFIX, source, NULL);
  const OccAuthService *auth = occ_service_lookup (self->plugin, name, 1, NULL);
  if (auth == NULL)
    {
      e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND,
                       "no identity source “%s” is loaded (service %s)", source, name);
      FAIL_IF (TRUE);
    }
  UserOp *op = user_op_new (self, call, login, source);
  if (OCC_SERVICE_HAS (auth, add_account) && auth->add_account)
    auth->add_account (auth, login, display, password, user_known, op);
  else if (password)
    {
      user_op_free (op);
      e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                       "the %s source keeps its own passwords: add the account there, without "
                       "a password here",
                       source);
      FAIL_IF (TRUE);
    }
  else
    /* a directory account: check that it exists */
    auth->lookup (auth, login, user_known, op);
}

static void
set_enabled_done (GVariant *identity, const GError *error, gpointer data)
{
  (void) identity;
  char *login = data;
  if (error)
    g_message ("%s: its source was not changed: %s", login, error->message);
  g_free (login);
}

static void
user_disabled_saved (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  UserOp *op = data;
  Access *self = op->self;
  AcAccount *a = ac_account_get (self, op->login);
  gboolean enabled = a && !a->disabled;
  ac_audit (self, op->actor, enabled ? "user.enable" : "user.disable", op->login,
            error ? OCC_AUDIT_FAILURE : OCC_AUDIT_SUCCESS, op->peer, NULL);
  if (error)
    occ_control_call_return_error (op->call, error);
  else
    occ_control_call_return (op->call, describe_account (self, a));
  user_op_free (op);
}

static void
set_enabled (OccControlCall *call, GVariant *args, Access *self, gboolean enabled)
{
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "login", NULL }, &e));
  g_autofree char *login = arg_login (args, &e);
  FAIL_IF (login == NULL);
  if (!ready (self, call))
    return;
  AcAccount *a = ac_account_get (self, login);
  if (a == NULL)
    {
      e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND, "no account “%s”", login);
      FAIL_IF (TRUE);
    }
  const char *actor = occ_control_call_get_actor (call);
  a->disabled = !enabled;
  g_free (a->disabled_by);
  a->disabled_by = enabled ? NULL : g_strdup (actor);
  a->disabled_at = enabled ? 0 : ac_now_ms ();
  if (!enabled)
    ac_sessions_close_login (self, login, "account disabled");
  /* at once, not when the save is done: its phones stop taking calls now */
  ac_publish_account (self, login, enabled ? "enabled" : "disabled", actor, 0);
  /* where the source keeps its accounts (local), change it there too */
  g_autofree char *name = g_strconcat (OCC_AUTH_SERVICE_PREFIX, a->source, NULL);
  const OccAuthService *auth = occ_service_lookup (self->plugin, name, 1, NULL);
  if (auth && OCC_SERVICE_HAS (auth, set_enabled) && auth->set_enabled)
    auth->set_enabled (auth, login, enabled, set_enabled_done, g_strdup (login));
  ac_account_save (self, a, user_disabled_saved, user_op_new (self, call, login, a->source));
}

static void
cmd_user_disable (OccControlCall *call, GVariant *args, gpointer data)
{
  set_enabled (call, args, get (data), FALSE);
}

static void
cmd_user_enable (OccControlCall *call, GVariant *args, gpointer data)
{
  set_enabled (call, args, get (data), TRUE);
}

static void
cmd_user_unlock (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "login", NULL }, &e));
  g_autofree char *login = arg_login (args, &e);
  FAIL_IF (login == NULL);
  gboolean was = g_hash_table_contains (self->locks, login);
  ac_unlock (self, login);
  ac_audit (self, occ_control_call_get_actor (call), "user.unlock", login, OCC_AUDIT_SUCCESS,
            occ_control_call_get_peer (call), g_variant_new_parsed ("{'was-locked': <%b>}", was));
  occ_control_call_return (
      call, g_variant_new_parsed ("{'login': <%s>, 'was-locked': <%b>}", login, was));
}

/* --- grants ---------------------------------------------------------------------------------- */

typedef struct {
  Access *self;
  OccControlCall *call;
  AcGrant *grant; /* owned by self->grants once saved, or here */
  char *action;
  char *peer;
  gboolean in_table;
} GrantOp;

static void
grant_saved (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  GrantOp *op = data;
  Access *self = op->self;
  AcGrant *g = op->grant;
  const char *actor = occ_control_call_get_actor (op->call);
  ac_audit (self, actor, op->action, g->login, error ? OCC_AUDIT_FAILURE : OCC_AUDIT_SUCCESS,
            op->peer,
            g_variant_new_parsed ("{'grant': <%s>, 'role': <%s>, 'permission': <%s>, 'scope': "
                                  "<%s>, 'state': <%s>, 'justification': <%s>}",
                                  g->id, g->role ? g->role : "", g->permission ? g->permission : "",
                                  g->scope ? g->scope : "", g->state,
                                  g->justification ? g->justification : ""));
  if (error)
    {
      /* a decision already made in memory stays; the store says otherwise
       * until the next start, which reads it again */
      occ_control_call_return_error (op->call, error);
      if (!op->in_table)
        ac_grant_free (g);
    }
  else
    {
      occ_control_call_return (op->call, describe_grant (g));
      gboolean live = strcmp (g->state, "active") == 0 || strcmp (g->state, "pending") == 0;
      g_autofree char *login = g_strdup (g->login);
      if (!op->in_table && live)
        g_hash_table_replace (self->grants, g->id, g);
      else if (op->in_table && !live)
        g_hash_table_remove (self->grants, g->id);
      else if (!op->in_table)
        ac_grant_free (g);
      ac_sessions_refresh (self, login);
    }
  ac_unref (op->self);
  g_free (op->action);
  g_free (op->peer);
  g_free (op);
}

static void
save_grant (Access *self, OccControlCall *call, AcGrant *g, const char *action, gboolean in_table)
{
  GrantOp *op = g_new0 (GrantOp, 1);
  op->self = ac_ref (self);
  op->call = call;
  op->grant = g;
  op->action = g_strdup (action);
  op->peer = g_strdup (occ_control_call_get_peer (call));
  op->in_table = in_table;
  ac_grant_save (self, g, grant_saved, op);
}

/* The refusal of a grant, audited. */
static void
refuse_grant (Access *self, OccControlCall *call, const char *action, const char *login,
              GError *error)
{
  ac_audit (self, occ_control_call_get_actor (call), action, login, OCC_AUDIT_DENIED,
            occ_control_call_get_peer (call),
            g_variant_new_parsed ("{'reason': <%s>}", error->message));
  occ_control_call_return_error (call, error);
  g_error_free (error);
}

/* Would @login, holding also @extra (may be NULL), break a rule? */
static char *
conflict_with (Access *self, const char *login, const AcGrant *extra)
{
  AcAccount *a = ac_account_get (self, login);
  g_autoptr (GPtrArray) h
      = ac_account_holdings (self, login, a ? (const char *const *) a->groups : NULL);
  if (extra)
    ac_holdings_add (h, extra->role, extra->permission, extra->scope, extra->id);
  return ac_policy_conflict (self->policy, h);
}

static void
cmd_user_grant (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (
      args, (const char *const[]){ "login", "role", "permission", "scope", "justification", NULL },
      &e));
  g_autofree char *login = arg_login (args, &e);
  FAIL_IF (login == NULL);
  g_autofree char *role = arg_text (args, "role", FALSE, 64, &e);
  FAIL_IF (e != NULL);
  g_autofree char *permission = arg_text (args, "permission", FALSE, 128, &e);
  FAIL_IF (e != NULL);
  g_autofree char *scope = arg_text (args, "scope", FALSE, 160, &e);
  FAIL_IF (e != NULL);
  g_autofree char *why = arg_text (args, "justification", FALSE, AC_MAX_JUSTIFICATION, &e);
  FAIL_IF (e != NULL);
  if (!ready (self, call))
    return;
  const char *actor = occ_control_call_get_actor (call);
  if ((role == NULL) == (permission == NULL))
    e = g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                             "name either a role or a permission");
  const AcRole *r = ac_policy_role (self->policy, role);
  if (e == NULL && role && r == NULL)
    e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND,
                     "no role “%s” in the catalogue (omnicc role list)", role);
  if (e == NULL && permission
      && (!occ_permission_is_valid (permission, FALSE)
          || !g_hash_table_contains (self->policy->permissions, permission)))
    e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND,
                     "no permission “%s” in the catalogue (omnicc role show)", permission);
  if (e == NULL && r && r->scoped && scope == NULL)
    e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                     "the role %s is granted for named scopes only: add scope=queue:NAME or "
                     "scope=campaign:NAME",
                     role);
  if (e == NULL && r && !r->scoped && scope)
    e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                     "the role %s is not limited to scopes: grant it without scope", role);
  if (e == NULL && scope)
    {
      /* the principal's own validation says what a scope looks like */
      g_autoptr (OccPrincipal) probe = occ_principal_new ("probe", OCC_PRINCIPAL_USER);
      occ_principal_allow (probe, "probe", scope, &e);
    }
  /* outside the catalogue's roles: say why, for the record */
  if (e == NULL && permission && (why == NULL || g_utf8_strlen (why, -1) < AC_MIN_JUSTIFICATION))
    e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                     "a permission granted outside the role catalogue needs a justification "
                     "(justification=\"…\", at least %d characters)",
                     AC_MIN_JUSTIFICATION);
  if (e)
    return refuse_grant (self, call, "user.grant", login, g_steal_pointer (&e));
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->grants);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      AcGrant *g = value;
      if (strcmp (g->login, login) == 0 && g_strcmp0 (g->role, role) == 0
          && g_strcmp0 (g->permission, permission) == 0 && g_strcmp0 (g->scope, scope) == 0)
        {
          e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_EXISTS,
                           "%s already holds that (grant %s, %s)", login, g->id, g->state);
          FAIL_IF (TRUE);
        }
    }
  AcGrant *g = g_new0 (AcGrant, 1);
  g->id = ac_random_id ();
  g->login = g_strdup (login);
  g->role = g_steal_pointer (&role);
  g->permission = g_steal_pointer (&permission);
  g->scope = g_steal_pointer (&scope);
  g->justification = g_steal_pointer (&why);
  g->requested_by = g_strdup (actor);
  g->requested_at = ac_now_ms ();
  g_autofree char *conflict = conflict_with (self, login, g);
  if (conflict)
    {
      ac_grant_free (g);
      return refuse_grant (
          self, call, "user.grant", login,
          g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_CONFLICT, "grant refused: %s", conflict));
    }
  /* a second person approves what needs it, and what one grants oneself */
  gboolean approval = g->permission || (r && r->approval) || strcmp (login, actor) == 0;
  g->state = g_strdup (approval ? "pending" : "active");
  if (!approval)
    {
      g->decided_by = g_strdup (actor);
      g->decided_at = g->requested_at;
    }
  save_grant (self, call, g, "user.grant", FALSE);
}

static AcGrant *
grant_arg (Access *self, GVariant *args, GError **error)
{
  g_autofree char *id = arg_text (args, "id", TRUE, 64, error);
  if (id == NULL)
    return NULL;
  AcGrant *g = g_hash_table_lookup (self->grants, id);
  if (g == NULL)
    g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND,
                 "no pending or active grant “%s”", id);
  return g;
}

static void
decide (OccControlCall *call, GVariant *args, Access *self, gboolean approve)
{
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "id", "reason", NULL }, &e));
  if (!ready (self, call))
    return;
  AcGrant *g = grant_arg (self, args, &e);
  FAIL_IF (g == NULL);
  const char *action = approve ? "user.grant.approve" : "user.grant.refuse";
  const char *actor = occ_control_call_get_actor (call);
  if (strcmp (g->state, "pending") != 0)
    return refuse_grant (self, call, action, g->login,
                         g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                                      "grant %s is %s, not pending", g->id, g->state));
  if (strcmp (actor, g->requested_by) == 0)
    return refuse_grant (self, call, action, g->login,
                         g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_CONFLICT,
                                      "separation of duties: %s requested grant %s and cannot "
                                      "decide on it; another person must",
                                      actor, g->id));
  if (strcmp (actor, g->login) == 0)
    return refuse_grant (self, call, action, g->login,
                         g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_CONFLICT,
                                      "separation of duties: nobody decides on a grant to "
                                      "themselves (grant %s)",
                                      g->id));
  if (approve)
    {
      g_autofree char *conflict = conflict_with (self, g->login, g);
      if (conflict)
        return refuse_grant (self, call, action, g->login,
                             g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_CONFLICT,
                                          "approval refused: %s", conflict));
    }
  g_free (g->state);
  g->state = g_strdup (approve ? "active" : "refused");
  g_free (g->decided_by);
  g->decided_by = g_strdup (actor);
  g->decided_at = ac_now_ms ();
  save_grant (self, call, g, action, TRUE);
}

static void
cmd_user_approve (OccControlCall *call, GVariant *args, gpointer data)
{
  decide (call, args, get (data), TRUE);
}

static void
cmd_user_refuse (OccControlCall *call, GVariant *args, gpointer data)
{
  decide (call, args, get (data), FALSE);
}

static void
cmd_user_revoke (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (
      args, (const char *const[]){ "id", "login", "role", "permission", "scope", NULL }, &e));
  if (!ready (self, call))
    return;
  AcGrant *g = NULL;
  g_autoptr (GVariant) has_id = g_variant_lookup_value (args, "id", NULL);
  if (has_id)
    g = grant_arg (self, args, &e);
  else
    {
      g_autofree char *login = arg_login (args, &e);
      FAIL_IF (login == NULL);
      g_autofree char *role = arg_text (args, "role", FALSE, 64, &e);
      g_autofree char *perm = e ? NULL : arg_text (args, "permission", FALSE, 128, &e);
      g_autofree char *scope = e ? NULL : arg_text (args, "scope", FALSE, 160, &e);
      FAIL_IF (e != NULL);
      GHashTableIter it;
      gpointer value;
      g_hash_table_iter_init (&it, self->grants);
      while (g_hash_table_iter_next (&it, NULL, &value) && g == NULL)
        {
          AcGrant *x = value;
          if (strcmp (x->login, login) == 0 && g_strcmp0 (x->role, role) == 0
              && g_strcmp0 (x->permission, perm) == 0 && g_strcmp0 (x->scope, scope) == 0)
            g = x;
        }
      if (g == NULL)
        e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND,
                         "%s holds no such grant (user show login=%s lists them)", login, login);
    }
  FAIL_IF (g == NULL);
  g_free (g->state);
  g->state = g_strdup ("revoked");
  g->revoked_by = g_strdup (occ_control_call_get_actor (call));
  g->revoked_at = ac_now_ms ();
  save_grant (self, call, g, "user.revoke", TRUE);
}

static void
cmd_user_grants (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "login", "state", NULL }, &e));
  g_autofree char *login = NULL;
  g_autoptr (GVariant) has_login = g_variant_lookup_value (args, "login", NULL);
  if (has_login)
    {
      login = arg_login (args, &e);
      FAIL_IF (login == NULL);
    }
  g_autofree char *state = arg_text (args, "state", FALSE, 16, &e);
  FAIL_IF (e != NULL);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->grants);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      AcGrant *g = value;
      if (grant_matches (g, login) && (state == NULL || strcmp (state, g->state) == 0))
        g_variant_builder_add_value (&b, describe_grant (g));
    }
  occ_control_call_return (call, g_variant_builder_end (&b));
}

/* --- roles, policy ------------------------------------------------------------------------------ */

static void
cmd_role_list (OccControlCall *call, GVariant *args, gpointer data)
{
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ NULL }, &e));
  occ_control_call_return (call, ac_policy_describe_roles (get (data)->policy));
}

static void
cmd_role_show (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  FAIL_IF (!only_args (args, (const char *const[]){ "name", NULL }, &e));
  g_autofree char *name = arg_text (args, "name", TRUE, 64, &e);
  FAIL_IF (name == NULL);
  const AcRole *r = ac_policy_role (self->policy, name);
  if (r == NULL)
    {
      e = g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_NOT_FOUND, "no role “%s”", name);
      FAIL_IF (TRUE);
    }
  occ_control_call_return (call, ac_policy_describe_role (self->policy, r));
}

gboolean ac_reload_policy (Access *self, GError **error);

static void
cmd_access_status (OccControlCall *call, GVariant *args, gpointer data)
{
  Access *self = get (data);
  g_autoptr (GError) e = NULL;
  gboolean reload = FALSE;
  FAIL_IF (!only_args (args, (const char *const[]){ "reload", NULL }, &e)
           || !arg_bool (args, "reload", &reload, &e));
  if (reload)
    {
      FAIL_IF (!occ_control_call_check (call, "config.manage", NULL, &e));
      gboolean ok = ac_reload_policy (self, &e);
      ac_audit (self, occ_control_call_get_actor (call), "config.change", "policies roles, access",
                ok ? OCC_AUDIT_SUCCESS : OCC_AUDIT_FAILURE, occ_control_call_get_peer (call),
                g_variant_new_parsed ("{'reason': <%s>}", ok ? "" : e->message));
      FAIL_IF (!ok);
    }
  const AcPolicy *p = self->policy;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "ready", "b", self->ready);
  g_variant_dict_insert (&d, "accounts", "u", g_hash_table_size (self->accounts));
  g_variant_dict_insert (&d, "grants", "u", g_hash_table_size (self->grants));
  g_variant_dict_insert (&d, "sessions", "u", g_hash_table_size (self->sessions));
  g_variant_dict_insert (&d, "roles", "u", g_hash_table_size (p->roles));
  g_variant_dict_insert_value (&d, "sources",
                               g_variant_new_strv ((const char *const *) p->sources, -1));
  g_variant_dict_insert (&d, "local-role", "s", p->local_role ? p->local_role : "");
  g_variant_dict_insert (&d, "max-failures", "u", p->max_failures);
  g_variant_dict_insert (&d, "lockout-minutes", "x", p->lockout_ms / 60000);
  g_variant_dict_insert (&d, "session-max-age-hours", "x", p->session_max_age_ms / 3600000);
  g_variant_dict_insert (&d, "session-idle-minutes", "x", p->session_idle_ms / 60000);
  g_variant_dict_insert (&d, "sip-realm", "s", p->sip_realm);
  occ_control_call_return (call, g_variant_dict_end (&d));
}

gboolean
ac_commands_register (Access *self, GError **error)
{
  static const struct {
    const char *name;
    const char *summary;
    const char *permission; /* NULL: public */
    OccControlFunc func;
  } commands[] = {
    { "session.open", "Sign in (args: login, password); answers a session token", NULL,
      cmd_session_open },
    { "session.close", "Sign out (args: optional everywhere=true for every session of yours)", NULL,
      cmd_session_close },
    { "session.whoami", "Who this request acts as: login, roles, permissions", NULL,
      cmd_session_whoami },
    { "session.list", "Open sessions: yours, or anyone's (args: login) with session.manage", NULL,
      cmd_session_list },
    { "session.revoke", "Sign a user out everywhere (args: login)", "session.manage",
      cmd_session_revoke },
    { "user.add",
      "Add an account (args: login, optional source, display_name, password); a local one "
      "without password answers a one-time password",
      "user.manage", cmd_user_add },
    { "user.disable", "Disable an account and close its sessions (args: login)", "user.manage",
      cmd_user_disable },
    { "user.enable", "Enable an account again (args: login)", "user.manage", cmd_user_enable },
    { "user.unlock", "Lift a lockout after failed sign-ins (args: login)", "user.manage",
      cmd_user_unlock },
    { "user.list", "Every account, with what it holds", "user.read", cmd_user_list },
    { "user.show", "One account: holdings, grants, permissions (args: login)", "user.read",
      cmd_user_show },
    { "user.grant",
      "Grant a role or a permission (args: login, role or permission, scope, justification); "
      "some need another person's approval",
      "user.grant", cmd_user_grant },
    { "user.approve", "Approve a pending grant someone else requested (args: id)",
      "user.grant.approve", cmd_user_approve },
    { "user.refuse", "Refuse a pending grant (args: id, optional reason)", "user.grant.approve",
      cmd_user_refuse },
    { "user.revoke", "Revoke a grant (args: id, or login and role/permission/scope)", "user.grant",
      cmd_user_revoke },
    { "user.grants", "Pending and active grants (args: optional login, state)", "user.read",
      cmd_user_grants },
    { "role.list", "The role catalogue", "role.read", cmd_role_list },
    { "role.show", "One role: its permissions and their meaning, its rules (args: name)",
      "role.read", cmd_role_show },
    { "access.status", "Accounts, sessions and the access policy (args: optional reload=true)",
      "system.status", cmd_access_status },
  };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (!occ_control_add_command_full (
            self->plugin, commands[i].name, commands[i].summary, commands[i].permission,
            commands[i].permission ? OCC_CONTROL_FLAGS_NONE : OCC_CONTROL_PUBLIC, commands[i].func,
            self, NULL, error))
      return FALSE;
  return TRUE;
}
