/* IVR flows: reading one node group of the key file into an IvrNode —
 * its kind, the keys that kind allows (any other is refused: a typo must
 * not pass silently), each value parsed and checked, and each target
 * resolved to a node of the flow. */
#include "flow-private.h"

#include <stdarg.h>
#include <string.h>

typedef struct {
  IvrFlow *flow;
  GKeyFile *kf;
  const char *group;
  const char *kind; /* for messages, once known */
  GError **error;
} Reader;

static gboolean G_GNUC_PRINTF (3, 4) refuse (Reader *r, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (strcmp (r->group, "flow") == 0)
    g_set_error (r->error, IVR_FLOW_ERROR, code, "%s: [flow]: %s", r->flow->file_name, why);
  else
    g_set_error (r->error, IVR_FLOW_ERROR, code, "%s: node \"%s\": %s", r->flow->file_name,
                 r->group, why);
  return FALSE;
}

/* The value of @key, or NULL when absent (then an error if @required). */
static gboolean
get_string (Reader *r, const char *key, gboolean required, char **out)
{
  *out = NULL;
  if (!g_key_file_has_key (r->kf, r->group, key, NULL))
    {
      if (required && r->kind)
        return refuse (r, IVR_FLOW_ERROR_INVALID, "\"%s\" is missing (a %s node needs it)", key,
                       r->kind);
      return !required || refuse (r, IVR_FLOW_ERROR_INVALID, "\"%s\" is missing", key);
    }
  g_autoptr (GError) local = NULL;
  *out = g_key_file_get_string (r->kf, r->group, key, &local);
  if (!*out)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "%s: %s", key, local->message);
  g_strstrip (*out);
  if (**out == '\0' && required)
    {
      g_clear_pointer (out, g_free);
      return refuse (r, IVR_FLOW_ERROR_INVALID, "\"%s\" is empty", key);
    }
  return TRUE;
}

/* The ';'-separated items of @key, each stripped, empty ones dropped;
 * an empty array when absent. */
static gboolean
get_list (Reader *r, const char *key, gboolean required, char ***out)
{
  g_autofree char *raw = NULL;
  *out = NULL;
  if (!get_string (r, key, required, &raw))
    return FALSE;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  if (raw)
    {
      g_auto (GStrv) items = g_key_file_get_string_list (r->kf, r->group, key, NULL, NULL);
      for (guint i = 0; items && items[i]; i++)
        if (*g_strstrip (items[i]))
          g_strv_builder_add (b, items[i]);
    }
  *out = g_strv_builder_end (b);
  if (required && !**out)
    {
      g_clear_pointer (out, g_strfreev);
      return refuse (r, IVR_FLOW_ERROR_INVALID, "\"%s\" is empty", key);
    }
  return TRUE;
}

static gboolean
get_int (Reader *r, const char *key, gint64 def, gint64 min, gint64 max, gint64 *out)
{
  g_autofree char *s = NULL;
  *out = def;
  if (!get_string (r, key, FALSE, &s))
    return FALSE;
  if (s && !g_ascii_string_to_signed (s, 10, min, max, out, NULL))
    return refuse (r, IVR_FLOW_ERROR_INVALID,
                   "%s \"%s\" is not a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                   key, s, min, max);
  return TRUE;
}

static gboolean
get_uint (Reader *r, const char *key, guint def, guint min, guint max, guint *out)
{
  gint64 v;
  if (!get_int (r, key, def, min, max, &v))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
get_bool (Reader *r, const char *key, gboolean def, gboolean *out)
{
  g_autofree char *s = NULL;
  *out = def;
  if (!get_string (r, key, FALSE, &s))
    return FALSE;
  if (!s)
    return TRUE;
  if (strcmp (s, "true") != 0 && strcmp (s, "false") != 0)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "%s \"%s\" is not true or false", key, s);
  *out = strcmp (s, "true") == 0;
  return TRUE;
}

static gboolean
resolve (Reader *r, const char *what, const char *name, const IvrNode **out)
{
  *out = g_hash_table_lookup (r->flow->by_name, name);
  if (!*out)
    return refuse (r, IVR_FLOW_ERROR_REFERENCE, "%s goes to \"%s\", which is not a node", what,
                   name);
  return TRUE;
}

static gboolean
get_target (Reader *r, const char *key, gboolean required, const IvrNode **out)
{
  g_autofree char *name = NULL;
  *out = NULL;
  if (!get_string (r, key, required, &name))
    return FALSE;
  return !name || resolve (r, key, name, out);
}

static gboolean
get_template (Reader *r, const char *key, gboolean required, const char *def, IvrTemplate **out)
{
  g_autofree char *s = NULL;
  *out = NULL;
  if (!get_string (r, key, required, &s))
    return FALSE;
  if (!s && !def)
    return TRUE;
  g_autoptr (GError) local = NULL;
  *out = ivr_template_parse (s ? s : def, &local);
  return *out || refuse (r, IVR_FLOW_ERROR_INVALID, "%s: %s", key, local->message);
}

static gboolean
is_name (const char *s, const char *extra, gboolean upper, gsize max)
{
  gsize n = 0;
  for (; s[n]; n++)
    if (!g_ascii_islower (s[n]) && !g_ascii_isdigit (s[n]) && !strchr (extra, s[n])
        && !(upper && g_ascii_isupper (s[n])))
      return FALSE;
  return n >= 1 && n <= max;
}

gboolean
ivr_flow_name_is_valid (const char *name)
{
  return is_name (name, "_-", FALSE, 64);
}

static gboolean
get_name (Reader *r, const char *key, gboolean required, const char *extra, char **out)
{
  if (!get_string (r, key, required, out))
    return FALSE;
  if (*out && !is_name (*out, extra, TRUE, 64))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "%s \"%s\" is not a name ([A-Za-z0-9%s], 64 at most)",
                   key, *out, extra);
  return TRUE;
}

static gboolean
get_var (Reader *r, const char *key, char **out)
{
  if (!get_string (r, key, TRUE, out))
    return FALSE;
  if (!ivr_var_name_is_valid (*out))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "%s \"%s\" is not a variable name ([a-z0-9_.-])", key,
                   *out);
  return TRUE;
}

/* -- prompts */

static gboolean
all_digits (const char *s, gsize min)
{
  gsize n = strspn (s, "0123456789");
  return s[n] == '\0' && n >= min;
}

/* TRUE when @v has the shape of @pattern: 'd' a digit, any other
 * character itself. */
static gboolean
shaped (const char *v, const char *pattern)
{
  for (; *pattern; v++, pattern++)
    if (*pattern == 'd' ? !g_ascii_isdigit (*v) : *v != *pattern)
      return FALSE;
  return *v == '\0';
}

static int
digits_value (const char *v, int n)
{
  int x = 0;
  for (int i = 0; i < n; i++)
    x = x * 10 + (v[i] - '0');
  return x;
}

/* A literal say value, checked as the say part will read it. */
static gboolean
say_value_ok (IvrSayKind kind, const char *v)
{
  const char *dot;
  switch (kind)
    {
    case IVR_SAY_NUMBER:
      return all_digits (v + (*v == '-'), 1) && strlen (v) <= 19;
    case IVR_SAY_DIGITS:
      return strspn (v, "0123456789*#") == strlen (v) && *v && strlen (v) <= 64;
    case IVR_SAY_AMOUNT:
      dot = strchr (v, '.');
      if (dot)
        {
          g_autofree char *whole = g_strndup (v, dot - v);
          return say_value_ok (IVR_SAY_NUMBER, whole) && all_digits (dot + 1, 1)
                 && strlen (dot + 1) <= 2;
        }
      return say_value_ok (IVR_SAY_NUMBER, v);
    case IVR_SAY_DATE:
      return shaped (v, "dddd-dd-dd") && digits_value (v, 4) > 0 && digits_value (v + 5, 2) >= 1
             && digits_value (v + 5, 2) <= 12
             && g_date_valid_dmy (digits_value (v + 8, 2), digits_value (v + 5, 2),
                                  digits_value (v, 4));
    case IVR_SAY_TIME:
      return shaped (v, "dd:dd") && digits_value (v, 2) < 24 && digits_value (v + 3, 2) < 60;
    }
  return FALSE;
}

static gboolean
parse_say (Reader *r, const char *key, const char *item, IvrPromptItem *out)
{
  static const char *const kinds[] = { "number", "digits", "amount", "date", "time" };
  const char *rest = item + 4;
  const char *colon = strchr (rest, ':');
  gsize klen = colon ? (gsize) (colon - rest) : strlen (rest);
  int kind = -1;
  for (int i = 0; i < (int) G_N_ELEMENTS (kinds); i++)
    if (klen == strlen (kinds[i]) && strncmp (rest, kinds[i], klen) == 0)
      kind = i;
  if (kind < 0 || !colon)
    return refuse (r, IVR_FLOW_ERROR_INVALID,
                   "%s: \"%s\" is not say:KIND:VALUE with KIND number, digits, amount, date or "
                   "time",
                   key, item);
  out->say = kind;
  g_autofree char *value = g_strdup (colon + 1);
  if (kind == IVR_SAY_AMOUNT)
    {
      char *cur = strrchr (value, ':');
      if (!cur
          || (strcmp (cur + 1, "EUR") != 0 && strcmp (cur + 1, "USD") != 0
              && strcmp (cur + 1, "XOF") != 0))
        return refuse (r, IVR_FLOW_ERROR_INVALID,
                       "%s: \"%s\" needs a currency: say:amount:VALUE:EUR, USD or XOF", key, item);
      out->currency = g_strdup (cur + 1);
      *cur = '\0';
    }
  g_autoptr (GError) local = NULL;
  out->value = ivr_template_parse (value, &local);
  if (!out->value)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "%s: \"%s\": %s", key, item, local->message);
  const char *lit = ivr_template_get_literal (out->value);
  if (lit && !say_value_ok (kind, lit))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "%s: \"%s\" cannot be said as %s", key, lit,
                   kinds[kind]);
  return TRUE;
}

static void
prompt_clear (IvrPrompt *p)
{
  for (guint i = 0; i < p->n_items; i++)
    {
      g_free (p->items[i].name);
      g_clear_pointer (&p->items[i].value, ivr_template_free);
      g_free (p->items[i].currency);
    }
  g_free (p->items);
  p->items = NULL;
  p->n_items = 0;
}

static gboolean
get_prompt (Reader *r, const char *key, gboolean required, IvrPrompt *out)
{
  g_auto (GStrv) items = NULL;
  if (!get_list (r, key, required, &items))
    return FALSE;
  out->n_items = g_strv_length (items);
  out->items = g_new0 (IvrPromptItem, out->n_items);
  for (guint i = 0; i < out->n_items; i++)
    {
      if (g_str_has_prefix (items[i], "say:"))
        {
          if (!parse_say (r, key, items[i], &out->items[i]))
            return FALSE;
          continue;
        }
      if (!is_name (items[i], "-", FALSE, 64))
        return refuse (r, IVR_FLOW_ERROR_INVALID,
                       "%s: \"%s\" is neither a prompt name ([a-z0-9-]) nor say:KIND:VALUE", key,
                       items[i]);
      out->items[i].name = g_strdup (items[i]);
    }
  return TRUE;
}

/* -- each kind */

static gboolean
parse_play (Reader *r, IvrNode *n)
{
  return get_prompt (r, "prompt", TRUE, &n->u.play.prompt)
         && get_bool (r, "barge-in", TRUE, &n->u.play.barge_in)
         && get_target (r, "next", TRUE, &n->u.play.next);
}

static gboolean
parse_choices (Reader *r, IvrNode *n)
{
  g_auto (GStrv) items = NULL;
  if (!get_list (r, "choices", TRUE, &items))
    return FALSE;
  for (guint i = 0; items[i]; i++)
    {
      const char *item = items[i];
      const char *key = item[0] ? strchr (IVR_MENU_KEYS, item[0]) : NULL;
      if (!key || item[1] != ':')
        return refuse (r, IVR_FLOW_ERROR_INVALID,
                       "choice \"%s\" is not KEY:NODE with KEY one of 0-9 * #", item);
      const IvrNode **slot = &n->u.menu.choices[key - IVR_MENU_KEYS];
      if (*slot)
        return refuse (r, IVR_FLOW_ERROR_INVALID, "choice %c is given twice", item[0]);
      g_autofree char *what = g_strdup_printf ("choice %c", item[0]);
      g_autofree char *target = g_strstrip (g_strdup (item + 2));
      if (!resolve (r, what, target, slot))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_menu (Reader *r, IvrNode *n)
{
  return get_prompt (r, "prompt", TRUE, &n->u.menu.prompt) && parse_choices (r, n)
         && get_uint (r, "timeout", 5, 1, 60, &n->u.menu.timeout)
         && get_uint (r, "retries", 3, 0, 10, &n->u.menu.retries)
         && get_prompt (r, "invalid-prompt", FALSE, &n->u.menu.invalid_prompt)
         && get_prompt (r, "no-input-prompt", FALSE, &n->u.menu.no_input_prompt)
         && get_target (r, "on-failure", TRUE, &n->u.menu.on_failure);
}

static gboolean
parse_collect (Reader *r, IvrNode *n)
{
  g_autofree char *term = NULL;
  if (!get_prompt (r, "prompt", TRUE, &n->u.collect.prompt)
      || !get_var (r, "into", &n->u.collect.into)
      || !get_uint (r, "min", 1, 1, 64, &n->u.collect.min)
      || !get_uint (r, "max", 20, 1, 64, &n->u.collect.max)
      || !get_string (r, "terminator", FALSE, &term)
      || !get_uint (r, "timeout", 5, 1, 60, &n->u.collect.timeout)
      || !get_uint (r, "inter-digit", 3, 1, 60, &n->u.collect.inter_digit)
      || !get_uint (r, "retries", 2, 0, 10, &n->u.collect.retries)
      || !get_target (r, "next", TRUE, &n->u.collect.next)
      || !get_target (r, "on-failure", TRUE, &n->u.collect.on_failure))
    return FALSE;
  if (n->u.collect.min > n->u.collect.max)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "min %u is above max %u", n->u.collect.min,
                   n->u.collect.max);
  if (!term || strcmp (term, "#") == 0)
    n->u.collect.terminator = '#';
  else if (strcmp (term, "none") != 0)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "terminator \"%s\" is not # or none", term);
  return TRUE;
}

/* http's `set`: var:json.path; each path a.b[0].c */
static gboolean
json_path_ok (const char *p)
{
  gboolean want_name = TRUE;
  while (*p)
    {
      gsize n = strspn (p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
      if (want_name && n == 0)
        return FALSE;
      p += n;
      while (*p == '[')
        {
          gsize d = strspn (p + 1, "0123456789");
          if (d == 0 || d > 6 || p[1 + d] != ']')
            return FALSE;
          p += d + 2;
        }
      if (*p && *p != '.')
        return FALSE;
      want_name = *p == '.';
      p += *p == '.';
    }
  return !want_name;
}

static gboolean
get_assignments (Reader *r, const char *key, gboolean required, gboolean paths, IvrAssign **out,
                 guint *n_out)
{
  g_auto (GStrv) items = NULL;
  if (!get_list (r, key, required, &items))
    return FALSE;
  *n_out = g_strv_length (items);
  *out = g_new0 (IvrAssign, *n_out);
  for (guint i = 0; i < *n_out; i++)
    {
      IvrAssign *a = &(*out)[i];
      const char *colon = strchr (items[i], ':');
      a->var = colon ? g_strstrip (g_strndup (items[i], colon - items[i])) : NULL;
      if (!a->var || !ivr_var_name_is_valid (a->var))
        return refuse (r, IVR_FLOW_ERROR_INVALID, "%s: \"%s\" is not VARIABLE:%s", key, items[i],
                       paths ? "JSON.PATH" : "VALUE");
      g_autofree char *rhs = g_strstrip (g_strdup (colon + 1));
      g_autoptr (GError) local = NULL;
      if (paths)
        a->path = g_steal_pointer (&rhs);
      else
        a->value = ivr_template_parse (rhs, &local);
      if (paths && !json_path_ok (a->path))
        return refuse (r, IVR_FLOW_ERROR_INVALID, "%s: \"%s\" is not a JSON path such as a.b[0].c",
                       key, a->path);
      if (!paths && !a->value)
        return refuse (r, IVR_FLOW_ERROR_INVALID, "%s: %s: %s", key, a->var, local->message);
    }
  return TRUE;
}

static gboolean
header_value_ok (const char *s)
{
  for (const char *p = s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return FALSE;
  return strchr (s, '/') != NULL;
}

static gboolean
parse_http (Reader *r, IvrNode *n)
{
  g_autofree char *method = NULL;
  if (!get_string (r, "method", FALSE, &method)
      || !get_template (r, "url", TRUE, NULL, &n->u.http.url)
      || !get_template (r, "body", FALSE, NULL, &n->u.http.body)
      || !get_string (r, "content-type", FALSE, &n->u.http.content_type)
      || !get_uint (r, "timeout", 3000, 1, 30000, &n->u.http.timeout_ms)
      || !get_assignments (r, "set", FALSE, TRUE, &n->u.http.set, &n->u.http.n_set)
      || !get_target (r, "next", TRUE, &n->u.http.next)
      || !get_target (r, "on-error", TRUE, &n->u.http.on_error))
    return FALSE;
  if (method && strcmp (method, "GET") != 0 && strcmp (method, "POST") != 0)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "method \"%s\" is not GET or POST", method);
  n->u.http.method = method && strcmp (method, "POST") == 0 ? IVR_HTTP_POST : IVR_HTTP_GET;
  const char *src = ivr_template_get_source (n->u.http.url);
  if (!g_str_has_prefix (src, "http://") && !g_str_has_prefix (src, "https://"))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "url \"%s\" does not begin with http:// or https://",
                   src);
  if (n->u.http.body && n->u.http.method != IVR_HTTP_POST)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "a body needs method = POST");
  if (n->u.http.content_type && !n->u.http.body)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "content-type without a body");
  if (n->u.http.content_type && !header_value_ok (n->u.http.content_type))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "content-type \"%s\" is not a media type",
                   n->u.http.content_type);
  if (n->u.http.body && !n->u.http.content_type)
    n->u.http.content_type = g_strdup ("application/json");
  return TRUE;
}

static gboolean
parse_lookup (Reader *r, IvrNode *n)
{
  g_autofree char *what = NULL;
  if (!get_string (r, "what", FALSE, &what))
    return FALSE;
  if (what && strcmp (what, "customer") != 0)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "what \"%s\" is not customer", what);
  return get_template (r, "number", FALSE, "${caller}", &n->u.lookup.number)
         && get_target (r, "next", TRUE, &n->u.lookup.next)
         && get_target (r, "on-not-found", TRUE, &n->u.lookup.on_not_found);
}

static gboolean
parse_condition (Reader *r, IvrNode *n)
{
  g_autofree char *when = NULL;
  g_autoptr (GError) local = NULL;
  if (!get_string (r, "when", TRUE, &when))
    return FALSE;
  n->u.condition.when = ivr_expr_parse (when, &local);
  if (!n->u.condition.when)
    return refuse (r, IVR_FLOW_ERROR_INVALID, "when: %s", local->message);
  return get_target (r, "then", TRUE, &n->u.condition.then)
         && get_target (r, "else", TRUE, &n->u.condition.otherwise);
}

gboolean
ivr_language_is_valid (const char *code)
{
  return strlen (code) == 2 && g_ascii_islower (code[0]) && g_ascii_islower (code[1]);
}

static gboolean
parse_language (Reader *r, IvrNode *n)
{
  if (!get_template (r, "language", TRUE, NULL, &n->u.language.language))
    return FALSE;
  const char *lit = ivr_template_get_literal (n->u.language.language);
  if (lit && !ivr_language_is_valid (lit))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "language \"%s\" is not a code such as fr or en",
                   lit);
  return get_target (r, "next", TRUE, &n->u.language.next);
}

static gboolean
parse_set (Reader *r, IvrNode *n)
{
  return get_assignments (r, "values", TRUE, FALSE, &n->u.set.values, &n->u.set.n_values)
         && get_target (r, "next", TRUE, &n->u.set.next);
}

static gboolean
parse_enqueue (Reader *r, IvrNode *n)
{
  g_autofree char *key = NULL;
  gint64 prio;
  if (!get_name (r, "queue", TRUE, "_.-", &n->u.enqueue.queue)
      || !get_int (r, "priority", 0, -1000, 1000, &prio)
      || !get_list (r, "skills", FALSE, &n->u.enqueue.skills)
      || !get_uint (r, "max-wait", 0, 0, 86400, &n->u.enqueue.max_wait)
      || !get_string (r, "callback-key", FALSE, &key)
      || !get_target (r, "on-timeout", FALSE, &n->u.enqueue.on_timeout)
      || !get_string (r, "survey", FALSE, &n->u.enqueue.survey))
    return FALSE;
  n->u.enqueue.priority = (int) prio;
  for (guint i = 0; n->u.enqueue.skills[i]; i++)
    if (!is_name (n->u.enqueue.skills[i], "_.:-", TRUE, 64))
      return refuse (r, IVR_FLOW_ERROR_INVALID, "skill \"%s\" is not a name",
                     n->u.enqueue.skills[i]);
  if (key && (strlen (key) != 1 || !g_ascii_isdigit (key[0])))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "callback-key \"%s\" is not a digit", key);
  n->u.enqueue.callback_key = key ? key[0] : 0;
  if ((n->u.enqueue.max_wait || key) && !n->u.enqueue.on_timeout)
    return refuse (r, IVR_FLOW_ERROR_INVALID,
                   "max-wait or callback-key needs on-timeout (the node to go to)");
  if (n->u.enqueue.survey && !ivr_flow_name_is_valid (n->u.enqueue.survey))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "survey \"%s\" is not a flow name ([a-z0-9_-])",
                   n->u.enqueue.survey);
  return TRUE;
}

static gboolean
parse_transfer (Reader *r, IvrNode *n)
{
  if (!get_template (r, "number", TRUE, NULL, &n->u.transfer.number)
      || !get_prompt (r, "prompt", FALSE, &n->u.transfer.prompt))
    return FALSE;
  const char *lit = ivr_template_get_literal (n->u.transfer.number);
  if (lit
      && (strspn (lit + (*lit == '+'), "0123456789*#") != strlen (lit + (*lit == '+'))
          || strlen (lit) > 32))
    return refuse (r, IVR_FLOW_ERROR_INVALID, "number \"%s\" is not a phone number", lit);
  return TRUE;
}

static gboolean
parse_end (Reader *r, IvrNode *n)
{
  return get_prompt (r, "prompt", TRUE, &n->u.end.prompt);
}

static gboolean
parse_callback (Reader *r, IvrNode *n)
{
  return get_name (r, "queue", TRUE, "_.-", &n->u.callback.queue)
         && get_prompt (r, "prompt", FALSE, &n->u.callback.prompt)
         && get_uint (r, "max-message", 30, 1, 600, &n->u.callback.max_message)
         && get_target (r, "next", FALSE, &n->u.callback.next);
}

static gboolean
parse_question (Reader *r, IvrNode *n)
{
  return get_prompt (r, "prompt", TRUE, &n->u.question.prompt)
         && get_string (r, "question", TRUE, &n->u.question.question)
         && get_uint (r, "timeout", 5, 1, 60, &n->u.question.timeout)
         && get_uint (r, "retries", 2, 0, 10, &n->u.question.retries)
         && get_target (r, "next", TRUE, &n->u.question.next);
}

static gboolean
parse_hangup (Reader *r, IvrNode *n)
{
  (void) r;
  (void) n;
  return TRUE;
}

static const struct {
  const char *name;
  const char *keys; /* besides kind, space-separated */
  gboolean (*parse) (Reader *r, IvrNode *n);
} kinds[] = {
  [IVR_NODE_PLAY] = { "play", "prompt next barge-in", parse_play },
  [IVR_NODE_MENU]
  = { "menu", "prompt choices timeout retries invalid-prompt no-input-prompt on-failure",
      parse_menu },
  [IVR_NODE_COLLECT] = { "collect",
                         "prompt into min max terminator timeout inter-digit retries next "
                         "on-failure",
                         parse_collect },
  [IVR_NODE_HTTP]
  = { "http", "method url body content-type timeout set next on-error", parse_http },
  [IVR_NODE_LOOKUP] = { "lookup", "what number next on-not-found", parse_lookup },
  [IVR_NODE_CONDITION] = { "condition", "when then else", parse_condition },
  [IVR_NODE_LANGUAGE] = { "language", "language next", parse_language },
  [IVR_NODE_SET] = { "set", "values next", parse_set },
  [IVR_NODE_ENQUEUE]
  = { "enqueue", "queue priority skills max-wait callback-key on-timeout survey", parse_enqueue },
  [IVR_NODE_TRANSFER] = { "transfer", "number prompt", parse_transfer },
  [IVR_NODE_END] = { "end", "prompt", parse_end },
  [IVR_NODE_CALLBACK] = { "callback", "queue prompt max-message next", parse_callback },
  [IVR_NODE_QUESTION] = { "question", "prompt question timeout retries next", parse_question },
  [IVR_NODE_HANGUP] = { "hangup", "", parse_hangup },
};

const char *
ivr_node_kind_to_string (IvrNodeKind kind)
{
  return (guint) kind < G_N_ELEMENTS (kinds) ? kinds[kind].name : "?";
}

/* Refuses any key of the group not in @keys (space-separated). */
static gboolean
only_keys (Reader *r, const char *keys)
{
  g_auto (GStrv) allowed = g_strsplit (keys, " ", -1);
  g_auto (GStrv) present = g_key_file_get_keys (r->kf, r->group, NULL, NULL);
  for (guint i = 0; present && present[i]; i++)
    if (!g_strv_contains ((const char *const *) allowed, present[i]))
      return refuse (r, IVR_FLOW_ERROR_INVALID, "unknown key \"%s\"%s%s%s", present[i],
                     r->kind ? " in a " : "", r->kind ? r->kind : "", r->kind ? " node" : "");
  return TRUE;
}

static gboolean
read_holidays (Reader *r, GArray *out)
{
  g_auto (GStrv) days = NULL;
  if (!get_list (r, "holidays", FALSE, &days))
    return FALSE;
  for (guint i = 0; days[i]; i++)
    {
      if (!say_value_ok (IVR_SAY_DATE, days[i]))
        return refuse (r, IVR_FLOW_ERROR_INVALID, "holiday \"%s\" is not a date YYYY-MM-DD",
                       days[i]);
      g_autoptr (GDate) d = g_date_new_dmy (
          digits_value (days[i] + 8, 2), digits_value (days[i] + 5, 2), digits_value (days[i], 4));
      guint32 j = g_date_get_julian (d);
      g_array_append_val (out, j);
    }
  g_array_sort (out, ivr_julian_compare);
  return TRUE;
}

gboolean
ivr_flow_read_header (IvrFlow *flow, GKeyFile *kf, GError **error)
{
  Reader r = { flow, kf, "flow", NULL, error };
  if (!only_keys (&r, "start language fallback holidays description")
      || !get_target (&r, "start", TRUE, &flow->start)
      || !get_target (&r, "fallback", FALSE, &flow->fallback)
      || !get_string (&r, "description", FALSE, &flow->description)
      || !get_string (&r, "language", FALSE, &flow->language)
      || !read_holidays (&r, flow->holidays))
    return FALSE;
  if (!flow->language)
    flow->language = g_strdup ("en");
  if (!ivr_language_is_valid (flow->language))
    return refuse (&r, IVR_FLOW_ERROR_INVALID, "language \"%s\" is not a code such as fr or en",
                   flow->language);
  return TRUE;
}

gboolean
ivr_node_read_kind (IvrFlow *flow, GKeyFile *kf, IvrNode *node, GError **error)
{
  Reader r = { flow, kf, node->name, NULL, error };
  g_autofree char *kind = NULL;
  if (!get_string (&r, "kind", TRUE, &kind))
    return FALSE;
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    if (strcmp (kind, kinds[k].name) == 0)
      {
        node->kind = k;
        return TRUE;
      }
  return refuse (&r, IVR_FLOW_ERROR_INVALID,
                 "kind \"%s\" is not one of play, menu, collect, http, lookup, condition, "
                 "language, set, enqueue, transfer, end, callback, question, hangup",
                 kind);
}

gboolean
ivr_node_read (IvrFlow *flow, GKeyFile *kf, IvrNode *node, GError **error)
{
  Reader r = { flow, kf, node->name, kinds[node->kind].name, error };
  g_autofree char *keys = g_strconcat ("kind ", kinds[node->kind].keys, NULL);
  return only_keys (&r, keys) && kinds[node->kind].parse (&r, node);
}

static void
assignments_free (IvrAssign *a, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_free (a[i].var);
      g_free (a[i].path);
      g_clear_pointer (&a[i].value, ivr_template_free);
    }
  g_free (a);
}

void
ivr_node_free (IvrNode *n)
{
  switch (n->kind)
    {
    case IVR_NODE_PLAY:
      prompt_clear (&n->u.play.prompt);
      break;
    case IVR_NODE_MENU:
      prompt_clear (&n->u.menu.prompt);
      prompt_clear (&n->u.menu.invalid_prompt);
      prompt_clear (&n->u.menu.no_input_prompt);
      break;
    case IVR_NODE_COLLECT:
      prompt_clear (&n->u.collect.prompt);
      g_free (n->u.collect.into);
      break;
    case IVR_NODE_HTTP:
      g_clear_pointer (&n->u.http.url, ivr_template_free);
      g_clear_pointer (&n->u.http.body, ivr_template_free);
      g_free (n->u.http.content_type);
      assignments_free (n->u.http.set, n->u.http.n_set);
      break;
    case IVR_NODE_LOOKUP:
      g_clear_pointer (&n->u.lookup.number, ivr_template_free);
      break;
    case IVR_NODE_CONDITION:
      g_clear_pointer (&n->u.condition.when, ivr_expr_free);
      break;
    case IVR_NODE_LANGUAGE:
      g_clear_pointer (&n->u.language.language, ivr_template_free);
      break;
    case IVR_NODE_SET:
      assignments_free (n->u.set.values, n->u.set.n_values);
      break;
    case IVR_NODE_ENQUEUE:
      g_free (n->u.enqueue.queue);
      g_strfreev (n->u.enqueue.skills);
      g_free (n->u.enqueue.survey);
      break;
    case IVR_NODE_TRANSFER:
      g_clear_pointer (&n->u.transfer.number, ivr_template_free);
      prompt_clear (&n->u.transfer.prompt);
      break;
    case IVR_NODE_END:
      prompt_clear (&n->u.end.prompt);
      break;
    case IVR_NODE_CALLBACK:
      g_free (n->u.callback.queue);
      prompt_clear (&n->u.callback.prompt);
      break;
    case IVR_NODE_QUESTION:
      prompt_clear (&n->u.question.prompt);
      g_free (n->u.question.question);
      break;
    case IVR_NODE_HANGUP:
      break;
    }
  g_free (n->name);
  g_free (n);
}
