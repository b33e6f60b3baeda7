/* One authenticate() or lookup() call, from the input checks to the
 * identity. The steps:
 *
 *   search then bind (bind-dn):  find the user's entry as the service
 *     account → bind as the user's DN with the password, on a connection
 *     of its own (the service connection stays bound as the service
 *     account) → groups, as the service account;
 *   direct bind (user-dn-template): bind as the template's name → read
 *     the user's entry as the user → groups, as the user.
 *
 * Groups: the user's memberOf; nested ones through the Active Directory
 * in-chain matching rule when active-directory is set (and the server
 * understood it), otherwise by reading each group's own memberOf,
 * breadth first, each group once (cycles end), group-depth levels deep.
 *
 * A wrong password and an unknown login give the same DENIED; the
 * difference is logged at debug level. When the server a request runs on
 * fails, the request starts again on the next one (la_request_retry). */
#include "ldapauth.h"

#include <string.h>

#define UAC_ACCOUNTDISABLE 0x2
#define IN_CHAIN_RULE "1.2.840.113556.1.4.1941"

static const char *const user_attrs[] = {
  "displayName",       "cn", "mail", "memberOf", "userAccountControl", "sAMAccountName", "uid",
  "userPrincipalName", NULL
};
static const char *const group_attrs[] = { "cn", "memberOf", NULL };
static const char *const chain_attrs[] = { "cn", NULL };

typedef struct {
  char *name;
  char *dn;
} LaGroup;

static void
group_free (gpointer data)
{
  LaGroup *g = data;
  g_free (g->name);
  g_free (g->dn);
  g_free (g);
}

static const char *
url_of (LaRequest *r)
{
  return r->la->cfg->servers[r->server].url;
}

guint
la_request_server (const LaRequest *req)
{
  return req->server;
}

/* --- answering ------------------------------------------------------------------ */

static void
req_release_bind (LaRequest *r)
{
  LaConn *c = g_steal_pointer (&r->bind_conn);
  if (c)
    la_pool_release_bind (r->la, c);
}

/* Drops what @r waits for: its operations and its connections. */
static void
req_stop (LaRequest *r)
{
  while (r->ops->len > 0)
    {
      LaOp *op = g_ptr_array_steal_index_fast (r->ops, r->ops->len - 1);
      la_conn_abandon (op);
    }
  req_release_bind (r);
  la_pool_forget (r->la, r);
}

static void
req_answer (LaRequest *r, GVariant *identity, GError *error)
{
  LdapAuth *la = r->la;
  req_stop (r);
  r->identity = identity ? g_variant_ref_sink (identity) : NULL;
  r->error = error;
  if (error && error->domain == OCC_AUTH_ERROR)
    switch (error->code)
      {
      case OCC_AUTH_ERROR_DENIED:
        la->denied++;
        break;
      case OCC_AUTH_ERROR_DISABLED:
      case OCC_AUTH_ERROR_EXPIRED:
        la->disabled++;
        break;
      case OCC_AUTH_ERROR_INVALID:
        la->invalid++;
        break;
      case OCC_AUTH_ERROR_UNAVAILABLE:
        la->unavailable++;
        g_free (la->last_error);
        la->last_error = g_strdup (error->message);
        break;
      default:
        break;
      }
  g_queue_unlink (&la->requests, &r->link);
  g_queue_push_tail_link (&la->answered, &r->link);
  g_source_set_ready_time (la->deliver, 0);
}

void
la_request_fail (LaRequest *req, GError *error)
{
  req_answer (req, NULL, error);
}

static void req_fail (LaRequest *r, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
req_fail (LaRequest *r, int code, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  req_answer (r, NULL, g_error_new_literal (OCC_AUTH_ERROR, code, msg));
}

static void
req_denied (LaRequest *r)
{
  req_fail (r, OCC_AUTH_ERROR_DENIED, "wrong login or password");
}

static void
request_free (LaRequest *r)
{
  if (r->secret)
    explicit_bzero (r->secret, strlen (r->secret));
  g_free (r->secret);
  g_free (r->login);
  g_string_free (r->failures, TRUE);
  g_ptr_array_unref (r->ops);
  la_entry_free (r->user);
  g_hash_table_unref (r->seen);
  g_ptr_array_unref (r->groups);
  g_clear_pointer (&r->identity, g_variant_unref);
  g_clear_error (&r->error);
  g_free (r);
}

gboolean
la_request_deliver (LdapAuth *la, gint64 deadline)
{
  GList *l;
  while ((l = g_queue_pop_head_link (&la->answered)) != NULL)
    {
      LaRequest *r = l->data;
      r->callback (r->identity, r->error, r->user_data);
      request_free (r);
      if (la->answered.length > 0 && g_get_monotonic_time () >= deadline)
        return TRUE;
    }
  return FALSE;
}

static int
compare_groups (gconstpointer a, gconstpointer b)
{
  const LaGroup *ga = *(LaGroup *const *) a, *gb = *(LaGroup *const *) b;
  int by_name = g_utf8_collate (ga->name, gb->name);
  return by_name ? by_name : strcmp (ga->dn, gb->dn);
}

static void
req_succeed (LaRequest *r)
{
  const LaEntry *u = r->user;
  const char *login = NULL, *display = NULL;
  if (u)
    {
      login = la_entry_get (u, "sAMAccountName");
      login = login ? login : la_entry_get (u, "uid");
      display = la_entry_get (u, "displayName");
      display = display ? display : la_entry_get (u, "cn");
    }
  login = login ? login : r->login;
  g_ptr_array_sort (r->groups, compare_groups);
  GVariantBuilder names, dns, b;
  g_variant_builder_init (&names, G_VARIANT_TYPE_STRING_ARRAY);
  g_variant_builder_init (&dns, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < r->groups->len; i++)
    {
      LaGroup *g = g_ptr_array_index (r->groups, i);
      g_variant_builder_add (&names, "s", g->name);
      g_variant_builder_add (&dns, "s", g->dn);
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "login", g_variant_new_string (login));
  g_variant_builder_add (&b, "{sv}", "display-name",
                         g_variant_new_string (display ? display : login));
  g_variant_builder_add (&b, "{sv}", "source", g_variant_new_string ("ldap"));
  g_variant_builder_add (&b, "{sv}", "groups", g_variant_builder_end (&names));
  g_variant_builder_add (&b, "{sv}", "group-dns", g_variant_builder_end (&dns));
  const char *mail = u ? la_entry_get (u, "mail") : NULL;
  const char *upn = u ? la_entry_get (u, "userPrincipalName") : NULL;
  if (mail)
    g_variant_builder_add (&b, "{sv}", "email", g_variant_new_string (mail));
  if (upn)
    g_variant_builder_add (&b, "{sv}", "upn", g_variant_new_string (upn));
  if (u)
    g_variant_builder_add (&b, "{sv}", "dn", g_variant_new_string (u->dn));
  if (r->kind == LA_AUTHENTICATE)
    r->la->authenticated++;
  else
    r->la->lookups++;
  g_debug ("%s of “%s” succeeded on %s: %s, %u groups",
           r->kind == LA_AUTHENTICATE ? "sign-in" : "lookup", r->login, url_of (r),
           u ? u->dn : "(entry not readable)", r->groups->len);
  req_answer (r, g_variant_builder_end (&b), NULL);
}

/* --- results that mean the server is in trouble ---------------------------------- */

static gboolean
is_outage (int rc)
{
  switch (rc)
    {
    case LDAP_SERVER_DOWN:
    case LDAP_TIMEOUT:
    case LDAP_CONNECT_ERROR:
    case LDAP_BUSY:
    case LDAP_UNAVAILABLE:
    case LDAP_TIMELIMIT_EXCEEDED:
    case LDAP_ADMINLIMIT_EXCEEDED:
    case LDAP_OTHER:
    case LDAP_DECODING_ERROR:
    case LDAP_LOCAL_ERROR:
    case LDAP_NO_MEMORY:
      return TRUE;
    default:
      return FALSE;
    }
}

static char *
result_text (int rc, const char *diag)
{
  return diag && *diag ? g_strdup_printf ("%s (%s)", ldap_err2string (rc), diag)
                       : g_strdup (ldap_err2string (rc));
}

/* A result that says the server, not the request, has a problem: fail
 * the connection; the pool moves every request to the next server. */
static gboolean
req_outage (LaRequest *r, LaOp *op, int rc, const char *diag)
{
  if (!is_outage (rc))
    return FALSE;
  g_autofree char *text = result_text (rc, diag);
  g_autofree char *why = g_strdup_printf ("%s: %s", url_of (r), text);
  la_conn_fail (op->conn, why);
  return TRUE;
}

/* --- groups --------------------------------------------------------------------- */

static void
req_add_group (LaRequest *r, const char *dn, const char *cn)
{
  LaGroup *g = g_new0 (LaGroup, 1);
  g->dn = g_strdup (dn);
  g->name = cn ? g_strdup (cn) : la_dn_first_value (dn);
  if (g->name == NULL)
    g->name = g_strdup (dn);
  g_ptr_array_add (r->groups, g);
}

static LaConn *
req_groups_conn (LaRequest *r)
{
  if (r->bind_conn && r->la->cfg->bind_dn == NULL)
    return r->bind_conn; /* direct bind: read as the user */
  return r->la->search && la_conn_is_ready (r->la->search) ? r->la->search : NULL;
}

/* Reads the groups of @dns not seen yet, at nesting @depth. */
static void
req_expand (LaRequest *r, LaConn *c, GPtrArray *dns, int depth)
{
  for (guint i = 0; dns && i < dns->len; i++)
    {
      const char *dn = g_ptr_array_index (dns, i);
      char *key = la_dn_key (dn);
      if (!g_hash_table_add (r->seen, key))
        continue; /* already read: a cycle, or two paths to one group */
      LaOp *op = la_conn_search (c, r, LA_OP_GROUP_READ, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
                                 group_attrs, 1);
      op->depth = depth;
      op->target = g_strdup (dn);
      g_ptr_array_add (r->ops, op);
    }
}

static void
req_finish_groups (LaRequest *r)
{
  if (r->ops->len > 0)
    return;
  req_release_bind (r);
  req_succeed (r);
}

static void
req_groups (LaRequest *r)
{
  r->step = LA_STEP_GROUPS;
  GPtrArray *direct = r->user ? la_entry_get_all (r->user, "memberOf") : NULL;
  if (direct == NULL)
    {
      req_finish_groups (r);
      return;
    }
  LaConn *c = req_groups_conn (r);
  if (c == NULL)
    {
      la_pool_want_search (r->la, r); /* resumes in la_request_search_ready */
      return;
    }
  if (r->la->cfg->active_directory)
    {
      g_autofree char *dn = la_escape_filter (r->user->dn, strlen (r->user->dn));
      g_autofree char *filter
          = g_strdup_printf ("(&(objectClass=group)(member:" IN_CHAIN_RULE ":=%s))", dn);
      g_ptr_array_add (r->ops, la_conn_search (c, r, LA_OP_IN_CHAIN, r->la->cfg->base_dn,
                                               LDAP_SCOPE_SUBTREE, filter, chain_attrs, 0));
      return;
    }
  req_expand (r, c, direct, 0);
  req_finish_groups (r);
}

static void
on_group_read (LaRequest *r, LaOp *op, int rc, const char *diag)
{
  const LaEntry *e = op->entries->len == 1 ? g_ptr_array_index (op->entries, 0) : NULL;
  if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT && rc != LDAP_INSUFFICIENT_ACCESS)
    {
      if (req_outage (r, op, rc, diag))
        return;
      g_autofree char *text = result_text (rc, diag);
      g_warning ("%s: reading group %s failed: %s", url_of (r), op->target, text);
      req_fail (r, OCC_AUTH_ERROR_UNAVAILABLE, "%s: reading group %s failed: %s", url_of (r),
                op->target, text);
      return;
    }
  if (e == NULL)
    g_debug ("%s: group %s of “%s” cannot be read (%s); named from its DN", url_of (r), op->target,
             r->login, ldap_err2string (rc));
  req_add_group (r, op->target, e ? la_entry_get (e, "cn") : NULL);
  GPtrArray *parents = e ? la_entry_get_all (e, "memberOf") : NULL;
  if (parents && op->depth < r->la->cfg->group_depth)
    req_expand (r, op->conn, parents, op->depth + 1);
  else if (parents)
    g_debug ("group %s: nesting deeper than group-depth=%d is not followed", op->target,
             r->la->cfg->group_depth);
  req_finish_groups (r);
}

static void
on_in_chain (LaRequest *r, LaOp *op, int rc, const char *diag)
{
  GPtrArray *direct = la_entry_get_all (r->user, "memberOf");
  if (rc == LDAP_SUCCESS && op->entries->len >= direct->len)
    {
      for (guint i = 0; i < op->entries->len; i++)
        {
          const LaEntry *e = g_ptr_array_index (op->entries, i);
          req_add_group (r, e->dn, la_entry_get (e, "cn"));
        }
      req_finish_groups (r);
      return;
    }
  if (req_outage (r, op, rc, diag))
    return;
  /* The rule is Active Directory's: a server that does not know it finds
   * nothing, or fewer groups than memberOf names. Follow nesting here. */
  g_debug ("%s: the in-chain search found %u groups for %u in memberOf (%s); following nesting "
           "group by group",
           url_of (r), op->entries->len, direct->len, ldap_err2string (rc));
  req_expand (r, op->conn, direct, 0);
  req_finish_groups (r);
}

/* --- the user's entry and the bind ------------------------------------------------ */

static gboolean
req_is_disabled (LaRequest *r)
{
  const char *uac = r->user ? la_entry_get (r->user, "userAccountControl") : NULL;
  if (!r->la->cfg->disabled_check || uac == NULL)
    return FALSE;
  return (g_ascii_strtoll (uac, NULL, 10) & UAC_ACCOUNTDISABLE) != 0;
}

static void
on_user_search (LaRequest *r, LaOp *op, int rc, const char *diag)
{
  if (rc == LDAP_SIZELIMIT_EXCEEDED || r->users > 1)
    {
      g_warning ("%s: login “%s” matches several entries; check user-filter", url_of (r), r->login);
      req_denied (r);
      return;
    }
  if (rc != LDAP_SUCCESS)
    {
      if (req_outage (r, op, rc, diag))
        return;
      g_autofree char *text = result_text (rc, diag);
      g_warning ("%s: the user search under %s failed: %s", url_of (r), r->la->cfg->base_dn, text);
      req_fail (r, OCC_AUTH_ERROR_UNAVAILABLE, "%s: the user search failed: %s", url_of (r), text);
      return;
    }
  if (r->user == NULL)
    {
      g_debug ("%s of “%s” denied: no such user", r->kind == LA_AUTHENTICATE ? "sign-in" : "lookup",
               r->login);
      req_denied (r);
      return;
    }
  if (r->kind == LA_LOOKUP)
    {
      if (req_is_disabled (r))
        req_fail (r, OCC_AUTH_ERROR_DISABLED, "the account is disabled");
      else
        req_groups (r);
      return;
    }
  r->step = LA_STEP_BIND;
  la_pool_want_bind (r->la, r);
}

/* Active Directory tells why a bind failed in its diagnostic message:
 * "…, data 533, …" (account disabled) and so on. */
static gboolean
ad_bind_error (LaRequest *r, const char *diag)
{
  if (!r->la->cfg->active_directory || diag == NULL)
    return FALSE;
  if (strstr (diag, "data 533") || strstr (diag, "data 775"))
    req_fail (r, OCC_AUTH_ERROR_DISABLED, "the account is disabled or locked");
  else if (strstr (diag, "data 532") || strstr (diag, "data 773"))
    req_fail (r, OCC_AUTH_ERROR_EXPIRED, "the password has expired and must be changed");
  else if (strstr (diag, "data 701"))
    req_fail (r, OCC_AUTH_ERROR_DISABLED, "the account has expired");
  else
    return FALSE;
  return TRUE;
}

static void
on_bind (LaRequest *r, LaOp *op, int rc, const char *diag)
{
  gboolean direct = r->la->cfg->bind_dn == NULL;
  if (rc == LDAP_SUCCESS)
    {
      if (direct)
        {
          /* read the user's entry as the user, on the same connection */
          r->step = LA_STEP_READ;
          const LaConfig *cfg = r->la->cfg;
          g_autofree char *escaped = la_escape_filter (r->login, strlen (r->login));
          g_autofree char *filter = la_expand (cfg->user_filter, escaped);
          g_autofree char *dn = NULL;
          if (cfg->template_is_dn)
            {
              g_autofree char *value = la_escape_dn (r->login, strlen (r->login));
              dn = la_expand (cfg->user_dn_template, value);
            }
          g_ptr_array_add (r->ops,
                           dn ? la_conn_search (op->conn, r, LA_OP_USER_READ, dn, LDAP_SCOPE_BASE,
                                                "(objectClass=*)", user_attrs, 1)
                              : la_conn_search (op->conn, r, LA_OP_USER_READ, cfg->base_dn,
                                                LDAP_SCOPE_SUBTREE, filter, user_attrs, 2));
          return;
        }
      req_release_bind (r);
      if (req_is_disabled (r))
        req_fail (r, OCC_AUTH_ERROR_DISABLED, "the account is disabled");
      else
        req_groups (r);
      return;
    }
  if (req_outage (r, op, rc, diag))
    return;
  req_release_bind (r);
  if (rc == LDAP_CONFIDENTIALITY_REQUIRED)
    {
      req_fail (r, OCC_AUTH_ERROR_UNAVAILABLE,
                "%s: refusing a simple bind over an unencrypted connection; use ldaps://, "
                "starttls=true, or allow-plaintext=true",
                url_of (r));
      return;
    }
  if (rc == LDAP_INVALID_CREDENTIALS && ad_bind_error (r, diag))
    return;
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH
      || rc == LDAP_INSUFFICIENT_ACCESS || rc == LDAP_UNWILLING_TO_PERFORM
      || rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_INVALID_DN_SYNTAX)
    {
      g_autofree char *text = result_text (rc, diag);
      g_debug ("sign-in of “%s” denied: %s (%s)", r->login,
               direct ? "unknown user or wrong password" : "wrong password", text);
      req_denied (r);
      return;
    }
  g_autofree char *text = result_text (rc, diag);
  g_warning ("%s: the bind of “%s” failed: %s", url_of (r), r->login, text);
  req_fail (r, OCC_AUTH_ERROR_UNAVAILABLE, "%s: the bind failed: %s", url_of (r), text);
}

static void
on_user_read (LaRequest *r, LaOp *op, int rc, const char *diag)
{
  if (rc != LDAP_SUCCESS && req_outage (r, op, rc, diag))
    return;
  if (r->user == NULL || r->users > 1)
    g_warning ("%s: “%s” signed in but their entry cannot be read (%s); no groups", url_of (r),
               r->login, ldap_err2string (rc));
  if (r->users > 1)
    g_clear_pointer (&r->user, la_entry_free);
  if (req_is_disabled (r))
    {
      req_release_bind (r);
      req_fail (r, OCC_AUTH_ERROR_DISABLED, "the account is disabled");
      return;
    }
  req_groups (r);
}

/* --- from the connections and the pool -------------------------------------------- */

void
la_request_op_entry (LaOp *op, LaEntry *entry)
{
  LaRequest *r = op->req;
  if (op->kind == LA_OP_USER_SEARCH || op->kind == LA_OP_USER_READ)
    {
      r->users++;
      if (r->user == NULL)
        {
          r->user = entry;
          return;
        }
    }
  else if (op->entries->len < 10000)
    {
      g_ptr_array_add (op->entries, entry);
      return;
    }
  la_entry_free (entry);
}

void
la_request_op_done (LaOp *op, int rc, const char *diag)
{
  LaRequest *r = op->req;
  g_ptr_array_remove_fast (r->ops, op);
  switch (op->kind)
    {
    case LA_OP_USER_SEARCH:
      on_user_search (r, op, rc, diag);
      break;
    case LA_OP_USER_BIND:
      on_bind (r, op, rc, diag);
      break;
    case LA_OP_USER_READ:
      on_user_read (r, op, rc, diag);
      break;
    case LA_OP_GROUP_READ:
      on_group_read (r, op, rc, diag);
      break;
    case LA_OP_IN_CHAIN:
      on_in_chain (r, op, rc, diag);
      break;
    }
}

void
la_request_drop_op (LaOp *op)
{
  LaRequest *r = op->req;
  g_ptr_array_remove_fast (r->ops, op);
  if (r->bind_conn == op->conn)
    r->bind_conn = NULL; /* it is being closed */
}

void
la_request_search_ready (LaRequest *r, LaConn *c)
{
  if (r->step == LA_STEP_GROUPS)
    {
      req_groups (r);
      return;
    }
  r->step = LA_STEP_SEARCH;
  g_autofree char *escaped = la_escape_filter (r->login, strlen (r->login));
  g_autofree char *filter = la_expand (r->la->cfg->user_filter, escaped);
  g_ptr_array_add (r->ops, la_conn_search (c, r, LA_OP_USER_SEARCH, r->la->cfg->base_dn,
                                           LDAP_SCOPE_SUBTREE, filter, user_attrs, 2));
}

void
la_request_bind_ready (LaRequest *r, LaConn *c)
{
  const LaConfig *cfg = r->la->cfg;
  r->bind_conn = c;
  r->step = LA_STEP_BIND;
  g_autofree char *dn = NULL;
  if (cfg->bind_dn)
    dn = g_strdup (r->user->dn);
  else if (cfg->template_is_dn)
    {
      g_autofree char *value = la_escape_dn (r->login, strlen (r->login));
      dn = la_expand (cfg->user_dn_template, value);
    }
  else
    dn = la_expand (cfg->user_dn_template, r->login); /* a UPN: not a DN */
  g_ptr_array_add (r->ops, la_conn_bind (c, r, dn, r->secret));
}

/* (Re)starts @r on the current server. */
static void
req_run (LaRequest *r)
{
  LdapAuth *la = r->la;
  g_clear_pointer (&r->user, la_entry_free);
  r->users = 0;
  g_hash_table_remove_all (r->seen);
  g_ptr_array_set_size (r->groups, 0);
  r->server = la->current;
  if (la->cfg->bind_dn)
    {
      r->step = LA_STEP_SEARCH;
      la_pool_want_search (la, r);
    }
  else
    {
      r->step = LA_STEP_BIND;
      la_pool_want_bind (la, r);
    }
}

void
la_request_retry (LaRequest *r, guint server, const char *why)
{
  LdapAuth *la = r->la;
  req_stop (r);
  r->tried |= 1u << server;
  if (r->failures->len > 0)
    g_string_append (r->failures, "; ");
  g_string_append (r->failures, why);
  guint32 all = (1u << la->cfg->n_servers) - 1;
  if ((r->tried & all) == all)
    {
      /* Every server failed it once. Servers come and go while requests
       * are in flight: one that failed at once on a connection that had
       * died meanwhile may be back by now (its pool connects afresh). When
       * it all went quicker than one timeout — no server was merely
       * silent — one more pass, then the answer is no. */
      gint64 spent = g_get_monotonic_time () - r->started;
      if (!r->second_pass && spent < (gint64) la->cfg->timeout * G_USEC_PER_SEC)
        {
          r->second_pass = TRUE;
          r->tried = 0;
          req_run (r);
          return;
        }
      req_fail (r, OCC_AUTH_ERROR_UNAVAILABLE, "no LDAP server could be used: %s",
                r->failures->str);
      return;
    }
  req_run (r);
}

void
la_request_start (LdapAuth *la, LaRequestKind kind, const char *login, const char *secret,
                  OccAuthCallback callback, gpointer user_data)
{
  LaRequest *r = g_new0 (LaRequest, 1);
  r->la = la;
  r->kind = kind;
  r->callback = callback;
  r->user_data = user_data;
  r->failures = g_string_new (NULL);
  r->started = g_get_monotonic_time ();
  r->ops = g_ptr_array_new ();
  r->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->groups = g_ptr_array_new_with_free_func (group_free);
  r->link.data = r;
  r->wait_link.data = r;
  g_queue_push_tail_link (&la->requests, &r->link);
  GError *error = NULL;
  /* The secret is checked before anything is sent: an empty password must
   * never reach a simple bind, where it means "unauthenticated" — a
   * success. */
  if (!la_check_input ("login", login, &error)
      || (kind == LA_AUTHENTICATE && !la_check_input ("password", secret, &error)))
    {
      req_answer (r, NULL, error);
      return;
    }
  r->login = g_strdup (login);
  r->secret = g_strdup (secret);
  if (la->closing)
    req_fail (r, OCC_AUTH_ERROR_UNAVAILABLE, "auth-ldap is unloading");
  else if (kind == LA_LOOKUP && la->cfg->bind_dn == NULL)
    req_fail (r, OCC_AUTH_ERROR_UNSUPPORTED,
              "a lookup needs a service account (bind-dn); this site binds by user-dn-template");
  else
    req_run (r);
}
