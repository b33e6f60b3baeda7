/* auth-local: control commands, for administrators and the CLI
 * (`omnicc auth-local add login=bob display_name="Bob K."`). Each goes
 * through the same operations as the service. Passwords travel in the
 * request and (one-time passwords) in the answer, never in the log. */
#include "auth-local.h"

#define LIST_LIMIT 10000
#define DAY_MS (24 * 60 * 60 * (gint64) 1000)

typedef struct {
  AuthLocal *self;
  OccControlCall *call;
  const char *command;
  char *who;        /* the login, quoted */
  char *peer;       /* who asked */
  gboolean changes; /* log it */
} Cmd;

static Cmd *
cmd_new (AuthLocal *self, OccControlCall *call, const char *command, const char *login,
         gboolean changes)
{
  Cmd *c = g_new0 (Cmd, 1);
  c->self = al_ref (self);
  c->call = call;
  c->command = command;
  c->who = login ? al_quote (login) : NULL;
  c->peer = g_strdup (occ_control_call_get_peer (call));
  c->changes = changes;
  return c;
}

static void
cmd_free (Cmd *c)
{
  al_unref (c->self);
  g_free (c->who);
  g_free (c->peer);
  g_free (c);
}

static const char *
auth_code_name (int code)
{
  static const char *const names[] = { "denied",      "disabled", "expired",     "invalid",
                                       "unavailable", "policy",   "unsupported", "exists" };
  return code >= 0 && code < (int) G_N_ELEMENTS (names) ? names[code] : "error";
}

/* The control error for an operation's error. */
static GError *
to_control_error (const GError *error)
{
  OccControlError code = OCC_CONTROL_ERROR_FAILED;
  if (error->domain == OCC_CONTROL_ERROR)
    return g_error_copy (error);
  if (error->domain == OCC_AUTH_ERROR)
    {
      if (error->code == OCC_AUTH_ERROR_INVALID || error->code == OCC_AUTH_ERROR_POLICY)
        code = OCC_CONTROL_ERROR_BAD_REQUEST;
      else if (error->code == OCC_AUTH_ERROR_DENIED || error->code == OCC_AUTH_ERROR_DISABLED
               || error->code == OCC_AUTH_ERROR_EXPIRED || error->code == OCC_AUTH_ERROR_EXISTS)
        code = OCC_CONTROL_ERROR_REFUSED;
      return g_error_new (OCC_CONTROL_ERROR, code, "%s: %s", auth_code_name (error->code),
                          error->message);
    }
  if (error->domain == OCC_RECORDS_ERROR)
    {
      if (error->code == OCC_RECORDS_ERROR_INVALID)
        code = OCC_CONTROL_ERROR_BAD_REQUEST;
      else if (error->code == OCC_RECORDS_ERROR_NOT_FOUND)
        code = OCC_CONTROL_ERROR_NOT_FOUND;
      else if (error->code == OCC_RECORDS_ERROR_CONFLICT)
        code = OCC_CONTROL_ERROR_REFUSED;
    }
  return g_error_new_literal (OCC_CONTROL_ERROR, code, error->message);
}

/* Answers the command (an AlDoneFunc). */
static void
cmd_done (GVariant *result, const GError *error, gpointer data)
{
  Cmd *c = data;
  if (error)
    {
      g_autoptr (GError) e = to_control_error (error);
      if (c->changes)
        g_message ("%s %s by %s refused: %s", c->command, c->who ? c->who : "", c->peer,
                   e->message);
      occ_control_call_return_error (c->call, e);
    }
  else
    {
      if (c->changes)
        g_message ("%s %s by %s", c->command, c->who ? c->who : "", c->peer);
      occ_control_call_return (c->call, result);
    }
  cmd_free (c);
}

/* --- arguments ----------------------------------------------------------------------- */

static void
refuse (OccControlCall *call, GError *error)
{
  g_autoptr (GError) e = error;
  occ_control_call_return_error (call, e);
}

static gboolean
only_known_args (GVariant *args, const char *const *known, GError **error)
{
  GVariantIter iter;
  const char *key;
  g_variant_iter_init (&iter, args);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    if (!g_strv_contains (known, key))
      {
        g_autofree char *q = al_quote (key);
        g_autofree char *list = g_strjoinv (", ", (char **) known);
        g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                     "unknown argument %s (arguments: %s)", q, list);
        return FALSE;
      }
  return TRUE;
}

/* A text argument: "s", or for secrets also "ay" (bytes, where a NUL can
 * be seen and refused). *@out points into @args. */
static gboolean
arg_text (GVariant *args, const char *name, gboolean required, gboolean secret, const char **out,
          gssize *len, GError **error)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, name, NULL);
  *out = NULL;
  if (len)
    *len = -1;
  if (v == NULL)
    {
      if (required)
        g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                     "argument “%s” is missing", name);
      return !required;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      *out = g_variant_get_string (v, NULL); /* @args holds it */
      return TRUE;
    }
  if (secret && len && g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize n = 0;
      *out = g_variant_get_fixed_array (v, &n, 1);
      *len = (gssize) n;
      return TRUE;
    }
  g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
               "argument “%s” must be a string, not “%s”%s", name, g_variant_get_type_string (v),
               secret ? " (quote a password made of digits: name='\"123…\"')" : "");
  return FALSE;
}

static gboolean
arg_bool (GVariant *args, const char *name, gboolean fallback, gboolean *out, GError **error)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, name, NULL);
  *out = fallback;
  if (v == NULL)
    return TRUE;
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "argument “%s” must be true or false", name);
      return FALSE;
    }
  *out = g_variant_get_boolean (v);
  return TRUE;
}

/* --- commands ------------------------------------------------------------------------- */

static void
cmd_add (OccControlCall *call, GVariant *args, gpointer data)
{
  static const char *const known[] = { "login", "display_name", "password", "must-change", NULL };
  GError *e = NULL;
  const char *login, *name, *password;
  gssize len;
  gboolean must_change;
  if (!only_known_args (args, known, &e) || !arg_text (args, "login", TRUE, FALSE, &login, NULL, &e)
      || !arg_text (args, "display_name", FALSE, FALSE, &name, NULL, &e)
      || !arg_text (args, "password", FALSE, TRUE, &password, &len, &e)
      || !arg_bool (args, "must-change", FALSE, &must_change, &e))
    {
      refuse (call, e);
      return;
    }
  AlNewAccount account = {
    .login = login,
    .display_name = name,
    .secret = password,
    .secret_len = len,
    .must_change = must_change,
  };
  al_create_account (data, &account, FALSE, cmd_done,
                     cmd_new (data, call, "auth-local.add", login, TRUE));
}

static void
set_enabled (OccControlCall *call, GVariant *args, AuthLocal *self, gboolean enabled)
{
  static const char *const known[] = { "login", NULL };
  GError *e = NULL;
  const char *login;
  if (!only_known_args (args, known, &e)
      || !arg_text (args, "login", TRUE, FALSE, &login, NULL, &e))
    {
      refuse (call, e);
      return;
    }
  const char *command = enabled ? "auth-local.enable" : "auth-local.disable";
  al_set_enabled (self, login, enabled, FALSE, cmd_done,
                  cmd_new (self, call, command, login, TRUE));
}

static void
cmd_disable (OccControlCall *call, GVariant *args, gpointer data)
{
  set_enabled (call, args, data, FALSE);
}

static void
cmd_enable (OccControlCall *call, GVariant *args, gpointer data)
{
  set_enabled (call, args, data, TRUE);
}

static void
cmd_passwd (OccControlCall *call, GVariant *args, gpointer data)
{
  static const char *const known[] = { "login", "old", "new", NULL };
  GError *e = NULL;
  const char *login, *old, *new;
  gssize old_len, new_len;
  if (!only_known_args (args, known, &e) || !arg_text (args, "login", TRUE, FALSE, &login, NULL, &e)
      || !arg_text (args, "old", TRUE, TRUE, &old, &old_len, &e)
      || !arg_text (args, "new", TRUE, TRUE, &new, &new_len, &e))
    {
      refuse (call, e);
      return;
    }
  /* one's own password with user.password.own; anyone's with user.manage */
  g_autofree char *mine = g_utf8_casefold (occ_control_call_get_actor (call), -1);
  g_autofree char *theirs = g_utf8_casefold (login, -1);
  if (strcmp (mine, theirs) != 0 && !occ_control_call_check (call, "user.manage", NULL, &e))
    {
      occ_control_call_return_error (call, e);
      g_error_free (e);
      return;
    }
  al_change_password (data, login, old, old_len, new, new_len, FALSE, cmd_done,
                      cmd_new (data, call, "auth-local.passwd", login, TRUE));
}

static void
cmd_check (OccControlCall *call, GVariant *args, gpointer data)
{
  static const char *const known[] = { "login", "password", NULL };
  GError *e = NULL;
  const char *login, *password;
  gssize len;
  if (!only_known_args (args, known, &e) || !arg_text (args, "login", TRUE, FALSE, &login, NULL, &e)
      || !arg_text (args, "password", TRUE, TRUE, &password, &len, &e))
    {
      refuse (call, e);
      return;
    }
  al_authenticate (data, login, password, len, TRUE, cmd_done,
                   cmd_new (data, call, "auth-local.check", login, FALSE));
}

/* One account of auth-local.list: never its hash. */
static GVariant *
list_entry (AuthLocal *self, GVariant *user, gint64 now)
{
  const char *login = al_user_string (user, "login");
  const char *name = al_user_string (user, "display_name");
  gint64 changed = al_user_time (user, "password_changed_at", -1);
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "login", g_variant_new_string (login));
  g_variant_builder_add (&b, "{sv}", "display-name", g_variant_new_string (name ? name : ""));
  g_variant_builder_add (&b, "{sv}", "id", g_variant_new_string (al_user_string (user, "id")));
  g_variant_builder_add (&b, "{sv}", "enabled", g_variant_new_boolean (al_user_enabled (user)));
  g_variant_builder_add (&b, "{sv}", "must-change-password", g_variant_new_boolean (changed == 0));
  if (changed > 0)
    {
      g_variant_builder_add (&b, "{sv}", "password-changed-at", g_variant_new_int64 (changed));
      g_variant_builder_add (&b, "{sv}", "password-age-days",
                             g_variant_new_int64 (MAX (now - changed, 0) / DAY_MS));
      g_variant_builder_add (
          &b, "{sv}", "password-expired",
          g_variant_new_boolean (al_policy_expired (&self->policy, changed, now)));
    }
  g_variant_builder_add (
      &b, "{sv}", "bootstrap",
      g_variant_new_boolean (g_strcmp0 (al_user_string (user, "id"), AL_BOOTSTRAP_ID) == 0));
  return g_variant_builder_end (&b);
}

static void
list_found (AlOp *op)
{
  if (al_op_failed (op))
    return;
  gint64 now = g_get_real_time () / 1000;
  GVariantBuilder users;
  g_variant_builder_init (&users, G_VARIANT_TYPE ("aa{sv}"));
  gsize n = g_variant_n_children (op->found);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) user = g_variant_get_child_value (op->found, i);
      g_variant_builder_add_value (&users, list_entry (op->self, user, now));
    }
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "users", g_variant_builder_end (&users));
  g_variant_builder_add (&b, "{sv}", "count", g_variant_new_int64 ((gint64) n));
  al_op_finish (op, g_variant_builder_end (&b), NULL);
}

static void
cmd_list (OccControlCall *call, GVariant *args, gpointer data)
{
  static const char *const known[] = { NULL };
  GError *e = NULL;
  if (!only_known_args (args, known, &e))
    {
      refuse (call, e);
      return;
    }
  AuthLocal *self = data;
  AlOp *op = al_op_new (self, "list", FALSE, cmd_done,
                        cmd_new (self, call, "auth-local.list", NULL, FALSE));
  if (op == NULL)
    return;
  al_op_find (op, g_variant_new_parsed ("{'source': <%s>}", AL_SOURCE), "login", LIST_LIMIT,
              list_found);
}

static void
cmd_policy (OccControlCall *call, GVariant *args, gpointer data)
{
  static const char *const known[] = { "reload", NULL };
  AuthLocal *self = data;
  GError *e = NULL;
  gboolean reload;
  if (!only_known_args (args, known, &e) || !arg_bool (args, "reload", FALSE, &reload, &e))
    {
      refuse (call, e);
      return;
    }
  if (reload && !occ_control_call_check (call, "config.manage", NULL, &e))
    {
      occ_control_call_return_error (call, e);
      g_error_free (e);
      return;
    }
  if (reload && !al_reload_policy (self, &e))
    {
      g_message ("auth-local.policy reload by %s refused: %s", occ_control_call_get_peer (call),
                 e->message);
      refuse (call, g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                 "%s (the policy in force is unchanged)", e->message));
      g_error_free (e);
      return;
    }
  if (reload)
    g_message ("password policy reloaded by %s", occ_control_call_get_peer (call));
  occ_control_call_return (call, al_policy_to_variant (&self->policy));
}

gboolean
al_commands_register (AuthLocal *self, GError **error)
{
  static const struct {
    const char *name;
    const char *summary;
    OccControlFunc func;
    const char *permission;
  } commands[] = {
    { "auth-local.add",
      "Create a local account (args: login, optional display_name, password, must-change); "
      "without a password, answers a one-time password, once",
      cmd_add, "user.manage" },
    { "auth-local.disable", "Disable a local account (args: login)", cmd_disable, "user.manage" },
    { "auth-local.enable", "Enable a local account again (args: login)", cmd_enable,
      "user.manage" },
    { "auth-local.passwd",
      "Change a local account's password (args: login, old, new); another's needs user.manage",
      cmd_passwd, "user.password.own" },
    { "auth-local.list", "List local accounts: enabled, must change, password age (no hashes)",
      cmd_list, "user.read" },
    { "auth-local.check",
      "Check a login and password; answers the identity (args: login, "
      "password)",
      cmd_check, "user.manage" },
    { "auth-local.policy",
      "The password policy in force (args: optional reload=true to re-read it)", cmd_policy,
      "user.read" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (!occ_control_add_command_full (self->plugin, commands[i].name, commands[i].summary,
                                       commands[i].permission, OCC_CONTROL_FLAGS_NONE,
                                       commands[i].func, self, NULL, error))
      return FALSE;
  return TRUE;
}
