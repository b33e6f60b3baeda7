/* Tests of events as JSON: lossless round trips (hand-picked edge values
 * and random values of random types) and refusal of malformed input. */
#include "bus-private.h"
#include "json-variant.h"
#include "testlib.h"

#include <math.h>

static void
assert_round_trip (const char *sig, GVariant *payload)
{
  g_autoptr (GVariant) p = g_variant_ref_sink (payload);
  g_autoptr (OccEvent) e
      = occ_event_new ("test.round-trip", sig, p, G_MAXUINT64 - 3, G_MAXINT64 - 5, "someone");
  g_autofree char *json = occ_event_to_json (e);
  g_assert_null (strchr (json, '\n')); /* one line */
  g_autoptr (GError) error = NULL;
  g_autoptr (OccEvent) back = occ_event_from_json (json, -1, &error);
  g_assert_no_error (error);
  if (!occ_event_equal (e, back))
    {
      g_autofree char *a = g_variant_print (occ_event_get_payload (e), TRUE);
      g_autofree char *b = g_variant_print (occ_event_get_payload (back), TRUE);
      g_error ("round trip changed %s into %s via %s", a, b, json);
    }
}

static void
test_edge_values (void)
{
  assert_round_trip ("(xxttnqiuyhb)",
                     g_variant_new ("(xxttnqiuyhb)", G_MININT64, G_MAXINT64, G_MAXUINT64,
                                    (guint64) 9007199254740993ULL, G_MININT16, G_MAXUINT16,
                                    G_MININT32, G_MAXUINT32, 255, -1, TRUE));
  assert_round_trip (
      "(ddddddd)", g_variant_new ("(ddddddd)", 0.1, -0.0, 1e308, 5e-324, NAN, INFINITY, -INFINITY));
  assert_round_trip (
      "(sog)", g_variant_new ("(sog)", "é\"\\\n\t\u00e9\U0001F600 </script>", "/a/b", "a{sv}"));
  assert_round_trip ("ay", g_variant_new_bytestring ("\xff\x01binary"));
  const guchar zero[] = { 0, 0, 0 };
  assert_round_trip ("ay", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zero, 3, 1));
  assert_round_trip ("()", g_variant_new ("()"));
  assert_round_trip ("as", g_variant_new_strv (NULL, 0));
  assert_round_trip ("(msmms)", g_variant_new ("(msmms)", NULL, NULL));
  assert_round_trip ("mms",
                     g_variant_new_maybe (G_VARIANT_TYPE ("ms"),
                                          g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL)));
  assert_round_trip ("a{is}", g_variant_new_parsed ("{1: 'one', -2: 'two'}"));
  assert_round_trip ("a{sv}",
                     g_variant_new_parsed ("{'k': <uint64 5>, 'n': <@ay []>, 'v': <<(1, 'x')>>}"));
  /* repeated keys cannot be a JSON object; they still survive */
  assert_round_trip ("a{ss}", g_variant_new_parsed ("[{'a', 'x'}, {'a', 'y'}]"));
  assert_round_trip ("{sv}", g_variant_new_parsed ("{'k', <'v'>}"));
  assert_round_trip (
      "(ssssssa{sv})",
      g_variant_new_parsed (
          "('i-1', 'voice', 'inbound', '+2250700000000', '100', 'trunk1', {'x': <3>})"));
}

/* --- random values of random types ------------------------------------------ */

static GString *
random_type (GRand *r, guint depth, GString *s)
{
  static const char basics[] = "bynqiuxthdsog";
  guint pick = g_rand_int_range (r, 0, depth > 3 ? 13 : 19);
  if (pick < 13)
    g_string_append_c (s, basics[pick]);
  else if (pick == 13)
    g_string_append_c (s, 'v');
  else if (pick == 14)
    random_type (r, depth + 1, g_string_append_c (s, 'm'));
  else if (pick == 15)
    random_type (r, depth + 1, g_string_append_c (s, 'a'));
  else if (pick == 16)
    {
      g_string_append (s, "a{");
      g_string_append_c (s, basics[g_rand_int_range (r, 1, 13)]);
      random_type (r, depth + 1, s);
      g_string_append_c (s, '}');
    }
  else
    {
      g_string_append_c (s, '(');
      guint n = g_rand_int_range (r, 0, 4);
      for (guint i = 0; i < n; i++)
        random_type (r, depth + 1, s);
      g_string_append_c (s, ')');
    }
  return s;
}

static GVariant *random_value (GRand *r, const GVariantType *t, guint depth);

static char *
random_string (GRand *r)
{
  static const char *pieces[] = { "a", "é", "\"", "\\", "\n", "😀", " ", "{", "0", "\x01" };
  GString *s = g_string_new (NULL);
  guint n = g_rand_int_range (r, 0, 8);
  for (guint i = 0; i < n; i++)
    g_string_append (s, pieces[g_rand_int_range (r, 0, G_N_ELEMENTS (pieces))]);
  return g_string_free (s, FALSE);
}

static guint64
random_bits (GRand *r)
{
  /* mostly small, sometimes extreme */
  switch (g_rand_int_range (r, 0, 4))
    {
    case 0:
      return 0;
    case 1:
      return g_rand_int_range (r, 0, 100);
    case 2:
      return G_MAXUINT64 - g_rand_int_range (r, 0, 3);
    default:
      return ((guint64) g_rand_int (r) << 32) | g_rand_int (r);
    }
}

static GVariant *
random_value (GRand *r, const GVariantType *t, guint depth)
{
  guint64 bits = random_bits (r);
  switch (g_variant_type_peek_string (t)[0])
    {
    case 'b':
      return g_variant_new_boolean (bits & 1);
    case 'y':
      return g_variant_new_byte (bits);
    case 'n':
      return g_variant_new_int16 ((gint16) bits);
    case 'q':
      return g_variant_new_uint16 ((guint16) bits);
    case 'i':
      return g_variant_new_int32 ((gint32) bits);
    case 'h':
      return g_variant_new_handle ((gint32) bits);
    case 'u':
      return g_variant_new_uint32 ((guint32) bits);
    case 'x':
      return g_variant_new_int64 ((gint64) bits);
    case 't':
      return g_variant_new_uint64 (bits);
    case 'd':
      {
        double d;
        memcpy (&d, &bits, sizeof d);
        return g_variant_new_double (d);
      }
    case 's':
      return g_variant_new_take_string (random_string (r));
    case 'o':
      return g_variant_new_object_path (bits & 1 ? "/" : "/omnicc/x_1");
    case 'g':
      return g_variant_new_signature (bits & 1 ? "" : "a{sv}");
    case 'v':
      {
        g_autoptr (GString) ts = random_type (r, depth + 1, g_string_new (NULL));
        return g_variant_new_variant (random_value (r, G_VARIANT_TYPE (ts->str), depth + 1));
      }
    case 'm':
      {
        const GVariantType *e = g_variant_type_element (t);
        return g_variant_new_maybe (e, bits & 1 ? random_value (r, e, depth + 1) : NULL);
      }
    case 'a':
      {
        const GVariantType *e = g_variant_type_element (t);
        g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (t);
        guint n = g_rand_int_range (r, 0, 4);
        for (guint i = 0; i < n; i++)
          g_variant_builder_add_value (&b, random_value (r, e, depth + 1));
        return g_variant_builder_end (&b);
      }
    case '{':
      return g_variant_new_dict_entry (random_value (r, g_variant_type_key (t), depth + 1),
                                       random_value (r, g_variant_type_value (t), depth + 1));
    case '(':
      {
        g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (t);
        for (const GVariantType *it = g_variant_type_first (t); it; it = g_variant_type_next (it))
          g_variant_builder_add_value (&b, random_value (r, it, depth + 1));
        return g_variant_builder_end (&b);
      }
    }
  g_assert_not_reached ();
}

static void
test_random_round_trips (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (g_test_rand_int ());
  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr (GString) ts = random_type (r, 0, g_string_new (NULL));
      assert_round_trip (ts->str, random_value (r, G_VARIANT_TYPE (ts->str), 0));
    }
}

/* --- malformed input ------------------------------------------------------------- */

static void
assert_refused (const char *json, const char *needle)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (OccEvent) ev = occ_event_from_json (json, -1, &e);
  g_assert_null (ev);
  g_assert_error (e, OCC_BUS_ERROR, OCC_BUS_ERROR_PARSE);
  if (strstr (e->message, needle) == NULL)
    g_error ("error “%s” does not mention “%s”", e->message, needle);
}

#define EV(sig, payload)                                              \
  "{\"type\":\"t.x\",\"signature\":\"" sig "\",\"seq\":1,\"time\":2," \
  "\"publisher\":\"p\",\"payload\":" payload "}"

static void
test_refuses_malformed (void)
{
  assert_refused ("", "event JSON");
  assert_refused ("not json", "event JSON");
  assert_refused ("[1,2]", "not an object");
  assert_refused ("{\"type\":\"t.x\"}", "signature");
  assert_refused (EV ("(s", "[]"), "not a definite");
  assert_refused (EV ("*", "1"), "not a definite");
  assert_refused (EV ("(su)", "[\"a\"]"), "payload");
  assert_refused (EV ("(su)", "[\"a\", -1]"), "$[1]");
  assert_refused (EV ("(su)", "[\"a\", 4294967296]"), "out of range");
  assert_refused (EV ("y", "256"), "out of range");
  assert_refused (EV ("s", "1"), "expected a string");
  assert_refused (EV ("ay", "\"!!notbase64\""), "base64");
  assert_refused (EV ("a{sv}", "{\"k\": 1}"), "$.k");
  assert_refused (EV ("v", "{\"type\": \"(s\", \"value\": 1}"), "definite");
  assert_refused (EV ("o", "\"not/a/path\""), "object path");
  assert_refused (EV ("x", "\"12abc\""), "integer");
  assert_refused (EV ("d", "\"one\""), "number");
  assert_refused ("{\"type\":\"t.x\",\"signature\":\"s\",\"seq\":-1,\"time\":2,"
                  "\"publisher\":\"p\",\"payload\":\"x\"}",
                  "seq");
  assert_refused ("{\"type\":\"t.x\",\"signature\":\"s\",\"seq\":1,\"time\":2,"
                  "\"publisher\":\"p\",\"payload\":\"x\",\"extra\":1}",
                  "other than");
  /* nesting deeper than any payload needs is refused before parsing */
  g_autoptr (GString) deep = g_string_new (NULL);
  for (int i = 0; i < 10000; i++)
    g_string_append_c (deep, '[');
  assert_refused (deep->str, "nested");
  /* not UTF-8, raw or through an escape json-glib turns into a byte */
  assert_refused (EV ("s", "\"\xff\xfe\""), "UTF-8");
  assert_refused (EV ("s", "\"a\\207\""), "UTF-8");
  assert_refused (EV ("a{ss}", "{\"k\\207\": \"v\"}"), "key is not valid UTF-8");
  /* json-glib would cut "a\u0000b" to "a" */
  assert_refused (EV ("s", "\"a\\u0000b\""), "NUL");
  assert_refused (EV ("s", "\"a\\U0000b\""), "NUL");
  assert_refused ("{\"type\":\"t.x\",\"signature\":\"s\",\"seq\":1,\"time\":2,"
                  "\"publisher\":\"p\\207\",\"payload\":\"x\"}",
                  "publisher");
}

static void
test_plain_form_for_results (void)
{
  g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_new_parsed ("{'n': <1>, 's': <'x'>}"));
  g_autoptr (JsonNode) plain = occ_json_from_variant_plain (v);
  g_autofree char *text = occ_json_to_string (plain);
  g_assert_cmpstr (text, ==, "{\"n\":1,\"s\":\"x\"}");
  g_autoptr (JsonNode) typed = occ_json_from_variant (v);
  g_autofree char *typed_text = occ_json_to_string (typed);
  g_assert_cmpstr (typed_text, ==,
                   "{\"n\":{\"type\":\"i\",\"value\":1},\"s\":{\"type\":\"s\",\"value\":\"x\"}}");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/round-trip/keeps-edge-values", test_edge_values);
  g_test_add_func ("/json/round-trip/keeps-random-values-of-random-types", test_random_round_trips);
  g_test_add_func ("/json/parse/refuses-malformed-events", test_refuses_malformed);
  g_test_add_func ("/json/results/drop-variant-wrappers", test_plain_form_for_results);
  return g_test_run ();
}
