/* store-sqlite: $N → ?N, a small tokenizer that knows SQLite's literals,
 * quoted identifiers and comments. See placeholders.h. */
#include "placeholders.h"

#include <omnicc/store.h>
#include <string.h>

/* Bytes SQLite takes as part of an identifier or a number: "a$1" is one
 * identifier, not "a" then a placeholder. Bytes >= 0x80 are the rest of a
 * UTF-8 character, which SQLite also takes as identifier characters. */
static gboolean
is_word_byte (guchar c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '$' || c >= 0x80;
}

/* The end of a literal or identifier opened at @i by @quote, whose quote
 * is escaped by doubling it ('it''s'); @length when it is not closed, as
 * SQLite then refuses the statement anyway. */
static gsize
skip_quoted (const char *sql, gsize length, gsize i, char quote)
{
  for (i++; i < length; i++)
    if (sql[i] == quote)
      {
        if (i + 1 < length && sql[i + 1] == quote)
          i++;
        else
          return i + 1;
      }
  return length;
}

/* SQLite's [identifier]: no escapes inside. */
static gsize
skip_bracketed (const char *sql, gsize length, gsize i)
{
  const char *end = memchr (sql + i, ']', length - i);
  return end ? (gsize) (end - sql) + 1 : length;
}

static gsize
skip_line_comment (const char *sql, gsize length, gsize i)
{
  const char *end = memchr (sql + i, '\n', length - i);
  return end ? (gsize) (end - sql) + 1 : length;
}

/* SQLite's block comments do not nest, and one left open runs to the end. */
static gsize
skip_block_comment (const char *sql, gsize length, gsize i)
{
  for (i += 2; i + 1 < length; i++)
    if (sql[i] == '*' && sql[i + 1] == '/')
      return i + 2;
  return length;
}

/* How many bytes of a comment or quoted run start at @i; 0 when none. */
static gsize
skip_inert (const char *sql, gsize length, gsize i)
{
  char c = sql[i];
  char next = i + 1 < length ? sql[i + 1] : '\0';
  if (c == '\'' || c == '"' || c == '`')
    return skip_quoted (sql, length, i, c) - i;
  if (c == '[')
    return skip_bracketed (sql, length, i) - i;
  if (c == '-' && next == '-')
    return skip_line_comment (sql, length, i) - i;
  if (c == '/' && next == '*')
    return skip_block_comment (sql, length, i) - i;
  return 0;
}

static gboolean
is_comment_start (const char *sql, gsize length, gsize i)
{
  return i + 1 < length
         && ((sql[i] == '-' && sql[i + 1] == '-') || (sql[i] == '/' && sql[i + 1] == '*'));
}

/* Reads "$N" at @i (sql[i] == '$'). Returns the bytes it took, or 0 with
 * @error set. */
static gsize
read_placeholder (const char *sql, gsize length, gsize i, guint *number, GError **error)
{
  gsize j = i + 1;
  guint64 n = 0;
  while (j < length && g_ascii_isdigit (sql[j]))
    {
      if (n <= SQ_PLACEHOLDERS_MAX)
        n = n * 10 + (guint64) (sql[j] - '0');
      j++;
    }
  /* what the message quotes: the placeholder and the word glued to it */
  gsize end = j;
  while (end < length && is_word_byte ((guchar) sql[end]) && end - i < 32)
    end++;
  g_autofree char *quoted = g_utf8_make_valid (sql + i, (gssize) (end - i));
  if (j == i + 1 || (j < length && is_word_byte ((guchar) sql[j])))
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                   "at byte %" G_GSIZE_FORMAT ": “%s” is not a placeholder: they are written $1, "
                   "$2, …",
                   i, quoted);
      return 0;
    }
  if (n == 0 || n > SQ_PLACEHOLDERS_MAX)
    {
      g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                   "at byte %" G_GSIZE_FORMAT ": “%s”: placeholders are numbered from $1 to $%u", i,
                   quoted, SQ_PLACEHOLDERS_MAX);
      return 0;
    }
  *number = (guint) n;
  return j - i;
}

/* Notes the first keyword: the first word, skipping leading parentheses,
 * white space and comments, so that "(SELECT …" and a statement after a
 * comment are recognised too. */
static void
note_keyword (SqRewrite *r, const char *word, gsize len)
{
  if (len >= sizeof r->keyword || !g_ascii_isalpha (word[0]))
    return;
  for (gsize k = 0; k < len; k++)
    r->keyword[k] = g_ascii_toupper (word[k]);
  r->keyword[len] = '\0';
}

gboolean
sq_placeholders_rewrite (const char *sql, gsize length, SqRewrite *out, GError **error)
{
  g_return_val_if_fail (sql != NULL || length == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  SqRewrite r = { 0 };
  g_autoptr (GString) text = g_string_sized_new (length + 16);
  g_autofree guint8 *used = NULL; /* bitmap of the numbers seen */
  guint highest = 0;
  gboolean first_token_seen = FALSE;
  gsize i = 0;
  while (i < length)
    {
      guchar c = (guchar) sql[i];
      gsize n = skip_inert (sql, length, i);
      if (n > 0)
        {
          /* a comment before the first keyword does not end the search */
          if (!is_comment_start (sql, length, i))
            first_token_seen = TRUE;
          g_string_append_len (text, sql + i, (gssize) n);
          i += n;
          continue;
        }
      if (is_word_byte (c) && c != '$')
        {
          gsize j = i;
          while (j < length && is_word_byte ((guchar) sql[j]))
            j++;
          if (!first_token_seen)
            note_keyword (&r, sql + i, j - i);
          first_token_seen = TRUE;
          g_string_append_len (text, sql + i, (gssize) (j - i));
          i = j;
          continue;
        }
      if (c == '$')
        {
          guint number = 0;
          gsize taken = read_placeholder (sql, length, i, &number, error);
          if (taken == 0)
            return FALSE;
          if (used == NULL)
            used = g_malloc0 (SQ_PLACEHOLDERS_MAX / 8 + 1);
          used[number / 8] |= (guint8) (1u << (number % 8));
          highest = MAX (highest, number);
          g_string_append_printf (text, "?%u", number);
          first_token_seen = TRUE;
          i += taken;
          continue;
        }
      if (!g_ascii_isspace (c) && c != '(')
        first_token_seen = TRUE;
      g_string_append_c (text, (char) c);
      i++;
    }
  for (guint k = 1; k <= highest; k++)
    if (!(used[k / 8] & (1u << (k % 8))))
      {
        g_set_error (error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID,
                     "placeholder $%u is missing: placeholders are numbered from $1 without gaps "
                     "(the highest is $%u)",
                     k, highest);
        return FALSE;
      }
  r.n_params = highest;
  r.length = text->len;
  r.sql = g_string_free (g_steal_pointer (&text), FALSE);
  *out = r;
  return TRUE;
}

void
sq_rewrite_clear (SqRewrite *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->sql, g_free);
  memset (r, 0, sizeof *r);
}

gboolean
sq_sql_is_blank (const char *sql)
{
  g_return_val_if_fail (sql != NULL, FALSE);
  gsize length = strlen (sql);
  gsize i = 0;
  while (i < length)
    {
      if (g_ascii_isspace (sql[i]) || sql[i] == ';')
        i++;
      else if (is_comment_start (sql, length, i))
        i += skip_inert (sql, length, i);
      else
        return FALSE;
    }
  return TRUE;
}
