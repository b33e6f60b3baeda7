/* auth-local: the "auth/local" service — sign-in, lookup, password
 * change, creation and enabling of local accounts (records of entity
 * "user" with source "local"). The control commands and the first-run
 * administrator go through the same operations.
 *
 * What a wrong guess learns: an unknown login and a wrong password give
 * the same error (DENIED) after the same work (an unknown login is checked
 * against a dummy hash made with the same limits); a disabled account and
 * an expired password are only told to whoever gave the right password.
 * The log says which it was. */
#include "auth-local.h"

#define DENIED_MESSAGE "wrong login or password"

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void fail_in (AlOp *op, GQuark domain, int code, const char *format, ...)
    G_GNUC_PRINTF (4, 5);

static void
fail_in (AlOp *op, GQuark domain, int code, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autoptr (GError) e = g_error_new_valist (domain, code, format, ap);
  va_end (ap);
  al_op_finish (op, NULL, e);
}

#define fail(op, code, ...) fail_in (op, OCC_AUTH_ERROR, code, __VA_ARGS__)

/* Keeps the dummy hash a finished job made, if the policy did not change. */
static void
keep_dummy (AuthLocal *self, AlJob *job)
{
  if (job->made_dummy && self->dummy_hash == NULL && job->opslimit == self->policy.opslimit
      && job->memlimit == self->policy.memlimit)
    self->dummy_hash = g_steal_pointer (&job->made_dummy);
}

/* A job verifying op->secret against the account's hash, or against the
 * dummy when there is no account (or no hash). */
static AlJob *
verify_job (AlOp *op)
{
  AlJob *job = al_job_new (&op->self->policy);
  job->secret = g_steal_pointer (&op->secret);
  job->hash = g_strdup (al_user_string (op->user, "password_hash"));
  job->dummy = g_strdup (op->self->dummy_hash);
  return job;
}

/* op->user's identity with @key set to @value (nullable: nothing added);
 * floating. */
static GVariant *
identity_with (AlOp *op, const char *key, GVariant *value)
{
  g_autoptr (GVariant) identity = g_variant_ref_sink (al_identity (op->self, op->user));
  GVariantDict d;
  g_variant_dict_init (&d, identity);
  if (value)
    g_variant_dict_insert_value (&d, key, value);
  return g_variant_dict_end (&d);
}

/* After a verify job: answers the op, and returns TRUE, unless the
 * password was right and the account is enabled — in an order that tells
 * a wrong guess nothing. */
static gboolean
refuse_unless_verified (AlOp *op)
{
  if (op->user == NULL || !op->job->verified)
    {
      const char *why = op->user == NULL ? "no such local account"
                        : al_user_string (op->user, "password_hash") == NULL ? "no password set"
                                                                             : "wrong password";
      g_info ("%s refused for %s: %s", op->what, op->who, why);
      fail (op, OCC_AUTH_ERROR_DENIED, DENIED_MESSAGE);
      return TRUE;
    }
  if (!al_user_enabled (op->user))
    {
      g_info ("%s refused for %s: the account is disabled", op->what, op->who);
      fail (op, OCC_AUTH_ERROR_DISABLED, "the account %s is disabled", op->who);
      return TRUE;
    }
  return FALSE;
}

/* --- sign-in ------------------------------------------------------------------------ */

static void
auth_done (AlOp *op)
{
  if (op->error)
    {
      g_autofree char *why = al_redact (op->error->message);
      g_warning ("the new hash of %s was not stored: %s", op->who, why);
    }
  g_info ("%s: %s signed in", op->what, op->who);
  al_op_finish (op, al_identity (op->self, op->user), NULL);
}

static void
auth_verified (AlOp *op)
{
  AuthLocal *self = op->self;
  if (al_op_failed (op))
    return;
  keep_dummy (self, op->job);
  if (refuse_unless_verified (op))
    return;
  gint64 changed = al_user_time (op->user, "password_changed_at", -1);
  if (al_policy_expired (&self->policy, changed, now_ms ()))
    {
      g_info ("%s refused for %s: the password is older than %u days", op->what, op->who,
              self->policy.max_age_days);
      fail (op, OCC_AUTH_ERROR_EXPIRED, "the password of %s expired: change it", op->who);
      return;
    }
  if (op->job->new_hash == NULL)
    {
      auth_done (op);
      return;
    }
  /* hashed with other limits than the policy's: store the new hash */
  op->new_hash = g_steal_pointer (&op->job->new_hash);
  GVariant *record = g_variant_new_parsed ("{'id': <%s>, 'password_hash': <%s>}",
                                           al_user_string (op->user, "id"), op->new_hash);
  al_op_put_user (op, record, auth_done);
}

static void
auth_found (AlOp *op)
{
  if (al_op_failed (op))
    return;
  AlJob *job = verify_job (op);
  job->rehash = TRUE;
  al_op_run_job (op, job, auth_verified);
}

void
al_authenticate (AuthLocal *self, const char *login, const char *secret, gssize secret_len,
                 gboolean auth_errors, AlDoneFunc done, gpointer data)
{
  AlOp *op = al_op_new (self, "sign-in", auth_errors, done, data);
  if (op == NULL)
    return;
  GError *e = NULL;
  if (!al_check_input ("login", login, -1, &e)
      || !al_check_input ("password", secret, secret_len, &e))
    {
      al_op_fail_later (op, e);
      return;
    }
  al_op_set_login (op, login);
  op->secret = al_secret_new (secret, secret_len);
  /* a login no account can have: straight to the dummy check */
  if (!al_check_login (login, NULL))
    {
      auth_found (op);
      return;
    }
  al_op_find_user (op, auth_found);
}

/* --- lookup --------------------------------------------------------------------------- */

static void
lookup_found (AlOp *op)
{
  if (al_op_failed (op))
    return;
  if (op->user == NULL)
    {
      fail (op, OCC_AUTH_ERROR_DENIED, "there is no local account %s", op->who);
      return;
    }
  if (!al_user_enabled (op->user))
    {
      fail (op, OCC_AUTH_ERROR_DISABLED, "the account %s is disabled", op->who);
      return;
    }
  al_op_finish (op, al_identity (op->self, op->user), NULL);
}

void
al_lookup (AuthLocal *self, const char *login, AlDoneFunc done, gpointer data)
{
  AlOp *op = al_op_new (self, "lookup", TRUE, done, data);
  if (op == NULL)
    return;
  GError *e = NULL;
  if (!al_check_input ("login", login, -1, &e))
    {
      al_op_fail_later (op, e);
      return;
    }
  if (!al_check_login (login, NULL))
    {
      g_autofree char *who = al_quote (login);
      al_op_fail_later (op, g_error_new (OCC_AUTH_ERROR, OCC_AUTH_ERROR_DENIED,
                                         "there is no local account %s", who));
      return;
    }
  al_op_set_login (op, login);
  al_op_find_user (op, lookup_found);
}

/* --- password change ------------------------------------------------------------------- */

static void
change_done (AlOp *op)
{
  if (op->error)
    {
      g_autofree char *why = al_redact (op->error->message);
      g_warning ("the password history of %s was not updated: %s", op->who, why);
    }
  al_bootstrap_password_changed (op->self, op->user);
  g_info ("%s: the password of %s was changed", op->what, op->who);
  al_op_finish (op, al_identity (op->self, op->user), NULL);
}

static void
change_stored (AlOp *op)
{
  if (al_op_failed (op))
    return;
  al_history_add (op, op->new_hash, change_done);
}

static void
change_hashed (AlOp *op)
{
  AuthLocal *self = op->self;
  if (al_op_failed (op))
    return;
  keep_dummy (self, op->job);
  if (refuse_unless_verified (op))
    return;
  if (op->job->reused)
    {
      g_info ("%s refused for %s: a recent password was given again", op->what, op->who);
      g_autoptr (GError) e = g_error_new (
          OCC_AUTH_ERROR, OCC_AUTH_ERROR_POLICY,
          "history: the new password must differ from the last %u passwords", self->policy.history);
      al_op_finish (op, NULL, e);
      return;
    }
  op->new_hash = g_steal_pointer (&op->job->new_hash);
  /* a real time: the one-time mark (0) goes */
  GVariant *record
      = g_variant_new_parsed ("{'id': <%s>, 'password_hash': <%s>, 'password_changed_at': <%x>}",
                              al_user_string (op->user, "id"), op->new_hash, MAX (now_ms (), 1));
  al_op_put_user (op, record, change_stored);
}

static void
change_checked (AlOp *op)
{
  if (al_op_failed (op))
    return;
  AlJob *job = verify_job (op);
  job->new_secret = g_steal_pointer (&op->new_secret);
  job->check_reuse = op->self->policy.history > 0;
  job->history = g_steal_pointer (&op->history);
  al_op_run_job (op, job, change_hashed);
}

static void
change_found (AlOp *op)
{
  if (al_op_failed (op))
    return;
  if (op->user && op->self->policy.history > 0)
    {
      al_history_load (op, change_checked);
      return;
    }
  change_checked (op);
}

void
al_change_password (AuthLocal *self, const char *login, const char *old_secret, gssize old_len,
                    const char *new_secret, gssize new_len, gboolean auth_errors, AlDoneFunc done,
                    gpointer data)
{
  AlOp *op = al_op_new (self, "password change", auth_errors, done, data);
  if (op == NULL)
    return;
  GError *e = NULL;
  if (!al_check_input ("login", login, -1, &e)
      || !al_check_input ("old password", old_secret, old_len, &e)
      || !al_check_input ("new password", new_secret, new_len, &e))
    {
      al_op_fail_later (op, e);
      return;
    }
  al_op_set_login (op, login);
  op->secret = al_secret_new (old_secret, old_len);
  op->new_secret = al_secret_new (new_secret, new_len);
  if (!al_policy_check (&self->policy, op->new_secret->data, &e))
    {
      al_op_fail_later (op, e);
      return;
    }
  if (!al_check_login (login, NULL))
    {
      change_found (op);
      return;
    }
  al_op_find_user (op, change_found);
}

/* --- creating accounts ------------------------------------------------------------------ */

typedef struct {
  AlNewAccount account; /* the strings are the op's */
  char *id;
  char *display_name;
  AlSecret *one_time; /* to answer once */
} Creation;

static void
creation_free (gpointer data)
{
  Creation *c = data;
  g_free (c->id);
  g_free (c->display_name);
  al_secret_free (c->one_time);
  g_free (c);
}

static void
create_done (AlOp *op)
{
  Creation *c = op->data;
  if (op->error)
    {
      g_autofree char *why = al_redact (op->error->message);
      g_warning ("the password history of %s was not started: %s", op->who, why);
    }
  g_info ("the local account %s was created", op->who);
  GVariant *one_time = c->one_time ? g_variant_new_string (c->one_time->data) : NULL;
  al_op_finish (op, identity_with (op, "one-time-password", one_time), NULL);
}

static void
create_stored (AlOp *op)
{
  if (al_op_failed (op))
    return;
  al_history_add (op, op->new_hash, create_done);
}

static void
create_hashed (AlOp *op)
{
  Creation *c = op->data;
  if (al_op_failed (op))
    return;
  op->new_hash = g_steal_pointer (&op->job->new_hash);
  GError *e = NULL;
  if (c->account.before_write && !c->account.before_write (c->one_time, op->done_data, &e))
    {
      g_autoptr (GError) owned = e;
      al_op_finish (op, NULL, owned);
      return;
    }
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  if (c->id)
    g_variant_dict_insert (&d, "id", "s", c->id);
  g_variant_dict_insert (&d, "login", "s", op->login);
  if (c->display_name)
    g_variant_dict_insert (&d, "display_name", "s", c->display_name);
  g_variant_dict_insert (&d, "source", "s", AL_SOURCE);
  g_variant_dict_insert (&d, "password_hash", "s", op->new_hash);
  g_variant_dict_insert (&d, "enabled", "b", TRUE);
  g_variant_dict_insert (&d, "password_changed_at", "x",
                         c->account.must_change ? (gint64) 0 : MAX (now_ms (), 1));
  al_op_put_user (op, g_variant_dict_end (&d), create_stored);
}

void
al_create_account (AuthLocal *self, const AlNewAccount *account, gboolean auth_errors,
                   AlDoneFunc done, gpointer data)
{
  AlOp *op = al_op_new (self, "account creation", auth_errors, done, data);
  if (op == NULL)
    return;
  Creation *c = g_new0 (Creation, 1);
  c->account = *account;
  c->id = g_strdup (account->id);
  c->display_name = g_strdup (account->display_name);
  op->data = c;
  op->data_free = creation_free;
  GError *e = NULL;
  if (!al_check_login (account->login, &e) || !al_check_display_name (account->display_name, &e))
    {
      al_op_fail_later (op, e);
      return;
    }
  al_op_set_login (op, account->login);
  AlJob *job = al_job_new (&self->policy);
  if (account->secret)
    {
      if (!al_check_input ("password", account->secret, account->secret_len, &e))
        {
          al_job_free (job);
          al_op_fail_later (op, e);
          return;
        }
      job->new_secret = al_secret_new (account->secret, account->secret_len);
      if (!al_policy_check (&self->policy, job->new_secret->data, &e))
        {
          al_job_free (job);
          al_op_fail_later (op, e);
          return;
        }
    }
  else
    {
      c->one_time = al_secret_generate ();
      c->account.must_change = TRUE;
      job->new_secret = al_secret_new (c->one_time->data, c->one_time->len);
    }
  /* the caller's strings are not kept */
  c->account.id = c->account.login = c->account.display_name = c->account.secret = NULL;
  al_op_run_job (op, job, create_hashed);
}

/* --- enabling -------------------------------------------------------------------------- */

static void
enabled_done (AlOp *op)
{
  if (al_op_failed (op))
    return;
  gboolean enabled = al_user_enabled (op->user);
  g_info ("the local account %s was %s", op->who, enabled ? "enabled" : "disabled");
  al_op_finish (op, identity_with (op, "enabled", g_variant_new_boolean (enabled)), NULL);
}

static void
enabled_found (AlOp *op)
{
  if (al_op_failed (op))
    return;
  if (op->user == NULL)
    {
      /* DENIED for the service's callers (see public_error) */
      fail_in (op, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND, "there is no local account %s",
               op->who);
      return;
    }
  gboolean enabled = GPOINTER_TO_INT (op->data);
  GVariant *record = g_variant_new_parsed ("{'id': <%s>, 'enabled': <%b>}",
                                           al_user_string (op->user, "id"), enabled);
  al_op_put_user (op, record, enabled_done);
}

void
al_set_enabled (AuthLocal *self, const char *login, gboolean enabled, gboolean auth_errors,
                AlDoneFunc done, gpointer data)
{
  AlOp *op = al_op_new (self, enabled ? "enabling" : "disabling", auth_errors, done, data);
  if (op == NULL)
    return;
  op->data = GINT_TO_POINTER (enabled);
  GError *e = NULL;
  if (!al_check_login (login, &e))
    {
      al_op_fail_later (op, e);
      return;
    }
  al_op_set_login (op, login);
  al_op_find_user (op, enabled_found);
}

/* --- the service ------------------------------------------------------------------------ */

static const char *
service_get_source (const OccAuthService *service)
{
  (void) service;
  return AL_SOURCE;
}

static void
service_authenticate (const OccAuthService *service, const char *login, const char *secret,
                      OccAuthCallback callback, gpointer user_data)
{
  al_authenticate ((AuthLocal *) service, login, secret, -1, TRUE, callback, user_data);
}

static void
service_lookup (const OccAuthService *service, const char *login, OccAuthCallback callback,
                gpointer user_data)
{
  al_lookup ((AuthLocal *) service, login, callback, user_data);
}

static void
service_change_password (const OccAuthService *service, const char *login, const char *old_secret,
                         const char *new_secret, OccAuthCallback callback, gpointer user_data)
{
  al_change_password ((AuthLocal *) service, login, old_secret, -1, new_secret, -1, TRUE, callback,
                      user_data);
}

static void
service_add_account (const OccAuthService *service, const char *login, const char *display_name,
                     const char *password, OccAuthCallback callback, gpointer user_data)
{
  AlNewAccount account = {
    .login = login,
    .display_name = display_name,
    .secret = password,
    .secret_len = -1,
  };
  al_create_account ((AuthLocal *) service, &account, TRUE, callback, user_data);
}

static void
service_set_enabled (const OccAuthService *service, const char *login, gboolean enabled,
                     OccAuthCallback callback, gpointer user_data)
{
  al_set_enabled ((AuthLocal *) service, login, enabled, TRUE, callback, user_data);
}

void
al_service_init (AuthLocal *self)
{
  self->service = (OccAuthService){
    .header = OCC_SERVICE_HEADER (OccAuthService, OCC_AUTH_VERSION),
    .get_source = service_get_source,
    .authenticate = service_authenticate,
    .lookup = service_lookup,
    .change_password = service_change_password,
    .add_account = service_add_account,
    .set_enabled = service_set_enabled,
  };
}
