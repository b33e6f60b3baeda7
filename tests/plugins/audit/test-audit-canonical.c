/* The canonical form of audit entries (plugins/audit/canonical.c), without
 * a daemon: details hash alike whatever the order of their keys, types
 * are kept apart, fields cannot run into each other, what the store
 * cannot keep is refused, and the JSON the records plugin stores gives
 * the same bytes as the dictionary it was made from (records' own
 * encoder, json-value.c, is compiled in). */
#include "canonical.h"
#include "fields.h"

#include <math.h>
#include <omnicc/omnicc.h>
#include <string.h>

static char *
canon (GVariant *details)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (details);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) e = NULL;
  gboolean ok = audit_canon_variant (owned, out, &e);
  g_assert_no_error (e);
  g_assert_true (ok);
  return g_strndup (out->str, out->len);
}

static char *
canon_text (const char *text)
{
  return canon (g_variant_new_parsed (text));
}

static void
test_key_order (void)
{
  GVariantBuilder a, b, inner_a, inner_b;
  g_variant_builder_init (&inner_a, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&inner_a, "{sv}", "y", g_variant_new_int32 (2));
  g_variant_builder_add (&inner_a, "{sv}", "x", g_variant_new_string ("1"));
  g_variant_builder_init (&inner_b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&inner_b, "{sv}", "x", g_variant_new_string ("1"));
  g_variant_builder_add (&inner_b, "{sv}", "y", g_variant_new_int32 (2));
  g_variant_builder_init (&a, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&a, "{sv}", "b", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&a, "{sv}", "a", g_variant_builder_end (&inner_a));
  g_variant_builder_add (&a, "{sv}", "ä", g_variant_new_double (0.5));
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "ä", g_variant_new_double (0.5));
  g_variant_builder_add (&b, "{sv}", "a", g_variant_builder_end (&inner_b));
  g_variant_builder_add (&b, "{sv}", "b", g_variant_new_boolean (TRUE));
  g_autofree char *ca = canon (g_variant_builder_end (&a));
  g_autofree char *cb = canon (g_variant_builder_end (&b));
  g_assert_cmpstr (ca, ==, cb);
  g_assert_cmpstr (ca, ==, "o3:s1:ao2:s1:xs1:1s1:yi2;s1:bts2:\xc3\xa4r0.5;");
}

static void
test_types_kept_apart (void)
{
  static const char *const values[] = {
    "{'v': <1>}",      "{'v': <'1'>}",         "{'v': <1.0>}",        "{'v': <true>}",
    "{'v': <['1']>}",  "{'v': <@mv nothing>}", "{'v': <{'1': <1>}>}", "{'v': <[<1>]>}",
    "{'v': <'true'>}", "{'v': <''>}",          "{'v': <@as []>}",     "{'v': <@a{sv} {}>}",
  };
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      char *c = canon_text (values[i]);
      if (!g_hash_table_add (seen, c))
        g_error ("%s gives the same bytes as another value", values[i]);
    }
  /* the integer type is not kept: the store could not tell them apart */
  g_autofree char *i32 = canon_text ("{'v': <int32 5>}");
  g_autofree char *i64 = canon_text ("{'v': <int64 5>}");
  g_autofree char *u8 = canon_text ("{'v': <byte 5>}");
  g_assert_cmpstr (i32, ==, i64);
  g_assert_cmpstr (u8, ==, i64);
  /* wrapping does not count either */
  g_autofree char *wrapped = canon_text ("{'v': <<<just int64 5>>>}");
  g_assert_cmpstr (wrapped, ==, i64);
}

static void
hash_of (const char *actor, const char *action, const char *target, char out[65])
{
  AuditFields f = { .prev_hash = AUDIT_GENESIS,
                    .id = "id-1",
                    .at = 1700000000000,
                    .actor = actor,
                    .action = action,
                    .target = target,
                    .result = "success" };
  g_autoptr (GString) scratch = g_string_new (NULL);
  audit_hash (&f, NULL, scratch, out);
}

static void
test_fields_cannot_run_together (void)
{
  char a[65], b[65], c[65], d[65];
  hash_of ("ab", "c", NULL, a);
  hash_of ("a", "bc", NULL, b);
  hash_of ("a", "bc", "", c);
  hash_of ("a", "bc", "s0:", d);
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (b, !=, c); /* absent is not empty */
  g_assert_cmpstr (c, !=, d);
  /* length-prefixed keys and values */
  g_autofree char *x = canon_text ("{'a': <'b:c'>}");
  g_autofree char *y = canon_text ("{'a:b': <'c'>}");
  g_assert_cmpstr (x, !=, y);
}

/* A fixed entry gives a fixed hash: the format must never change
 * silently, or every stored trail fails to verify. */
static void
test_known_hash (void)
{
  AuditFields f = { .prev_hash = AUDIT_GENESIS,
                    .id = "0b5c2a64-94d1-4a8e-9f0e-2f8f1f1d2c3b",
                    .at = 1700000000000,
                    .actor = "aya",
                    .action = "auth.sign-in",
                    .target = "user:aya",
                    .result = "success",
                    .source = "192.0.2.7" };
  g_autofree char *details = canon_text ("{'method': <'ldap'>, 'node': <'n1'>, 'try': <2>}");
  g_autoptr (GString) d = g_string_new (details);
  g_autoptr (GString) scratch = g_string_new (NULL);
  char hash[65];
  audit_hash (&f, d, scratch, hash);
  g_assert_cmpstr (scratch->str, ==,
                   "omnicc-audit-1\ns64:" AUDIT_GENESIS "s36:0b5c2a64-94d1-4a8e-9f0e-2f8f1f1d2c3b"
                   "i1700000000000;s3:ayas12:auth.sign-ins8:user:ayas7:successs9:192.0.2.7"
                   "o3:s6:methods4:ldaps4:nodes2:n1s3:tryi2;");
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) scratch->str, scratch->len);
  g_assert_cmpstr (hash, ==, g_checksum_get_string (sum));
  g_checksum_free (sum);
}

static void
assert_refused (GVariant *details, const char *part)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (details);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) e = NULL;
  g_assert_false (audit_canon_variant (owned, out, &e));
  g_assert_error (e, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID);
  if (strstr (e->message, part) == NULL)
    g_error ("“%s” does not mention “%s”", e->message, part);
}

static void
test_refusals (void)
{
  assert_refused (g_variant_new_parsed ("{'b': <b'raw'>}"), "details.b: a value of type “ay”");
  assert_refused (g_variant_new_parsed ("{'t': <(1, 'x')>}"), "details.t: a value of type “(is)”");
  assert_refused (g_variant_new_parsed ("{'d': <{1: 'x'}>}"), "details.d: a value of type “a{is}”");
  assert_refused (g_variant_new_parsed ("{'n': <uint64 9223372036854775808>}"), "too large");
  GVariant *values[] = { g_variant_new_variant (g_variant_new_int32 (1)),
                         g_variant_new_variant (g_variant_new_double (INFINITY)) };
  GVariantBuilder nonfinite;
  g_variant_builder_init (&nonfinite, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&nonfinite, "{sv}", "a", g_variant_new_array (NULL, values, 2));
  assert_refused (g_variant_builder_end (&nonfinite), "details.a[1]: is not a finite number");
  assert_refused (g_variant_new_parsed ("{'x': <2e30>}"), "the number 2e+30 cannot be stored");
  assert_refused (g_variant_new_parsed ("'text'"), "details: expected an a{sv}");
  /* a key given twice */
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "k", g_variant_new_int32 (1));
  g_variant_builder_add (&b, "{sv}", "k", g_variant_new_int32 (2));
  assert_refused (g_variant_builder_end (&b), "details.k: given twice");
}

/* What records stores (its own encoder) reads back into the same bytes. */
static void
test_json_agrees_with_variant (void)
{
  static const char *const samples[] = {
    "{'s': <'text'>, 'e': <''>, 'u': <'é \\u2028 \\t \" \\\\'>}",
    "{'i': <int64 -9223372036854775808>, 'j': <uint64 9223372036854775807>, 'k': <int16 -3>}",
    "{'r': <0.1>, 'z': <-0.0>, 'w': <3.0>, 'p': <1.5e-300>, 'q': <123456789.125>}",
    "{'big': <1.2345678901234568e+17>, 'tiny': <2.5e-300>, 'neg': <-7.25e+100>}",
    "{'b': <true>, 'f': <false>, 'n': <@mv nothing>, 'j': <just 'x'>}",
    "{'as': <['a', 'b']>, 'empty': <@as []>, 'av': <[<1>, <'x'>, <[<2>]>]>}",
    "{'nested': <{'deeper': <{'deepest': <[<{'k': <1>}>]>}>}>, 'also': <@a{sv} {}>}",
    "{'path': <objectpath '/a/b'>, 'sig': <signature 'a{sv}'>}",
  };
  g_autoptr (JsonParser) parser = json_parser_new ();
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_new_parsed (samples[i]));
      g_autofree char *from_variant = canon (g_variant_ref (v));
      g_autoptr (GString) problems = g_string_new (NULL);
      g_autofree char *json = rec_json_encode (v, "details", problems);
      g_assert_cmpstr (problems->str, ==, "");
      g_autoptr (GString) from_json = g_string_new (NULL);
      g_autoptr (GError) e = NULL;
      g_assert_true (audit_canon_json (parser, json, from_json, &e));
      g_assert_no_error (e);
      g_test_message ("%s\n  %s\n  %s", samples[i], json, from_variant);
      g_assert_cmpstr (from_json->str, ==, from_variant);
      /* and an export reads the JSON back into an equivalent dictionary */
      g_autoptr (GVariant) back = g_variant_ref_sink (audit_json_to_vardict (parser, json, &e));
      g_assert_no_error (e);
      g_autofree char *again = canon (g_variant_ref (back));
      g_assert_cmpstr (again, ==, from_variant);
    }
}

static void
test_bad_json (void)
{
  static const char *const bad[] = { "", "[1]", "{", "\"s\"", "{\"a\": nope}", "null" };
  g_autoptr (JsonParser) parser = json_parser_new ();
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      g_autoptr (GError) e = NULL;
      g_assert_false (audit_canon_json (parser, bad[i], out, &e));
      g_assert_error (e, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID);
    }
  /* nesting a parser would recurse on without end is refused unparsed */
  g_autoptr (GString) deep = g_string_new ("{\"a\": ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) e = NULL;
  g_assert_false (audit_canon_json (parser, deep->str, out, &e));
  g_assert_error (e, OCC_AUDIT_ERROR, OCC_AUDIT_ERROR_INVALID);
  g_assert_nonnull (strstr (e->message, "nested deeper"));
  /* brackets inside strings do not count */
  g_autoptr (GString) quoted = g_string_new ("{\"a\": \"");
  for (int i = 0; i < 1000; i++)
    g_string_append (quoted, "[{\\\"");
  g_string_append (quoted, "\"}");
  g_autoptr (GError) e2 = NULL;
  g_string_truncate (out, 0);
  g_assert_true (audit_canon_json (parser, quoted->str, out, &e2));
  g_assert_no_error (e2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audit/canonical/key-order-does-not-matter", test_key_order);
  g_test_add_func ("/audit/canonical/types-are-kept-apart", test_types_kept_apart);
  g_test_add_func ("/audit/canonical/fields-cannot-run-together", test_fields_cannot_run_together);
  g_test_add_func ("/audit/canonical/known-hash", test_known_hash);
  g_test_add_func ("/audit/canonical/refuses-what-the-store-cannot-keep", test_refusals);
  g_test_add_func ("/audit/canonical/stored-json-gives-the-same-bytes",
                   test_json_agrees_with_variant);
  g_test_add_func ("/audit/canonical/refuses-bad-json", test_bad_json);
  return g_test_run ();
}
