/* access: SIP digest credentials that follow the identity.
 *
 * A phone registers with its user's login and password (RFC 3261 digest).
 * The registrar never sees the password: at each password sign-in we keep
 * HA1 = H(login:realm:password), in MD5 and SHA-256 (RFC 8760). Before
 * handing HA1 to the registrar we check that the account may still
 * register: enabled here, not locked, holding "phone.register", and — when
 * the last word from its directory is older than the policy allows —
 * still enabled there. So an agent disabled in Active Directory cannot
 * register any more. */
#include "access.h"

#include <string.h>

static char *
digest (GChecksumType type, const char *login, const char *realm, const char *secret)
{
  g_autoptr (GChecksum) c = g_checksum_new (type);
  g_checksum_update (c, (const guchar *) login, strlen (login));
  g_checksum_update (c, (const guchar *) ":", 1);
  g_checksum_update (c, (const guchar *) realm, strlen (realm));
  g_checksum_update (c, (const guchar *) ":", 1);
  g_checksum_update (c, (const guchar *) secret, strlen (secret));
  return g_strdup (g_checksum_get_string (c));
}

void
ac_sip_derive (AcAccount *a, const char *realm, const char *secret)
{
  g_free (a->sip_realm);
  g_free (a->sip_ha1);
  g_free (a->sip_ha1_sha256);
  a->sip_realm = g_strdup (realm);
  a->sip_ha1 = digest (G_CHECKSUM_MD5, a->login, realm, secret);
  a->sip_ha1_sha256 = digest (G_CHECKSUM_SHA256, a->login, realm, secret);
}

typedef struct {
  Access *self;
  char *login;
  char *realm;
  OccAccessCallback callback;
  gpointer data;
} Ask;

static void
ask_free (Ask *q)
{
  ac_unref (q->self);
  g_free (q->login);
  g_free (q->realm);
  g_free (q);
}

static void answer_error (Ask *q, gint code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
answer_error (Ask *q, gint code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autoptr (GError) e = g_error_new_literal (OCC_ACCESS_ERROR, code, msg);
  g_debug ("SIP credentials of %s refused: %s", q->login, msg);
  q->callback (NULL, e, q->data);
  ask_free (q);
}

/* The checks that need no directory; FALSE once it has answered. */
static gboolean
usable (Ask *q, AcAccount **out)
{
  Access *self = q->self;
  if (q->login[0] == '\0')
    {
      answer_error (q, OCC_ACCESS_ERROR_INVALID, "not a login");
      return FALSE;
    }
  AcAccount *a = ac_account_get (self, q->login);
  if (a == NULL || a->sip_ha1 == NULL)
    {
      answer_error (q, OCC_ACCESS_ERROR_NOT_FOUND,
                    "%s has no SIP credentials: sign in with a password once", q->login);
      return FALSE;
    }
  if (a->disabled)
    {
      answer_error (q, OCC_ACCESS_ERROR_DENIED, "%s is disabled", q->login);
      return FALSE;
    }
  if (g_strcmp0 (a->sip_realm, q->realm) != 0)
    {
      answer_error (q, OCC_ACCESS_ERROR_NOT_FOUND,
                    "%s's SIP credentials are for realm “%s”, not “%s”", q->login, a->sip_realm,
                    q->realm);
      return FALSE;
    }
  gpointer lock = g_hash_table_lookup (self->locks, q->login);
  if (lock && *(gint64 *) lock > ac_now_ms ())
    {
      answer_error (q, OCC_ACCESS_ERROR_LOCKED, "%s is locked", q->login);
      return FALSE;
    }
  g_autoptr (GPtrArray) h = ac_account_holdings (self, q->login, (const char *const *) a->groups);
  g_autoptr (OccPrincipal) who
      = ac_policy_principal (self->policy, q->login, OCC_PRINCIPAL_USER, NULL, NULL, h);
  if (!occ_principal_can (who, "phone.register", NULL))
    {
      answer_error (q, OCC_ACCESS_ERROR_DENIED, "%s does not hold “phone.register”", q->login);
      return FALSE;
    }
  *out = a;
  return TRUE;
}

static void
answer (Ask *q, AcAccount *a)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "login", "s", a->login);
  g_variant_dict_insert (&d, "realm", "s", a->sip_realm);
  g_variant_dict_insert (&d, "ha1", "s", a->sip_ha1);
  g_variant_dict_insert (&d, "ha1-sha256", "s", a->sip_ha1_sha256);
  g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_dict_end (&d));
  q->callback (v, NULL, q->data);
  ask_free (q);
}

static void
looked_up (GVariant *identity, const GError *error, gpointer data)
{
  Ask *q = data;
  Access *self = q->self;
  if (self->plugin == NULL)
    return answer_error (q, OCC_ACCESS_ERROR_UNAVAILABLE, "the access plugin was unloaded");
  AcAccount *a = NULL;
  if (error && error->domain == OCC_AUTH_ERROR && error->code == OCC_AUTH_ERROR_UNAVAILABLE)
    {
      a = ac_account_get (self, q->login);
      gint64 age = a ? ac_now_ms () - a->confirmed_at : G_MAXINT64;
      if (a && age <= self->policy->sip_recheck_ms + self->policy->sip_grace_ms)
        {
          g_message ("%s: the directory cannot be asked (%s); its answer of %" G_GINT64_FORMAT
                     " s ago stands",
                     q->login, error->message, age / 1000);
          if (usable (q, &a))
            answer (q, a);
          return;
        }
      return answer_error (q, OCC_ACCESS_ERROR_UNAVAILABLE,
                           "the directory cannot confirm %s now: %s", q->login, error->message);
    }
  if (error)
    {
      g_message ("%s may no longer register a phone: %s", q->login, error->message);
      return answer_error (q, OCC_ACCESS_ERROR_DENIED, "%s: %s", q->login, error->message);
    }
  a = ac_account_get (self, q->login);
  if (a)
    {
      /* the directory's groups decide the roles too */
      g_autofree const char **groups = NULL;
      a->confirmed_at = ac_now_ms ();
      if (g_variant_lookup (identity, "groups", "^a&s", &groups)
          && !g_strv_equal ((const char *const *) a->groups, groups))
        {
          /* the directory moved the user: keep it, and their open
           * sessions follow */
          g_strfreev (a->groups);
          a->groups = g_strdupv ((char **) groups);
          ac_account_save (self, a, NULL, NULL);
          ac_sessions_refresh (self, a->login);
        }
    }
  if (usable (q, &a))
    answer (q, a);
}

static gboolean
start (gpointer data)
{
  Ask *q = data;
  Access *self = q->self;
  if (self->plugin == NULL)
    {
      answer_error (q, OCC_ACCESS_ERROR_UNAVAILABLE, "the access plugin was unloaded");
      return G_SOURCE_REMOVE;
    }
  AcAccount *a;
  if (!usable (q, &a))
    return G_SOURCE_REMOVE;
  gint64 age = ac_now_ms () - a->confirmed_at;
  if (age < self->policy->sip_recheck_ms)
    {
      answer (q, a);
      return G_SOURCE_REMOVE;
    }
  g_autofree char *name = g_strconcat (OCC_AUTH_SERVICE_PREFIX, a->source, NULL);
  const OccAuthService *auth = occ_service_lookup (self->plugin, name, 1, NULL);
  if (auth && auth->lookup)
    auth->lookup (auth, a->login, looked_up, q);
  else
    {
      g_autoptr (GError) e = g_error_new (OCC_AUTH_ERROR, OCC_AUTH_ERROR_UNAVAILABLE,
                                          "no %s service is loaded", name);
      looked_up (NULL, e, q);
    }
  return G_SOURCE_REMOVE;
}

void
ac_sip_credentials (const OccAccessService *service, const char *login, const char *realm,
                    OccAccessCallback callback, gpointer user_data)
{
  Access *self = (Access *) ((char *) service - G_STRUCT_OFFSET (Access, service));
  Ask *q = g_new0 (Ask, 1);
  q->self = ac_ref (self);
  q->login = ac_fold (login);
  q->realm = g_strdup (realm ? realm : self->policy->sip_realm);
  q->callback = callback;
  q->data = user_data;
  if (q->login == NULL)
    q->login = g_strdup ("");
  /* answered on a later turn of the main loop, never before we return */
  g_idle_add (start, q);
}
