/* Unit tests of store-sqlite's placeholder rewriter ($N -> ?N), the one
 * parser the plugin owns. */
#include "placeholders.h"

#include <omnicc/store.h>
#include <string.h>

typedef struct {
  const char *in;
  const char *out;
  guint n_params;
  const char *keyword;
} Case;

static void
check (const Case *c)
{
  SqRewrite r;
  g_autoptr (GError) e = NULL;
  if (!sq_placeholders_rewrite (c->in, strlen (c->in), &r, &e))
    g_error ("“%s” was refused: %s", c->in, e->message);
  g_assert_cmpstr (r.sql, ==, c->out);
  g_assert_cmpuint (r.length, ==, strlen (c->out));
  g_assert_cmpuint (r.n_params, ==, c->n_params);
  if (c->keyword)
    g_assert_cmpstr (r.keyword, ==, c->keyword);
  sq_rewrite_clear (&r);
}

static void
refused (const char *in, const char *message_part)
{
  SqRewrite r = { .n_params = 99 };
  g_autoptr (GError) e = NULL;
  g_assert_false (sq_placeholders_rewrite (in, strlen (in), &r, &e));
  g_assert_error (e, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  if (strstr (e->message, message_part) == NULL)
    g_error ("“%s”: message “%s” does not mention “%s”", in, e->message, message_part);
  g_assert_null (r.sql);
  g_assert_cmpuint (r.n_params, ==, 0);
}

static void
test_rewrites_numbers (void)
{
  static const Case cases[] = {
    { "SELECT $1", "SELECT ?1", 1, "SELECT" },
    { "SELECT $2, $1", "SELECT ?2, ?1", 2, NULL },
    { "SELECT $1 + $1 * $1", "SELECT ?1 + ?1 * ?1", 1, NULL },
    { "SELECT $1,$2", "SELECT ?1,?2", 2, NULL },
    { "VALUES($1)", "VALUES(?1)", 1, "VALUES" },
    { "SELECT 1", "SELECT 1", 0, NULL },
    { "", "", 0, "" },
    /* a leading zero is the same number, as in PostgreSQL */
    { "SELECT $01", "SELECT ?1", 1, NULL },
    { "SELECT x FROM t WHERE a=$1 AND b<>$2", "SELECT x FROM t WHERE a=?1 AND b<>?2", 2, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

static void
test_ten_is_not_one_then_zero (void)
{
  g_autoptr (GString) in = g_string_new ("SELECT ");
  g_autoptr (GString) out = g_string_new ("SELECT ");
  for (guint i = 12; i >= 1; i--)
    {
      g_string_append_printf (in, "$%u%s", i, i > 1 ? "," : "");
      g_string_append_printf (out, "?%u%s", i, i > 1 ? "," : "");
    }
  Case c = { in->str, out->str, 12, "SELECT" };
  check (&c);
  /* $10 alone: ten, so $1…$9 are missing */
  refused ("SELECT $10", "$1 is missing");
}

static void
test_literals_left_alone (void)
{
  static const Case cases[] = {
    { "SELECT '$1'", "SELECT '$1'", 0, NULL },
    { "SELECT 'it''s $1', $1", "SELECT 'it''s $1', ?1", 1, NULL },
    { "SELECT '''$1'''", "SELECT '''$1'''", 0, NULL },
    { "SELECT '' || $1", "SELECT '' || ?1", 1, NULL },
    { "SELECT \"$1\" FROM t", "SELECT \"$1\" FROM t", 0, NULL },
    { "SELECT \"a\"\"$1\" FROM t", "SELECT \"a\"\"$1\" FROM t", 0, NULL },
    { "SELECT `$1` FROM t", "SELECT `$1` FROM t", 0, NULL },
    { "SELECT [$1] FROM t WHERE x = $1", "SELECT [$1] FROM t WHERE x = ?1", 1, NULL },
    { "SELECT x'24' || $1", "SELECT x'24' || ?1", 1, NULL },
    { "SELECT $2 || '-' || $1 || '$1'", "SELECT ?2 || '-' || ?1 || '$1'", 2, NULL },
    /* an unterminated literal swallows the rest: SQLite refuses it later */
    { "SELECT '$1", "SELECT '$1", 0, NULL },
    { "SELECT \"$1", "SELECT \"$1", 0, NULL },
    { "SELECT [$1", "SELECT [$1", 0, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

static void
test_comments_left_alone (void)
{
  static const Case cases[] = {
    { "SELECT $1 -- and $2\n", "SELECT ?1 -- and $2\n", 1, NULL },
    { "SELECT -- $2\n $1", "SELECT -- $2\n ?1", 1, NULL },
    { "SELECT /* $2 */ $1", "SELECT /* $2 */ ?1", 1, NULL },
    { "SELECT /* $2 /* $3 */ $1", "SELECT /* $2 /* $3 */ ?1", 1, NULL },
    { "SELECT $1 /* $2", "SELECT ?1 /* $2", 1, NULL },
    { "SELECT $1 -- $2", "SELECT ?1 -- $2", 1, NULL },
    /* a quote inside a comment opens nothing */
    { "SELECT /* ' */ $1 -- '\n, $2", "SELECT /* ' */ ?1 -- '\n, ?2", 2, NULL },
    /* and comment marks inside a literal are text */
    { "SELECT '--', $1, '/*', $2", "SELECT '--', ?1, '/*', ?2", 2, NULL },
    { "SELECT 1 - -$1", "SELECT 1 - -?1", 1, NULL },
    { "SELECT 4/$1*2", "SELECT 4/?1*2", 1, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

static void
test_identifiers_with_dollars (void)
{
  static const Case cases[] = {
    { "SELECT a$1 FROM t", "SELECT a$1 FROM t", 0, NULL },
    { "SELECT a$1, $1 FROM t", "SELECT a$1, ?1 FROM t", 1, NULL },
    { "SELECT _$$1", "SELECT _$$1", 0, NULL },
    { "SELECT é$1, $1", "SELECT é$1, ?1", 1, NULL },
    { "SELECT 12$1", "SELECT 12$1", 0, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

static void
test_other_parameter_forms_kept (void)
{
  /* SQLite's own forms are left for SQLite, which counts them: the store
   * then refuses the statement for having values missing */
  static const Case cases[] = {
    { "SELECT ?", "SELECT ?", 0, NULL },
    { "SELECT :name, @x, ?3", "SELECT :name, @x, ?3", 0, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

static void
test_refuses_bad_placeholders (void)
{
  refused ("SELECT $0", "numbered from $1");
  refused ("SELECT $65536", "numbered from $1 to $65535");
  refused ("SELECT $99999999999999999999999999", "numbered from $1");
  refused ("SELECT $name", "“$name” is not a placeholder");
  refused ("SELECT $1abc", "“$1abc” is not a placeholder");
  refused ("SELECT $", "is not a placeholder");
  refused ("SELECT $ 1", "at byte 7");
  refused ("SELECT $1, $3", "$2 is missing");
  refused ("SELECT $2", "$1 is missing");
  /* the quoted part of the message stays UTF-8 and short */
  refused ("SELECT $\xff\xfe", "is not a placeholder");
  SqRewrite r;
  g_autoptr (GError) e = NULL;
  g_autofree char *long_word = g_strnfill (5000, 'a');
  g_autofree char *sql = g_strconcat ("SELECT $1", long_word, NULL);
  g_assert_false (sq_placeholders_rewrite (sql, strlen (sql), &r, &e));
  g_assert_cmpuint (strlen (e->message), <, 200);
}

static void
test_highest_allowed (void)
{
  g_autoptr (GString) in = g_string_new ("SELECT ");
  for (guint i = 1; i <= SQ_PLACEHOLDERS_MAX; i++)
    g_string_append_printf (in, "$%u,", i);
  SqRewrite r;
  g_autoptr (GError) e = NULL;
  g_assert_true (sq_placeholders_rewrite (in->str, in->len, &r, &e));
  g_assert_no_error (e);
  g_assert_cmpuint (r.n_params, ==, SQ_PLACEHOLDERS_MAX);
  g_assert_nonnull (strstr (r.sql, ",?65535,"));
  sq_rewrite_clear (&r);
}

static void
test_first_keyword (void)
{
  static const Case cases[] = {
    { "  select 1", "  select 1", 0, "SELECT" },
    { "(SELECT 1)", "(SELECT 1)", 0, "SELECT" },
    { "-- why\n/* how */ WITH x AS (SELECT 1) SELECT * FROM x",
      "-- why\n/* how */ WITH x AS (SELECT 1) SELECT * FROM x", 0, "WITH" },
    { "insert INTO t VALUES ($1)", "insert INTO t VALUES (?1)", 1, "INSERT" },
    { "Begin", "Begin", 0, "BEGIN" },
    { "'text'", "'text'", 0, "" },
    { "$1", "?1", 1, "" },
    { "1 + 1", "1 + 1", 0, "" },
    { "; SELECT 1", "; SELECT 1", 0, "" },
    { "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0, "" },
    { "ABCDEFGHIJKLMNO x", "ABCDEFGHIJKLMNO x", 0, "ABCDEFGHIJKLMNO" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check (&cases[i]);
}

static void
test_reads_only_length_bytes (void)
{
  /* not NUL-terminated where it ends: nothing past @length is read */
  const char text[] = "SELECT $1 FROM t WHERE $2";
  SqRewrite r;
  g_autoptr (GError) e = NULL;
  g_assert_true (sq_placeholders_rewrite (text, 9, &r, &e));
  g_assert_cmpstr (r.sql, ==, "SELECT ?1");
  g_assert_cmpuint (r.n_params, ==, 1);
  sq_rewrite_clear (&r);
  /* a NUL inside is copied like any byte */
  const char nul[] = "SELECT $1\0$2";
  g_assert_true (sq_placeholders_rewrite (nul, sizeof nul - 1, &r, &e));
  g_assert_cmpuint (r.length, ==, sizeof nul - 1);
  g_assert_cmpint (memcmp (r.sql, "SELECT ?1\0?2", r.length), ==, 0);
  g_assert_cmpuint (r.n_params, ==, 2);
  sq_rewrite_clear (&r);
  g_assert_true (sq_placeholders_rewrite (NULL, 0, &r, &e));
  g_assert_cmpstr (r.sql, ==, "");
  sq_rewrite_clear (&r);
}

/* Random input: never a crash, and a rewritten statement rewrites to
 * itself with no placeholders left (the ?N it wrote are not $N). */
static void
test_random_input (void)
{
  static const char alphabet[] = "$$$0123456789aA_ '\"`[]-/*\n;é\xff";
  for (guint round = 0; round < 20000; round++)
    {
      guint len = (guint) g_test_rand_int_range (0, 40);
      g_autofree char *in = g_malloc (len + 1);
      for (guint i = 0; i < len; i++)
        in[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      in[len] = '\0';
      SqRewrite r, again;
      g_autoptr (GError) e = NULL;
      if (!sq_placeholders_rewrite (in, len, &r, &e))
        {
          g_assert_error (e, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
          g_assert_true (g_utf8_validate (e->message, -1, NULL));
          continue;
        }
      g_assert_cmpuint (r.sql[r.length], ==, '\0');
      g_assert_true (sq_placeholders_rewrite (r.sql, r.length, &again, &e));
      g_assert_cmpuint (again.length, ==, r.length);
      g_assert_cmpint (memcmp (again.sql, r.sql, r.length), ==, 0);
      g_assert_cmpuint (again.n_params, ==, 0);
      sq_rewrite_clear (&r);
      sq_rewrite_clear (&again);
    }
}

static void
test_blank_tail (void)
{
  const char *blank[]
      = { "", "  ", ";", " ;\n;\t", "-- c", "-- c\n;", "/* c */", "/* open", "; -- c\n /* d */ ;" };
  for (guint i = 0; i < G_N_ELEMENTS (blank); i++)
    g_assert_true (sq_sql_is_blank (blank[i]));
  const char *not_blank[] = { "x", "; SELECT 1", "-- c\nSELECT 1", "/* c */ 1", "-", "/", "'" };
  for (guint i = 0; i < G_N_ELEMENTS (not_blank); i++)
    g_assert_false (sq_sql_is_blank (not_blank[i]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store-sqlite/placeholders/rewrites-numbers", test_rewrites_numbers);
  g_test_add_func ("/store-sqlite/placeholders/ten-is-not-one-then-zero",
                   test_ten_is_not_one_then_zero);
  g_test_add_func ("/store-sqlite/placeholders/leaves-literals-and-identifiers",
                   test_literals_left_alone);
  g_test_add_func ("/store-sqlite/placeholders/leaves-comments", test_comments_left_alone);
  g_test_add_func ("/store-sqlite/placeholders/dollar-inside-a-word-is-the-word",
                   test_identifiers_with_dollars);
  g_test_add_func ("/store-sqlite/placeholders/keeps-sqlite-parameter-forms",
                   test_other_parameter_forms_kept);
  g_test_add_func ("/store-sqlite/placeholders/refuses-bad-placeholders",
                   test_refuses_bad_placeholders);
  g_test_add_func ("/store-sqlite/placeholders/allows-up-to-65535", test_highest_allowed);
  g_test_add_func ("/store-sqlite/placeholders/finds-first-keyword", test_first_keyword);
  g_test_add_func ("/store-sqlite/placeholders/reads-only-length-bytes",
                   test_reads_only_length_bytes);
  g_test_add_func ("/store-sqlite/placeholders/random-input-is-safe", test_random_input);
  g_test_add_func ("/store-sqlite/placeholders/blank-tail", test_blank_tail);
  return g_test_run ();
}
