/* records: checking a record against its entity's table, field by field,
 * collecting every problem into one error. Nothing here touches the store:
 * what passes is turned into store parameters ("s", "x", or an empty maybe
 * for SQL NULL). */
#include "fields.h"

#include <string.h>

void
rec_problem (GString *problems, const char *path, const char *format, ...)
{
  va_list ap;
  if (problems->len > 0)
    g_string_append (problems, "; ");
  g_string_append_printf (problems, "%s: ", path);
  va_start (ap, format);
  g_string_append_vprintf (problems, format, ap);
  va_end (ap);
}

char *
rec_quote (const char *text, gssize length)
{
  g_autofree char *valid = g_utf8_make_valid (text, length);
  GString *s = g_string_new ("“");
  const char *p = valid;
  for (guint n = 0; *p; n++, p = g_utf8_next_char (p))
    {
      if (n == 40)
        {
          g_string_append (s, "…");
          break;
        }
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c))
        g_string_append_printf (s, "\\u%04X", c);
      else
        g_string_append_unichar (s, c);
    }
  g_string_append (s, "”");
  return g_string_free (s, FALSE);
}

/* --- one value ------------------------------------------------------------------- */

/* What a field takes, for "expected …" messages (transfer full). */
static char *
expectation (const RecField *f)
{
  switch (f->kind)
    {
    case REC_KIND_ID:
      return g_strdup ("an id (text)");
    case REC_KIND_TEXT:
      return g_strdup ("text");
    case REC_KIND_E164:
      return g_strdup ("an E.164 number (text)");
    case REC_KIND_EMAIL:
      return g_strdup ("an e-mail address (text)");
    case REC_KIND_ENUM:
      {
        g_autofree char *values = g_strjoinv (", ", (char **) f->values);
        return g_strdup_printf ("text, one of %s", values);
      }
    case REC_KIND_INT:
      return g_strdup ("an integer");
    case REC_KIND_BOOL:
      return g_strdup ("a boolean");
    case REC_KIND_TIME:
      return g_strdup ("a time (integer milliseconds since 1970)");
    case REC_KIND_JSON:
      return g_strdup ("an object (a{sv})");
    case REC_KIND_SHA256:
      return g_strdup ("a SHA-256 digest (text)");
    case REC_KIND_PHONES:
      return g_strdup ("a list of E.164 numbers (as)");
    }
  g_assert_not_reached ();
}

static void
wrong_type (GString *problems, const char *path, const RecField *f, GVariant *v)
{
  g_autofree char *expected = expectation (f);
  rec_problem (problems, path, "expected %s, not a value of type “%s”", expected,
               g_variant_get_type_string (v));
}

/* Takes variants and maybes off @v: returns the bare value (transfer none,
 * valid as long as @v), or NULL for an empty maybe (null). */
static GVariant *
unwrap (GVariant *v, GVariant **hold)
{
  for (int i = 0; i < 8; i++)
    {
      GVariant *inner;
      if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
        inner = g_variant_get_variant (v);
      else if (g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE))
        inner = g_variant_get_maybe (v);
      else
        return v;
      if (inner == NULL)
        return NULL;
      g_clear_pointer (hold, g_variant_unref);
      *hold = inner;
      v = inner;
    }
  return v;
}

/* The bytes of a text value: "s", or an "ay" byte string (one trailing
 * NUL allowed, as g_variant_new_bytestring() writes). */
static gboolean
text_bytes (GVariant *v, const char **text, gsize *len)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      *text = g_variant_get_string (v, len);
      return TRUE;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING))
    {
      *text = g_variant_get_fixed_array (v, len, 1);
      if (*text == NULL)
        *text = "";
      if (*len > 0 && (*text)[*len - 1] == '\0')
        (*len)--;
      return TRUE;
    }
  return FALSE;
}

#define E164_HINT "is not in E.164 (+ then 7 to 15 digits)"

static gboolean
is_e164 (const char *s)
{
  gsize n = s ? strlen (s) : 0;
  gboolean ok = n >= 8 && n <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9';
  for (gsize i = 2; ok && i < n; i++)
    ok = g_ascii_isdigit (s[i]);
  return ok;
}

gboolean
rec_check_e164 (const char *what, const char *s, GError **error)
{
  if (is_e164 (s))
    return TRUE;
  g_autofree char *q = rec_quote (s ? s : "", -1);
  g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, "%s: %s " E164_HINT, what, q);
  return FALSE;
}

static gboolean
is_id (const char *s, gsize len)
{
  if (len < 1 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && !strchr ("._:@-", s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_domain (const char *d)
{
  g_auto (GStrv) labels = g_strsplit (d, ".", -1);
  if (g_strv_length (labels) < 2)
    return FALSE;
  for (char **l = labels; *l; l++)
    {
      gsize n = strlen (*l);
      if (n < 1 || n > 63 || (*l)[0] == '-' || (*l)[n - 1] == '-')
        return FALSE;
      for (gsize i = 0; i < n; i++)
        if (!g_ascii_isalnum ((*l)[i]) && (*l)[i] != '-')
          return FALSE;
    }
  return TRUE;
}

/* A deliberately simple check: a local part of printable characters, an
 * '@', a domain of at least two DNS labels. */
static gboolean
is_email (const char *s, gsize len)
{
  const char *at = strchr (s, '@');
  if (len > 254 || at == NULL || at == s || at - s > 64)
    return FALSE;
  for (const char *p = s; p < at; p++)
    if ((guchar) *p <= ' ' || *p == 0x7f)
      return FALSE;
  return is_domain (at + 1);
}

static gboolean
is_sha256 (const char *s, gsize len)
{
  if (len != 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  return TRUE;
}

/* Checks a value of a text kind; the parameter ("s") or NULL. */
static GVariant *
check_text (GString *problems, const char *path, const RecField *f, GVariant *v)
{
  const char *s;
  gsize len;
  if (!text_bytes (v, &s, &len))
    {
      wrong_type (problems, path, f, v);
      return NULL;
    }
  if (memchr (s, '\0', len))
    {
      rec_problem (problems, path, "contains a NUL byte");
      return NULL;
    }
  if (!g_utf8_validate_len (s, len, NULL))
    {
      rec_problem (problems, path, "is not valid UTF-8");
      return NULL;
    }
  g_autofree char *text = g_strndup (s, len);
  g_autofree char *q = rec_quote (text, -1);
  glong chars = g_utf8_strlen (text, -1);
  gboolean ok = TRUE;
  switch (f->kind)
    {
    case REC_KIND_ID:
      if (!(ok = is_id (text, len)))
        rec_problem (problems, path, "%s is not an id (1 to 64 of A-Z a-z 0-9 . _ : @ -)", q);
      break;
    case REC_KIND_E164:
      if (!(ok = is_e164 (text)))
        rec_problem (problems, path, "%s " E164_HINT, q);
      break;
    case REC_KIND_EMAIL:
      if (!(ok = is_email (text, len)))
        rec_problem (problems, path, "%s is not an e-mail address", q);
      break;
    case REC_KIND_ENUM:
      if (!(ok = g_strv_contains (f->values, text)))
        {
          g_autofree char *values = g_strjoinv (", ", (char **) f->values);
          rec_problem (problems, path, "%s is not one of %s", q, values);
        }
      break;
    case REC_KIND_SHA256:
      if (!(ok = is_sha256 (text, len)))
        rec_problem (problems, path, "%s is not a SHA-256 digest (64 lower-case hex digits)", q);
      break;
    default:
      if (chars > (glong) f->max)
        {
          ok = FALSE;
          rec_problem (problems, path, "is longer than %u characters (%ld)", f->max, chars);
        }
      else if (chars == 0 && (f->flags & REC_FIELD_REQUIRED))
        {
          ok = FALSE;
          rec_problem (problems, path, "must not be empty");
        }
      break;
    }
  return ok ? g_variant_ref_sink (g_variant_new_string (text)) : NULL;
}

/* Any integer type, or a double with an integral value. */
static gboolean
integer_of (GVariant *v, gint64 *out, gboolean *too_large)
{
  *too_large = FALSE;
  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_BYTE:
      *out = g_variant_get_byte (v);
      return TRUE;
    case G_VARIANT_CLASS_INT16:
      *out = g_variant_get_int16 (v);
      return TRUE;
    case G_VARIANT_CLASS_UINT16:
      *out = g_variant_get_uint16 (v);
      return TRUE;
    case G_VARIANT_CLASS_INT32:
      *out = g_variant_get_int32 (v);
      return TRUE;
    case G_VARIANT_CLASS_UINT32:
      *out = g_variant_get_uint32 (v);
      return TRUE;
    case G_VARIANT_CLASS_INT64:
      *out = g_variant_get_int64 (v);
      return TRUE;
    case G_VARIANT_CLASS_UINT64:
      *too_large = g_variant_get_uint64 (v) > G_MAXINT64;
      *out = (gint64) MIN (g_variant_get_uint64 (v), (guint64) G_MAXINT64);
      return TRUE;
    case G_VARIANT_CLASS_DOUBLE:
      {
        double d = g_variant_get_double (v);
        /* 2^63 itself does not fit */
        if (d != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0
            || d != (double) (gint64) d)
          return FALSE;
        *out = (gint64) d;
        return TRUE;
      }
    default:
      return FALSE;
    }
}

static GVariant *
check_number (GString *problems, const char *path, const RecField *f, GVariant *v)
{
  gint64 n;
  gboolean too_large;
  if (!integer_of (v, &n, &too_large))
    {
      wrong_type (problems, path, f, v);
      return NULL;
    }
  g_autofree char *shown = g_variant_print (v, FALSE);
  if (f->kind == REC_KIND_TIME && (too_large || n < 0))
    {
      rec_problem (problems, path, "%s is not a time (milliseconds since 1970, at least 0)", shown);
      return NULL;
    }
  if (f->kind == REC_KIND_INT && (too_large || n < f->min_value || n > f->max_value))
    {
      if (f->max_value == G_MAXINT64)
        rec_problem (problems, path, "%s is out of range (at least %" G_GINT64_FORMAT ")", shown,
                     f->min_value);
      else
        rec_problem (problems, path, "%s is out of range %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
                     shown, f->min_value, f->max_value);
      return NULL;
    }
  return g_variant_ref_sink (g_variant_new_int64 (n));
}

/* The strings of an "as", or of an "av" holding strings; NULL if @v is
 * neither (transfer full). */
static GStrv
strings_of (GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY))
    return g_variant_dup_strv (v, NULL);
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE ("av")))
    return NULL;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  gsize n = g_variant_n_children (v);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) child = g_variant_get_child_value (v, i);
      g_autoptr (GVariant) inner = g_variant_get_variant (child);
      if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
        return NULL;
      g_strv_builder_add (b, g_variant_get_string (inner, NULL));
    }
  return g_strv_builder_end (b);
}

static gboolean
check_phones (GString *problems, const char *path, const RecField *f, GVariant *v, RecValue *out)
{
  g_auto (GStrv) phones = strings_of (v);
  if (phones == NULL)
    {
      wrong_type (problems, path, f, v);
      return FALSE;
    }
  guint n = g_strv_length (phones);
  gboolean ok = TRUE;
  if (n > f->max)
    {
      rec_problem (problems, path, "more than %u numbers (%u)", f->max, n);
      return FALSE;
    }
  if (n == 0 && (f->flags & REC_FIELD_REQUIRED))
    {
      rec_problem (problems, path, "needs at least one number");
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      if (!is_e164 (phones[i]))
        {
          g_autofree char *item = g_strdup_printf ("%s[%u]", path, i);
          g_autofree char *q = rec_quote (phones[i], -1);
          rec_problem (problems, item, "%s " E164_HINT, q);
          ok = FALSE;
        }
    }
  if (!ok)
    return FALSE;
  if (!(f->flags & REC_FIELD_SIDE))
    {
      g_autofree char *json = rec_json_encode (v, path, problems);
      if (json == NULL)
        return FALSE;
      out->param = g_variant_ref_sink (g_variant_new_string (json));
    }
  out->phones = g_steal_pointer (&phones);
  return TRUE;
}

/* The empty maybe that stands for SQL NULL in a parameter tuple. */
static GVariant *
null_param (const RecField *f)
{
  switch (f->kind)
    {
    case REC_KIND_INT:
    case REC_KIND_BOOL:
    case REC_KIND_TIME:
      return g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_INT64, NULL));
    default:
      return g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL));
    }
}

/* Checks @raw for @f; fills @out. FALSE when a problem was reported. */
static gboolean
check_value (GString *problems, const char *path, const RecField *f, GVariant *raw,
             RecParseMode mode, RecValue *out)
{
  g_autoptr (GVariant) hold = NULL;
  GVariant *v = unwrap (raw, &hold);
  out->field = f;
  if (mode == REC_PARSE_WHERE && (f->kind == REC_KIND_JSON || f->kind == REC_KIND_PHONES))
    {
      rec_problem (problems, path, "cannot be searched");
      return FALSE;
    }
  if (v == NULL)
    {
      if (f->flags & (REC_FIELD_REQUIRED | REC_FIELD_NOT_NULL))
        {
          rec_problem (problems, path, "cannot be null");
          return FALSE;
        }
      if (f->kind == REC_KIND_PHONES)
        out->phones = g_new0 (char *, 1);
      if (!(f->flags & REC_FIELD_SIDE))
        out->param = null_param (f);
      return TRUE;
    }
  switch (f->kind)
    {
    case REC_KIND_INT:
    case REC_KIND_TIME:
      out->param = check_number (problems, path, f, v);
      break;
    case REC_KIND_BOOL:
      if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
        out->param = g_variant_ref_sink (g_variant_new_int64 (g_variant_get_boolean (v)));
      else
        wrong_type (problems, path, f, v);
      break;
    case REC_KIND_JSON:
      if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT))
        {
          g_autofree char *json = rec_json_encode (v, path, problems);
          if (json && strlen (json) > f->max)
            rec_problem (problems, path, "is longer than %u bytes as JSON", f->max);
          else if (json)
            out->param = g_variant_ref_sink (g_variant_new_string (json));
        }
      else
        wrong_type (problems, path, f, v);
      break;
    case REC_KIND_PHONES:
      return check_phones (problems, path, f, v, out);
    default:
      out->param = check_text (problems, path, f, v);
      break;
    }
  return out->param != NULL;
}

/* --- a record -------------------------------------------------------------------- */

static void
value_clear (gpointer data)
{
  RecValue *v = data;
  g_clear_pointer (&v->param, g_variant_unref);
  g_clear_pointer (&v->phones, g_strfreev);
}

void
rec_record_free (RecRecord *r)
{
  if (r == NULL)
    return;
  g_array_unref (r->values);
  g_free (r->id);
  g_free (r);
}

const RecValue *
rec_record_get (const RecRecord *r, const char *name)
{
  for (guint i = 0; i < r->values->len; i++)
    {
      const RecValue *v = &g_array_index (r->values, RecValue, i);
      if (strcmp (v->field->name, name) == 0)
        return v;
    }
  return NULL;
}

/* Inserts must give every required field the caller sets; @seen holds
 * the fields given (even those refused, already reported). */
static void
check_required (const RecRecord *r, GHashTable *seen, GString *problems)
{
  const RecEntity *e = r->entity;
  for (guint i = 0; i < e->n_fields; i++)
    {
      const RecField *f = &e->fields[i];
      if (!(f->flags & REC_FIELD_REQUIRED) || (f->flags & (REC_FIELD_READONLY | REC_FIELD_KEY)))
        continue;
      if (!g_hash_table_contains (seen, f->name))
        {
          g_autofree char *path = g_strdup_printf ("%s.%s", e->name, f->name);
          rec_problem (problems, path, "is required");
        }
    }
}

RecRecord *
rec_record_parse (const RecEntity *e, GVariant *dict, RecParseMode mode, GError **error)
{
  if (dict == NULL || !g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                   "%s: expected a record (a{sv}), not %s%s%s", e->name, dict ? "“" : "nothing",
                   dict ? g_variant_get_type_string (dict) : "", dict ? "”" : "");
      return NULL;
    }
  g_autoptr (RecRecord) r = g_new0 (RecRecord, 1);
  r->entity = e;
  r->values = g_array_new (FALSE, TRUE, sizeof (RecValue));
  g_array_set_clear_func (r->values, value_clear);
  g_autoptr (GString) problems = g_string_new (NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantIter iter;
  const char *key;
  GVariant *raw;
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &raw))
    {
      g_autofree char *path = g_strdup_printf ("%s.%s", e->name, key);
      const RecField *f = rec_entity_field (e, key);
      if (f == NULL)
        {
          rec_problem (problems, path, "no such field");
          continue;
        }
      if (!g_hash_table_add (seen, (gpointer) f->name))
        {
          rec_problem (problems, path, "given twice");
          continue;
        }
      /* read-only fields (created_at, updated_at, seq) are ignored, so that
       * a record read with get() can be written back as it is */
      if (mode == REC_PARSE_PUT && (f->flags & REC_FIELD_READONLY))
        continue;
      RecValue value = { 0 };
      if (!check_value (problems, path, f, raw, mode, &value))
        {
          value_clear (&value);
          continue;
        }
      g_array_append_val (r->values, value);
      if ((f->flags & REC_FIELD_KEY) && mode == REC_PARSE_PUT)
        r->id = g_variant_dup_string (value.param, NULL);
    }
  /* no id given: an insert (an id that was refused is reported already) */
  if (mode == REC_PARSE_PUT
      && (!g_hash_table_contains (seen, "id") || (e->flags & REC_ENTITY_APPEND_ONLY)))
    check_required (r, seen, problems);
  if (problems->len > 0)
    {
      g_set_error_literal (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, problems->str);
      return NULL;
    }
  return g_steal_pointer (&r);
}

gboolean
rec_check_id (const RecEntity *e, const char *id, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%s.id", e->name);
  if (id == NULL)
    {
      g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, "%s: is required", path);
      return FALSE;
    }
  g_autoptr (GString) problems = g_string_new (NULL);
  g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_new_string (id));
  g_autoptr (GVariant) param = check_text (problems, path, rec_entity_key (e), v);
  if (param == NULL)
    {
      g_set_error_literal (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, problems->str);
      return FALSE;
    }
  return TRUE;
}

gboolean
rec_parse_order (const RecEntity *e, const char *order_by, const RecField **field,
                 gboolean *descending, GError **error)
{
  *field = rec_entity_key (e);
  *descending = FALSE;
  if (order_by == NULL)
    return TRUE;
  g_autofree char *lower = g_ascii_strdown (order_by, -1);
  g_auto (GStrv) words = g_strsplit_set (g_strstrip (lower), " \t", -1);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  for (char **w = words; *w; w++)
    if (**w)
      g_strv_builder_add (b, *w);
  g_auto (GStrv) parts = g_strv_builder_end (b);
  guint n = g_strv_length (parts);
  if (n == 0)
    return TRUE;
  g_autofree char *quoted = rec_quote (order_by, -1);
  if (n > 2 || (n == 2 && strcmp (parts[1], "asc") != 0 && strcmp (parts[1], "desc") != 0))
    {
      g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                   "%s: order %s is not “field”, “field asc” or “field desc”", e->name, quoted);
      return FALSE;
    }
  const RecField *f = rec_entity_field (e, parts[0]);
  if (f == NULL || f->kind == REC_KIND_JSON || f->kind == REC_KIND_PHONES)
    {
      g_set_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID, "%s.%s: %s", e->name,
                   parts[0], f ? "cannot be ordered by" : "no such field");
      return FALSE;
    }
  *field = f;
  *descending = n == 2 && strcmp (parts[1], "desc") == 0;
  return TRUE;
}
