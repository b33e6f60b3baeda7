/* access: signing in (sources in order, lockout, separation of duties),
 * sessions and their tokens, and who a control request acts as. */
#include "access.h"

#include <string.h>

/* --- locks ----------------------------------------------------------------------- */

/* The account a typed name is known to stand for (a UPN for a
 * sAMAccountName), or the name itself. */
static const char *
canonical (Access *self, const char *login)
{
  const char *account = g_hash_table_lookup (self->aliases, login);
  return account ? account : login;
}

static gint64
locked_until (Access *self, const char *login)
{
  login = canonical (self, login);
  gpointer v = g_hash_table_lookup (self->locks, login);
  gint64 until = v ? *(gint64 *) v : 0;
  return until > ac_now_ms () ? until : 0;
}

static void
set_lock (Access *self, const char *login, gint64 until)
{
  gpointer was = g_hash_table_lookup (self->locks, login);
  if (until != 0 || (was && *(gint64 *) was > ac_now_ms ()))
    ac_publish_account (self, login, until ? "locked" : "unlocked", NULL, until);
  if (until == 0)
    g_hash_table_remove (self->locks, login);
  else
    g_hash_table_replace (self->locks, g_strdup (login), g_memdup2 (&until, sizeof until));
  AcAccount *a = ac_account_get (self, login);
  if (a && a->locked_until != until)
    {
      a->locked_until = until;
      ac_account_save (self, a, NULL, NULL);
    }
}

void
ac_unlock (Access *self, const char *login)
{
  g_hash_table_remove (self->failures, login);
  set_lock (self, login, 0);
}

/* Counts a failed sign-in of @login; locks it when the policy says so. */
static void
count_failure (Access *self, const char *login, const char *source_addr)
{
  gint64 now = ac_now_ms ();
  ac_failure_save (self, login, now, source_addr);
  login = canonical (self, login);
  const AcPolicy *p = self->policy;
  if (p->max_failures == 0)
    return;
  GArray *f = g_hash_table_lookup (self->failures, login);
  if (f == NULL)
    {
      f = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->failures, g_strdup (login), f);
    }
  while (f->len > 0 && g_array_index (f, gint64, 0) <= now - p->failure_window_ms)
    g_array_remove_index (f, 0);
  g_array_append_val (f, now);
  if (f->len < p->max_failures)
    return;
  guint count = f->len;
  g_hash_table_remove (self->failures, login);
  set_lock (self, login, now + p->lockout_ms);
  g_message ("%s locked for %" G_GINT64_FORMAT " minutes after %u failed sign-ins", login,
             p->lockout_ms / 60000, count);
  ac_audit (self, AC_SYSTEM_ROLE, "auth.lockout", login, OCC_AUDIT_SUCCESS, source_addr,
            g_variant_new_parsed ("{'failures': <%u>, 'until': <%x>}", count, now + p->lockout_ms));
}

static GError *
locked_error (gint64 until)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (until / 1000);
  g_autofree char *when = g_date_time_format_iso8601 (t);
  return g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_LOCKED,
                      "too many failed sign-ins: the account is locked until %s", when);
}

/* --- sessions ---------------------------------------------------------------------- */

void
ac_sessions_close (Access *self, AcSession *s, const char *closed_by)
{
  ac_session_save_closed (self, s, closed_by);
  g_hash_table_remove (self->sessions, s->token_hash);
}

guint
ac_sessions_close_login (Access *self, const char *login, const char *closed_by)
{
  g_autoptr (GPtrArray) mine = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (strcmp (((AcSession *) value)->login, login) == 0)
      g_ptr_array_add (mine, value);
  for (guint i = 0; i < mine->len; i++)
    ac_sessions_close (self, g_ptr_array_index (mine, i), closed_by);
  return mine->len;
}

void
ac_sessions_refresh (Access *self, const char *login)
{
  AcAccount *a = ac_account_get (self, login);
  if (a == NULL || a->disabled)
    {
      ac_sessions_close_login (self, login, a ? "account disabled" : "account unknown");
      return;
    }
  g_autoptr (GPtrArray) holdings
      = ac_account_holdings (self, login, (const char *const *) a->groups);
  g_autofree char *conflict = ac_policy_conflict (self->policy, holdings);
  if (conflict)
    {
      g_warning ("%s: %s: sessions closed", login, conflict);
      ac_sessions_close_login (self, login, "separation of duties");
      return;
    }
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      AcSession *s = value;
      if (strcmp (s->login, login) != 0)
        continue;
      if (s->restricted && s->principal)
        continue; /* it holds user.password.own until the next sign-in */
      g_clear_pointer (&s->principal, occ_principal_unref);
      if (s->restricted)
        {
          g_autoptr (GPtrArray) only = ac_holdings_new ();
          ac_holdings_add (only, NULL, "user.password.own", NULL, NULL);
          s->principal = ac_policy_principal (self->policy, login, OCC_PRINCIPAL_USER,
                                              a->display_name, s->id, only);
          continue;
        }
      s->principal = ac_policy_principal (self->policy, login, OCC_PRINCIPAL_USER, a->display_name,
                                          s->id, holdings);
    }
}

AcSession *
ac_session_by_token (Access *self, const char *token)
{
  if (token == NULL || !ac_text_ok (token, 256))
    return NULL;
  g_autofree char *hash = ac_hash_token (token);
  return g_hash_table_lookup (self->sessions, hash);
}

gboolean
ac_sweep (gpointer data)
{
  Access *self = data;
  gint64 now = ac_now_ms ();
  gint64 mono = g_get_monotonic_time ();
  g_autoptr (GPtrArray) ended = g_ptr_array_new ();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, self->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      AcSession *s = value;
      if (now >= s->expires_at
          || (self->policy->session_idle_ms
              && mono - s->last_used > self->policy->session_idle_ms * 1000))
        g_ptr_array_add (ended, s);
    }
  for (guint i = 0; i < ended->len; i++)
    ac_sessions_close (self, g_ptr_array_index (ended, i), "expired");
  return G_SOURCE_CONTINUE;
}

/* --- who asks ----------------------------------------------------------------------- */

void
ac_locals_clear (Access *self)
{
  g_hash_table_remove_all (self->locals);
}

static OccPrincipal *
local_principal (Access *self, const char *peer)
{
  /* "uid=0 pid=12" -> "uid=0": one principal per local user */
  const char *space = strchr (peer, ' ');
  g_autofree char *uid = space ? g_strndup (peer, space - peer) : g_strdup (peer);
  OccPrincipal *who = g_hash_table_lookup (self->locals, uid);
  if (who == NULL)
    {
      const char *role = self->policy->local_role;
      g_autofree char *login = g_strconcat (role ? "local:" : "anonymous:", uid, NULL);
      g_autoptr (GPtrArray) h = ac_holdings_new ();
      if (role)
        ac_holdings_add (h, role, NULL, NULL, NULL);
      who = ac_policy_principal (
          self->policy, login, role ? OCC_PRINCIPAL_LOCAL : OCC_PRINCIPAL_ANONYMOUS, NULL, NULL, h);
      g_hash_table_insert (self->locals, g_steal_pointer (&uid), who);
    }
  return occ_principal_ref (who);
}

OccPrincipal *
ac_resolve (const OccAccessService *service, const char *token, const char *peer, GError **error)
{
  Access *self = (Access *) ((char *) service - G_STRUCT_OFFSET (Access, service));
  if (token == NULL)
    return local_principal (self, peer ? peer : "unknown");
  if (!self->ready)
    {
      g_set_error_literal (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE,
                           "sessions are still being read from the store: try again");
      return NULL;
    }
  AcSession *s = ac_session_by_token (self, token);
  if (s == NULL)
    {
      g_set_error_literal (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAUTHENTICATED,
                           "no such session (it was closed, or never existed): sign in again");
      return NULL;
    }
  gint64 mono = g_get_monotonic_time ();
  const char *ended = NULL;
  if (ac_now_ms () >= s->expires_at)
    ended = "the session expired";
  else if (self->policy->session_idle_ms
           && mono - s->last_used > self->policy->session_idle_ms * 1000)
    ended = "the session was idle too long";
  if (ended)
    {
      g_set_error (error, OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAUTHENTICATED, "%s: sign in again",
                   ended);
      ac_sessions_close (self, s, "expired");
      return NULL;
    }
  s->last_used = mono;
  return occ_principal_ref (s->principal);
}

/* --- signing in ------------------------------------------------------------------------ */

typedef struct {
  Access *self;
  char *attempted; /* folded */
  char *login;     /* as typed */
  char *secret;
  char *source_addr;
  guint next;
  gboolean unavailable;
  AcSignInFunc done;
  gpointer data;
} SignIn;

static void
sign_in_free (SignIn *si)
{
  if (si->secret)
    memset (si->secret, 0, strlen (si->secret));
  g_free (si->secret);
  g_free (si->attempted);
  g_free (si->login);
  g_free (si->source_addr);
  ac_unref (si->self);
  g_free (si);
}

static void
fail (SignIn *si, GError *error, const char *why)
{
  ac_audit (si->self, si->attempted, "auth.sign-in", si->attempted, OCC_AUDIT_FAILURE,
            si->source_addr, g_variant_new_parsed ("{'reason': <%s>}", why));
  si->done (NULL, error, si->data);
  g_error_free (error);
  sign_in_free (si);
}

static void try_next (SignIn *si);

static void
session_saved (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  gpointer *pair = data;
  SignIn *si = pair[0];
  AcSession *s = pair[1];
  char *token = pair[2];
  g_free (pair);
  Access *self = si->self;
  if (error || self->plugin == NULL)
    {
      ac_session_free (s);
      memset (token, 0, strlen (token));
      g_free (token);
      return fail (si,
                   g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE,
                                "the session could not be saved: %s",
                                error ? error->message : "the access plugin was unloaded"),
                   "store");
    }
  g_hash_table_replace (self->sessions, s->token_hash, s);
  const char *const *roles = occ_principal_get_roles (s->principal);
  AcAccount *a = ac_account_get (self, s->login);
  ac_audit (self, s->login, "auth.sign-in", s->login, OCC_AUDIT_SUCCESS, si->source_addr,
            g_variant_new_parsed ("{'session': <%s>, 'source': <%s>, 'roles': <%^as>}", s->id,
                                  a ? a->source : "", roles));
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "token", "s", token);
  g_variant_dict_insert (&d, "session", "s", s->id);
  g_variant_dict_insert (&d, "login", "s", s->login);
  g_variant_dict_insert (&d, "display-name", "s", occ_principal_get_display_name (s->principal));
  g_variant_dict_insert_value (&d, "roles", g_variant_new_strv (roles, -1));
  g_variant_dict_insert (&d, "expires-at", "x", s->expires_at);
  if (s->restricted)
    g_variant_dict_insert (&d, "must-change-password", "b", TRUE);
  g_autoptr (GVariant) answer = g_variant_ref_sink (g_variant_dict_end (&d));
  memset (token, 0, strlen (token));
  g_free (token);
  si->done (answer, NULL, si->data);
  sign_in_free (si);
}

static void
succeed (SignIn *si, GVariant *identity)
{
  Access *self = si->self;
  const char *raw_login = NULL, *source = NULL, *display = NULL;
  g_variant_lookup (identity, "login", "&s", &raw_login);
  g_variant_lookup (identity, "source", "&s", &source);
  g_variant_lookup (identity, "display-name", "&s", &display);
  g_autofree char *login = ac_fold (raw_login);
  if (login == NULL || source == NULL)
    return fail (si,
                 g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE,
                                      "the identity source answered without a usable login"),
                 "identity");
  gint64 until = locked_until (self, login);
  if (until)
    return fail (si, locked_error (until), "locked");
  /* the name typed and the account's own login: failures and locks of
   * either count for the account from now on */
  if (strcmp (si->attempted, login) != 0)
    g_hash_table_replace (self->aliases, g_strdup (si->attempted), g_strdup (login));
  AcAccount *a = ac_account_get (self, login);
  if (a && a->disabled)
    return fail (si,
                 g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED,
                              "this account is disabled in omnicc (by %s)",
                              a->disabled_by ? a->disabled_by : "an administrator"),
                 "disabled in omnicc");
  /* what the account would hold with the groups the source names now;
   * nothing is changed before that is known to be allowed */
  g_autofree const char **groups = NULL;
  if (!g_variant_lookup (identity, "groups", "^a&s", &groups))
    groups = NULL;
  const char *const *now_groups = groups ? groups : (const char *const[]){ NULL };
  g_autoptr (GPtrArray) holdings = ac_account_holdings (self, login, now_groups);
  g_autofree char *conflict = ac_policy_conflict (self->policy, holdings);
  gboolean must_change = FALSE;
  if (!g_variant_lookup (identity, "must-change-password", "b", &must_change))
    must_change = FALSE;
  if (must_change)
    {
      /* a one-time password opens a session for one thing: changing it */
      g_ptr_array_set_size (holdings, 0);
      ac_holdings_add (holdings, NULL, "user.password.own", NULL, NULL);
      g_clear_pointer (&conflict, g_free);
    }
  if (conflict)
    return fail (si,
                 g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_CONFLICT,
                              "sign-in refused: %s; ask an administrator to fix the account's "
                              "groups or grants",
                              conflict),
                 conflict);
  if (a == NULL)
    {
      a = g_new0 (AcAccount, 1);
      a->login = g_strdup (login);
      g_hash_table_replace (self->accounts, a->login, a);
    }
  g_free (a->source);
  a->source = g_strdup (source);
  g_free (a->display_name);
  a->display_name = g_strdup (display ? display : raw_login);
  g_strfreev (a->groups);
  a->groups = g_strdupv ((char **) now_groups);
  g_hash_table_remove (self->failures, si->attempted);
  g_hash_table_remove (self->failures, login);
  ac_sip_derive (a, self->policy->sip_realm, si->secret);
  a->last_sign_in = a->confirmed_at = ac_now_ms ();
  ac_account_save (self, a, NULL, NULL);

  AcSession *s = g_new0 (AcSession, 1);
  char *token = ac_random_token ();
  s->id = ac_random_id ();
  s->token_hash = ac_hash_token (token);
  s->login = g_strdup (login);
  s->source_addr = g_strdup (si->source_addr);
  s->created_at = ac_now_ms ();
  s->expires_at = s->created_at + self->policy->session_max_age_ms;
  s->last_used = g_get_monotonic_time ();
  s->principal = ac_policy_principal (self->policy, login, OCC_PRINCIPAL_USER, a->display_name,
                                      s->id, holdings);
  s->restricted = must_change;
  gpointer *pair = g_new (gpointer, 3);
  pair[0] = si;
  pair[1] = s;
  pair[2] = token;
  ac_session_save_new (self, s, session_saved, pair);
}

static void
on_auth (GVariant *identity, const GError *error, gpointer data)
{
  SignIn *si = data;
  if (si->self->plugin == NULL)
    return fail (si,
                 g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE,
                                      "the access plugin was unloaded"),
                 "unloaded");
  if (error == NULL)
    return succeed (si, identity);
  if (error->domain == OCC_AUTH_ERROR)
    switch ((OccAuthError) error->code)
      {
      case OCC_AUTH_ERROR_DENIED:
        return try_next (si);
      case OCC_AUTH_ERROR_UNAVAILABLE:
        g_message ("sign-in of %s: %s", si->attempted, error->message);
        si->unavailable = TRUE;
        return try_next (si);
      case OCC_AUTH_ERROR_DISABLED:
        return fail (si,
                     g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED,
                                          "this account is disabled in its directory"),
                     "disabled");
      case OCC_AUTH_ERROR_EXPIRED:
        return fail (si,
                     g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED,
                                          "the password has expired: change it first"),
                     "password expired");
      case OCC_AUTH_ERROR_INVALID:
        return fail (si,
                     g_error_new (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID, "%s", error->message),
                     "invalid input");
      default:
        break;
      }
  si->unavailable = TRUE;
  g_message ("sign-in of %s: %s", si->attempted, error->message);
  try_next (si);
}

static void
try_next (SignIn *si)
{
  Access *self = si->self;
  const char *const *sources = (const char *const *) self->policy->sources;
  while (sources[si->next])
    {
      g_autofree char *name = g_strconcat (OCC_AUTH_SERVICE_PREFIX, sources[si->next++], NULL);
      const OccAuthService *auth = occ_service_lookup (self->plugin, name, 1, NULL);
      if (auth)
        {
          auth->authenticate (auth, si->attempted, si->secret, on_auth, si);
          return;
        }
    }
  if (si->unavailable)
    return fail (si,
                 g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE,
                                      "no identity source could check the password now: try "
                                      "again later"),
                 "unavailable");
  count_failure (self, si->attempted, si->source_addr);
  fail (si,
        g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_DENIED, "wrong login or password"),
        "wrong login or password");
}

/* refused before anything was tried: nothing to audit */
static void
refuse (SignIn *si, GError *error)
{
  si->done (NULL, error, si->data);
  g_error_free (error);
  sign_in_free (si);
}

void
ac_sign_in (Access *self, const char *login, const char *secret, const char *source_addr,
            AcSignInFunc done, gpointer data)
{
  SignIn *si = g_new0 (SignIn, 1);
  si->self = ac_ref (self);
  si->login = g_strdup (login);
  si->attempted = ac_fold (login);
  si->secret = g_strdup (secret);
  si->source_addr = g_strdup (source_addr);
  si->done = done;
  si->data = data;
  if (si->attempted == NULL || secret == NULL || secret[0] == '\0'
      || !ac_text_ok (secret, AC_MAX_SECRET))
    {
      return refuse (si, g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_INVALID,
                                              "login and password must be non-empty UTF-8 text "
                                              "without control characters, at most 256 and "
                                              "1024 bytes"));
    }
  if (!self->ready)
    {
      return refuse (si, g_error_new_literal (OCC_ACCESS_ERROR, OCC_ACCESS_ERROR_UNAVAILABLE,
                                              "accounts are still being read from the store: "
                                              "try again"));
    }
  gint64 until = locked_until (self, si->attempted);
  if (until)
    return fail (si, locked_error (until), "locked");
  try_next (si);
}
