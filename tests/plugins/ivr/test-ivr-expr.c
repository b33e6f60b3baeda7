/* The IVR's conditions (plugins/ivr/expr.c): a table of expressions
 * evaluated at injected times and with set variables — time ranges
 * (wrapping midnight, last minute included), days, holidays, numeric
 * against string comparison, truth of a variable, precedence — and the
 * syntax errors refused at parse time. */
#include "expr.h"
#include "ivr-fixture.h"

static const char *const vars[] = {
  "n", "10", "nine", "9", "s", "abc", "empty", "", "neg", "-2.5", NULL,
};

/* 2026-11-27 is a Friday. */
static const struct {
  const char *expr;
  const char *when;
  gboolean want;
} table[] = {
  { "time 08:00-18:00", "2026-11-27 07:59", FALSE },
  { "time 08:00-18:00", "2026-11-27 08:00", TRUE },
  { "time 08:00-18:00", "2026-11-27 18:00", TRUE },
  { "time 08:00-18:00", "2026-11-27 18:01", FALSE },
  { "time 22:00-06:00", "2026-11-27 23:30", TRUE },
  { "time 22:00-06:00", "2026-11-27 03:00", TRUE },
  { "time 22:00-06:00", "2026-11-27 06:00", TRUE },
  { "time 22:00-06:00", "2026-11-27 06:01", FALSE },
  { "time 22:00-06:00", "2026-11-27 12:00", FALSE },
  { "time 22:00-06:00", "2026-11-27 21:59", FALSE },
  { "time 00:00-23:59", "2026-11-27 23:59", TRUE },
  { "day mon-fri", "2026-11-27 12:00", TRUE },
  { "day mon-fri", "2026-11-28 12:00", FALSE },
  { "day sat,sun", "2026-11-28 12:00", TRUE },
  { "day sat,sun", "2026-11-29 12:00", TRUE },
  { "day sat,sun", "2026-11-30 12:00", FALSE },
  { "day fri-mon", "2026-11-29 12:00", TRUE },
  { "day fri-mon", "2026-12-02 12:00", FALSE },
  { "day wed,fri-sat", "2026-11-28 12:00", TRUE },
  { "holiday", "2026-12-25 10:00", TRUE },
  { "holiday", "2026-12-24 23:59", FALSE },
  { "holiday", "2027-01-01 00:00", TRUE },
  { "not holiday and day mon-fri", "2026-12-25 10:00", FALSE },
  /* numbers compare as numbers, anything else as strings */
  { "${n} > ${nine}", "2026-11-27 12:00", TRUE },
  { "\"10\" > \"9\"", "2026-11-27 12:00", TRUE },
  { "\"10\" < \"9a\"", "2026-11-27 12:00", TRUE },
  { "${n} == 10.0", "2026-11-27 12:00", TRUE },
  { "${n} != \"10.00\"", "2026-11-27 12:00", FALSE },
  { "${neg} < -2", "2026-11-27 12:00", TRUE },
  { "${neg} >= -2.5", "2026-11-27 12:00", TRUE },
  { "${s} < \"abd\"", "2026-11-27 12:00", TRUE },
  { "${s} == \"abc\"", "2026-11-27 12:00", TRUE },
  { "${s} <= \"ab\"", "2026-11-27 12:00", FALSE },
  { "${missing} == \"\"", "2026-11-27 12:00", TRUE },
  { "\"a \\\"q\\\"\" == \"a \\\"q\\\"\"", "2026-11-27 12:00", TRUE },
  /* a variable alone: set and not empty */
  { "${s}", "2026-11-27 12:00", TRUE },
  { "${empty}", "2026-11-27 12:00", FALSE },
  { "${missing}", "2026-11-27 12:00", FALSE },
  { "not ${missing}", "2026-11-27 12:00", TRUE },
  /* precedence: not, then and, then or */
  { "${s} or ${missing} and ${empty}", "2026-11-27 12:00", TRUE },
  { "(${s} or ${missing}) and ${empty}", "2026-11-27 12:00", FALSE },
  { "not ${s} or ${s}", "2026-11-27 12:00", TRUE },
  { "not (${s} or ${s})", "2026-11-27 12:00", FALSE },
  { "not not ${s}", "2026-11-27 12:00", TRUE },
  { "${empty} and ${s} or ${n} == 10", "2026-11-27 12:00", TRUE },
  { "time 08:00-18:00 and day mon-fri and not holiday", "2026-11-27 09:30", TRUE },
  { "time 08:00-18:00 and day mon-fri and not holiday", "2026-11-28 09:30", FALSE },
};

static void
test_table (void)
{
  g_autoptr (TestVars) tv = test_vars_new (vars);
  g_autoptr (GDate) christmas = g_date_new_dmy (25, 12, 2026);
  g_autoptr (GDate) new_year = g_date_new_dmy (1, 1, 2027);
  guint32 holidays[] = { g_date_get_julian (christmas), g_date_get_julian (new_year) };
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (IvrExpr) e = ivr_expr_parse (table[i].expr, &error);
      g_assert_no_error (error);
      g_autoptr (GDateTime) now = test_time (table[i].when);
      IvrExprContext ctx = { &tv->vars, now, holidays, G_N_ELEMENTS (holidays) };
      if (ivr_expr_eval (e, &ctx) != table[i].want)
        g_error ("%s at %s: expected %s", table[i].expr, table[i].when,
                 table[i].want ? "true" : "false");
    }
  /* conditions do not report unset variables: testing them is their use */
  g_assert_cmpuint (tv->unknown->len, ==, 0);
}

static void
test_variables_listed (void)
{
  g_autoptr (IvrExpr) e = ivr_expr_parse ("${a} == ${b} or (${a} and not ${c.d}) or day mon", NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  ivr_expr_collect_variables (e, names);
  g_assert_cmpuint (names->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "a");
  g_assert_cmpstr (g_ptr_array_index (names, 1), ==, "b");
  g_assert_cmpstr (g_ptr_array_index (names, 2), ==, "c.d");
}

static void
test_refusals (void)
{
  static const struct {
    const char *expr, *message;
  } bad[] = {
    { "", "expected a condition, a variable, a \"string\" or a number at the end" },
    { "${x} ==", "expected a condition, a variable, a \"string\" or a number at the end" },
    { "(${x}", "expected \")\" at the end" },
    { "${x} ${y}", "expected \"and\", \"or\" or the end at offset 5" },
    { "time 8:00-9:00", "expected a time range HH:MM-HH:MM after \"time\" at offset 5" },
    { "time 08:00-24:00", "expected a time range" },
    { "time 08:00", "expected a time range" },
    { "day funday", "expected days such as mon-fri or sat,sun after \"day\"" },
    { "day mon,", "expected days such as" },
    { "open", "expected a condition" },
    { "${X} == 1", "expected a variable ${name}" },
    { "${x == 1", "expected a variable ${name}" },
    { "${x} == \"abc", "unclosed string" },
    { "${x} = 1", "expected \"and\", \"or\" or the end" },
    { "${x} and", "at the end" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (IvrExpr) e = ivr_expr_parse (bad[i].expr, &error);
      g_assert_null (e);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      if (!strstr (error->message, bad[i].message))
        g_error ("«%s»: got «%s», expected «%s»", bad[i].expr, error->message, bad[i].message);
    }
}

/* Deep nesting is refused, a long flat chain is not (and evaluates
 * without recursing per operand). */
static void
test_depth (void)
{
  g_autoptr (GString) deep = g_string_new (NULL);
  for (guint i = 0; i < 40; i++)
    g_string_append (deep, i % 2 ? "(" : "not ");
  g_string_append (deep, "${x}");
  g_autoptr (GError) error = NULL;
  g_autoptr (IvrExpr) none = ivr_expr_parse (deep->str, &error);
  g_assert_null (none);
  g_assert_nonnull (strstr (error->message, "nested too deep"));

  g_autoptr (GString) chain = g_string_new ("${s}");
  for (guint i = 0; i < 100000; i++)
    g_string_append (chain, i % 3 ? " and ${s}" : " or ${empty}");
  g_autoptr (IvrExpr) e = ivr_expr_parse (chain->str, NULL);
  g_assert_nonnull (e);
  g_autoptr (TestVars) tv = test_vars_new (vars);
  IvrExprContext ctx = { &tv->vars, NULL, NULL, 0 };
  g_assert_true (ivr_expr_eval (e, &ctx));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ivr/expr/evaluates-the-table", test_table);
  g_test_add_func ("/ivr/expr/lists-its-variables", test_variables_listed);
  g_test_add_func ("/ivr/expr/refuses-bad-syntax", test_refusals);
  g_test_add_func ("/ivr/expr/bounds-nesting-not-length", test_depth);
  return g_test_run ();
}
