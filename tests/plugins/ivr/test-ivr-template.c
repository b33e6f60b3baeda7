/* The IVR's templates (plugins/ivr/template.c): variables expanded, "$$"
 * as a dollar sign, unknown variables expanded to "" and reported, the URI
 * variant percent-encoding each value and only the values, and what the
 * parser refuses. */
#include "ivr-fixture.h"

static const char *const vars[] = {
  "name", "World", "caller", "+33 1/2", "q", "a&b=c é", "customer.id", "42", NULL,
};

static char *
expand (const char *text, gboolean uri, TestVars *tv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (IvrTemplate) t = ivr_template_parse (text, &error);
  g_assert_no_error (error);
  return uri ? ivr_template_expand_uri (t, &tv->vars) : ivr_template_expand (t, &tv->vars);
}

static void
test_expand (void)
{
  g_autoptr (TestVars) tv = test_vars_new (vars);
  static const struct {
    const char *text, *want;
  } table[] = {
    { "Hello ${name}!", "Hello World!" },
    { "${name}${name}", "WorldWorld" },
    { "id=${customer.id}", "id=42" },
    { "$$5 and $${name}", "$5 and ${name}" },
    { "$$${name}", "$World" },
    { "no variable", "no variable" },
    { "", "" },
    { "[${unset}]", "[]" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *got = expand (table[i].text, FALSE, tv);
      g_assert_cmpstr (got, ==, table[i].want);
    }
  g_assert_cmpuint (tv->unknown->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (tv->unknown, 0), ==, "unset");
}

static void
test_uri (void)
{
  g_autoptr (TestVars) tv = test_vars_new (vars);
  g_autofree char *got = expand ("http://127.0.0.1:8080/b?n=${caller}&q=${q}&x=${nope}", TRUE, tv);
  g_assert_cmpstr (got, ==, "http://127.0.0.1:8080/b?n=%2B33%201%2F2&q=a%26b%3Dc%20%C3%A9&x=");
  g_assert_cmpuint (tv->unknown->len, ==, 1);
  /* the plain variant keeps the values as they are */
  g_autofree char *plain = expand ("n=${caller}", FALSE, tv);
  g_assert_cmpstr (plain, ==, "n=+33 1/2");
}

static void
test_literal_and_variables (void)
{
  g_autoptr (IvrTemplate) lit = ivr_template_parse ("costs $$3", NULL);
  g_assert_true (ivr_template_is_literal (lit));
  g_assert_cmpstr (ivr_template_get_literal (lit), ==, "costs $3");
  g_assert_cmpstr (ivr_template_get_source (lit), ==, "costs $$3");
  g_assert_cmpuint (g_strv_length ((char **) ivr_template_get_variables (lit)), ==, 0);

  g_autoptr (IvrTemplate) t = ivr_template_parse ("${a}-${b.c}-${a}", NULL);
  g_assert_false (ivr_template_is_literal (t));
  g_assert_null (ivr_template_get_literal (t));
  const char *const *names = ivr_template_get_variables (t);
  g_assert_cmpuint (g_strv_length ((char **) names), ==, 3);
  g_assert_cmpstr (names[1], ==, "b.c");
  /* no lookup at all: every variable is unknown */
  g_autofree char *got = ivr_template_expand (t, NULL);
  g_assert_cmpstr (got, ==, "--");
}

static void
test_refusals (void)
{
  static const struct {
    const char *text, *message;
  } bad[] = {
    { "abc ${name", "\"${\" at offset 4 is not closed" },
    { "${", "\"${\" at offset 0 is not closed" },
    { "cost $5", "\"$\" at offset 5 is neither \"${name}\" nor \"$$\"" },
    { "end $", "\"$\" at offset 4 is neither" },
    { "${Name}", "\"${Name}\" is not a variable name" },
    { "${}", "\"${}\" is not a variable name" },
    { "${a b}", "\"${a b}\" is not a variable name" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (IvrTemplate) t = ivr_template_parse (bad[i].text, &error);
      g_assert_null (t);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      if (!strstr (error->message, bad[i].message))
        g_error ("«%s»: got «%s», expected «%s»", bad[i].text, error->message, bad[i].message);
    }
  g_autofree char *long_name = g_strnfill (65, 'a');
  g_autofree char *text = g_strdup_printf ("${%s}", long_name);
  g_assert_null (ivr_template_parse (text, NULL));
  g_assert_true (ivr_var_name_is_valid (long_name + 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ivr/template/expands-variables", test_expand);
  g_test_add_func ("/ivr/template/uri-encodes-values", test_uri);
  g_test_add_func ("/ivr/template/knows-literals-and-variables", test_literal_and_variables);
  g_test_add_func ("/ivr/template/refuses-bad-syntax", test_refusals);
  return g_test_run ();
}
