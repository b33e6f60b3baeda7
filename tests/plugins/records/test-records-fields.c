/* Unit tests of the records plugin without a database: the field tables,
 * every field kind accepted and refused with the field named, several
 * problems in one error. (test-records-sql.c: the SQL, rows, errors.) */
#include "fields.h"

#include <string.h>

static GVariant *
parsed (const char *text)
{
  return g_variant_ref_sink (g_variant_new_parsed (text));
}

static RecRecord *
parse_ok (const char *entity, const char *text, RecParseMode mode)
{
  g_autoptr (GVariant) v = parsed (text);
  g_autoptr (GError) e = NULL;
  RecRecord *r = rec_record_parse (rec_entity_lookup (entity), v, mode, &e);
  g_assert_no_error (e);
  g_assert_nonnull (r);
  return r;
}

/* Parses @v (sunk) for @entity and returns the error message. */
static char *
parse_error_v (const char *entity, GVariant *v, RecParseMode mode)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (v);
  g_autoptr (GError) e = NULL;
  g_autoptr (RecRecord) r = rec_record_parse (rec_entity_lookup (entity), owned, mode, &e);
  g_assert_null (r);
  g_assert_error (e, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID);
  return g_strdup (e->message);
}

static void
expect_error (const char *entity, const char *text, const char *message)
{
  g_autofree char *got = parse_error_v (entity, g_variant_new_parsed (text), REC_PARSE_PUT);
  g_assert_cmpstr (got, ==, message);
}

static void
expect_error_part (const char *entity, GVariant *v, const char *part)
{
  g_autofree char *got = parse_error_v (entity, v, REC_PARSE_PUT);
  if (strstr (got, part) == NULL)
    g_error ("“%s” does not contain “%s”", got, part);
}

/* The parameter a field became, printed. */
static char *
param_of (const RecRecord *r, const char *field)
{
  const RecValue *v = rec_record_get (r, field);
  g_assert_nonnull (v);
  g_assert_nonnull (v->param);
  return g_variant_print (v->param, TRUE);
}

/* --- the tables ------------------------------------------------------------------ */

static void
test_tables (void)
{
  guint n;
  const RecEntity *all = rec_entities (&n);
  const char *names[]
      = { "customer", "interaction", "agent",         "queue", "campaign",   "contact",
          "callback", "recording",   "survey_answer", "user",  "role_grant", "audit_entry" };
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (all[i].name, ==, names[i]);
      g_assert_true (rec_entity_lookup (names[i]) == &all[i]);
      /* the key comes first and is an id */
      g_assert_cmpstr (rec_entity_key (&all[i])->name, ==, "id");
      g_assert_cmpint (rec_entity_key (&all[i])->kind, ==, REC_KIND_ID);
    }
  g_assert_null (rec_entity_lookup ("customers"));
  g_assert_null (rec_entity_lookup (NULL));
  g_assert_cmpstr (rec_entity_lookup ("user")->table, ==, "app_user");
  g_assert_nonnull (rec_entity_side_field (rec_entity_lookup ("customer")));
  g_assert_null (rec_entity_side_field (rec_entity_lookup ("contact")));
  g_assert_true (rec_entity_lookup ("audit_entry")->flags & REC_ENTITY_APPEND_ONLY);
}

static gboolean
described (GVariant *d, const char *entity, const char *field, const char **type,
           gboolean *required, guint *max)
{
  g_autoptr (GVariant) fields = g_variant_lookup_value (d, entity, G_VARIANT_TYPE ("a(ssbu)"));
  g_assert_nonnull (fields);
  GVariantIter iter;
  const char *name;
  g_variant_iter_init (&iter, fields);
  while (g_variant_iter_next (&iter, "(&s&sbu)", &name, type, required, max))
    if (strcmp (name, field) == 0)
      return TRUE;
  return FALSE;
}

static void
test_describe (void)
{
  g_autoptr (GVariant) d = g_variant_ref_sink (rec_describe ());
  g_assert_cmpstr (g_variant_get_type_string (d), ==, "a{sa(ssbu)}");
  g_assert_cmpuint (g_variant_n_children (d), ==, 12);
  const char *type;
  gboolean required;
  guint max;
  g_assert_true (described (d, "agent", "display_name", &type, &required, &max));
  g_assert_cmpstr (type, ==, "text");
  g_assert_true (required);
  g_assert_cmpuint (max, ==, 200);
  g_assert_true (described (d, "agent", "id", &type, &required, &max));
  g_assert_false (required); /* made when missing */
  g_assert_true (described (d, "agent", "enabled", &type, &required, &max));
  g_assert_false (required); /* has a default */
  g_assert_cmpstr (type, ==, "bool");
  g_assert_true (described (d, "customer", "phones", &type, &required, &max));
  g_assert_cmpstr (type, ==, "e164[]");
  g_assert_cmpuint (max, ==, 20);
  g_assert_true (described (d, "interaction", "channel", &type, &required, &max));
  g_assert_cmpstr (type, ==,
                   "enum:voice|video|chat|email|sms|whatsapp|messenger|instagram|x|youtube");
  g_assert_true (described (d, "interaction", "csat", &type, &required, &max));
  g_assert_cmpstr (type, ==, "int:1..5");
  g_assert_true (described (d, "interaction", "created_at", &type, &required, &max));
  g_assert_cmpstr (type, ==, "time:read-only");
  g_assert_false (required);
  g_assert_true (described (d, "audit_entry", "seq", &type, &required, &max));
  g_assert_cmpstr (type, ==, "int:1..,read-only");
  g_assert_false (described (d, "audit_entry", "created_at", &type, &required, &max));
}

/* --- field kinds ------------------------------------------------------------------ */

static void
test_kind_id (void)
{
  g_autoptr (RecRecord) r
      = parse_ok ("interaction", "{'id': <'a-Z.0_9:x@y'>, 'customer_id': <'c1'>}", REC_PARSE_PUT);
  g_assert_cmpstr (r->id, ==, "a-Z.0_9:x@y");
  expect_error ("interaction", "{'id': <'x'>, 'customer_id': <'has space'>}",
                "interaction.customer_id: “has space” is not an id (1 to 64 of A-Z a-z 0-9 . _ : "
                "@ -)");
  expect_error_part ("interaction", g_variant_new_parsed ("{'id': <''>}"),
                     "interaction.id: “” is not an id");
  g_autofree char *long_id = g_strnfill (65, 'a');
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", long_id);
  expect_error_part ("queue", g_variant_dict_end (&d), "queue.id: “aaaa");
  g_autoptr (GError) e = NULL;
  g_assert_true (rec_check_id (rec_entity_lookup ("agent"), "a1", &e));
  g_assert_false (rec_check_id (rec_entity_lookup ("agent"), "a/1", &e));
  g_assert_error (e, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (e->message, "agent.id: “a/1” is not an id"));
}

static void
test_kind_text (void)
{
  g_autoptr (RecRecord) r
      = parse_ok ("customer", "{'display_name': <'Yao Kouassi — «ça» 😀'>, 'first_name': <b'Aya'>}",
                  REC_PARSE_PUT);
  g_autofree char *p = param_of (r, "first_name");
  g_assert_cmpstr (p, ==, "'Aya'"); /* a byte string of UTF-8 is text */

  g_autofree char *name = g_strnfill (201, 'x');
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "display_name", "s", name);
  expect_error_part ("customer", g_variant_dict_end (&d),
                     "customer.display_name: is longer than 200 characters (201)");
  /* characters, not bytes: 200 × "é" is 400 bytes and fits */
  g_autoptr (GString) accents = g_string_new (NULL);
  for (int i = 0; i < 200; i++)
    g_string_append (accents, "é");
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "display_name", "s", accents->str);
  g_autoptr (GVariant) ok = g_variant_ref_sink (g_variant_dict_end (&d));
  g_autoptr (GError) e = NULL;
  g_autoptr (RecRecord) fits
      = rec_record_parse (rec_entity_lookup ("customer"), ok, REC_PARSE_PUT, &e);
  g_assert_no_error (e);

  /* NUL bytes and bytes that are not UTF-8 */
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert_value (&d, "last_name",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "a\0b", 3, 1));
  g_variant_dict_insert_value (&d, "first_name",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "\xff\xfe", 2, 1));
  g_autofree char *msg = parse_error_v ("customer", g_variant_dict_end (&d), REC_PARSE_PUT);
  g_assert_cmpstr (msg, ==,
                   "customer.last_name: contains a NUL byte; customer.first_name: is not "
                   "valid UTF-8");
  /* a caller that wrongly vouches for a string that is not UTF-8 */
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert_value (
      &d, "notes",
      g_variant_new_from_data (G_VARIANT_TYPE_STRING, "ab\xc3\x28", 5, TRUE, NULL, NULL));
  g_variant_dict_insert (&d, "id", "s", "cb1");
  expect_error_part ("callback", g_variant_dict_end (&d), "callback.notes: is not valid UTF-8");

  expect_error ("agent", "{'display_name': <''>}", "agent.display_name: must not be empty");
  expect_error ("agent", "{'id': <'a'>, 'display_name': <42>}",
                "agent.display_name: expected text, not a value of type “i”");
}

static void
test_kind_e164 (void)
{
  g_autoptr (RecRecord) r
      = parse_ok ("callback", "{'id': <'c'>, 'number': <'+2250701000001'>}", REC_PARSE_PUT);
  const char *good[] = { "+1234567", "+123456789012345", "+2250701000001" };
  const char *bad[] = { "0701",      "+0123456789",   "+123456", "+1234567890123456",
                        "+22507 01", "2250701000001", "+",       "" };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (rec_check_e164 ("n", good[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (rec_check_e164 ("number", bad[i], &e));
      g_assert_error (e, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID);
      g_assert_true (g_str_has_suffix (e->message, "is not in E.164 (+ then 7 to 15 digits)"));
    }
  expect_error ("callback", "{'id': <'c'>, 'number': <'0701'>}",
                "callback.number: “0701” is not in E.164 (+ then 7 to 15 digits)");
}

static void
test_kind_email (void)
{
  g_autoptr (RecRecord) r
      = parse_ok ("customer", "{'email': <'aya.kouadio+x@mail.example.ci'>}", REC_PARSE_PUT);
  const char *bad[]
      = { "x@", "@example.com", "a b@example.com", "a@b", "a@-b.com", "a@b..com", "plain" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "email", "s", bad[i]);
      expect_error_part ("customer", g_variant_dict_end (&d), "is not an e-mail address");
    }
  expect_error ("customer", "{'email': <'x@'>}", "customer.email: “x@” is not an e-mail address");
}

static void
test_kind_enum (void)
{
  g_autoptr (RecRecord) r = parse_ok (
      "interaction", "{'id': <'i'>, 'channel': <'whatsapp'>, 'direction': <'outbound'>}",
      REC_PARSE_PUT);
  expect_error ("interaction", "{'id': <'i'>, 'channel': <'fax'>}",
                "interaction.channel: “fax” is not one of voice, video, chat, email, sms, "
                "whatsapp, messenger, instagram, x, youtube");
  expect_error ("campaign", "{'id': <'c'>, 'mode': <'Preview'>}",
                "campaign.mode: “Preview” is not one of preview, progressive, predictive, "
                "appointment, custom");
  expect_error_part ("user", g_variant_new_parsed ("{'id': <'u'>, 'source': <'ad'>}"),
                     "user.source: “ad” is not one of local, ldap");
  expect_error_part ("contact", g_variant_new_parsed ("{'id': <'c'>, 'state': <'busy'>}"),
                     "contact.state: “busy” is not one of pending, dialing, done, failed, dnc");
  expect_error_part ("callback", g_variant_new_parsed ("{'id': <'c'>, 'state': <'dnc'>}"),
                     "callback.state: “dnc” is not one of pending, dialing, done, failed, "
                     "cancelled");
}

static void
test_kind_int (void)
{
  /* any integer type, and a double with an integral value (JSON's 3.0) */
  g_autoptr (RecRecord) r = parse_ok (
      "contact", "{'id': <'c'>, 'priority': <int16 -1000>, 'attempts': <uint64 7>}", REC_PARSE_PUT);
  g_autofree char *p = param_of (r, "priority");
  g_assert_cmpstr (p, ==, "int64 -1000");
  g_autoptr (RecRecord) r2
      = parse_ok ("interaction", "{'id': <'i'>, 'csat': <5.0>}", REC_PARSE_PUT);
  g_autoptr (RecRecord) r3
      = parse_ok ("survey_answer", "{'id': <'s'>, 'answer': <byte 0x01>}", REC_PARSE_PUT);
  expect_error ("interaction", "{'id': <'i'>, 'csat': <0>}",
                "interaction.csat: 0 is out of range 1..5");
  expect_error ("survey_answer", "{'id': <'s'>, 'answer': <int64 6>}",
                "survey_answer.answer: 6 is out of range 1..5");
  expect_error ("contact", "{'id': <'c'>, 'priority': <1001>}",
                "contact.priority: 1001 is out of range -1000..1000");
  expect_error ("contact", "{'id': <'c'>, 'attempts': <-1>}",
                "contact.attempts: -1 is out of range 0..2147483647");
  expect_error ("interaction", "{'id': <'i'>, 'csat': <3.5>}",
                "interaction.csat: expected an integer, not a value of type “d”");
  expect_error ("interaction", "{'id': <'i'>, 'csat': <'5'>}",
                "interaction.csat: expected an integer, not a value of type “s”");
  expect_error_part ("recording", g_variant_new_parsed ("{'id': <'r'>, 'duration_ms': <-5>}"),
                     "recording.duration_ms: -5 is out of range (at least 0)");
}

static void
test_kind_bool (void)
{
  g_autoptr (RecRecord) r = parse_ok ("agent", "{'id': <'a'>, 'enabled': <false>}", REC_PARSE_PUT);
  g_autofree char *p = param_of (r, "enabled");
  g_assert_cmpstr (p, ==, "int64 0"); /* stored 0/1 */
  expect_error ("agent", "{'id': <'a'>, 'enabled': <1>}",
                "agent.enabled: expected a boolean, not a value of type “i”");
  expect_error ("user", "{'id': <'u'>, 'enabled': <'yes'>}",
                "user.enabled: expected a boolean, not a value of type “s”");
}

static void
test_kind_time (void)
{
  g_autoptr (RecRecord) r
      = parse_ok ("interaction",
                  "{'id': <'i'>, 'offered_at': <int64 1700000000000>, 'answered_at': <uint32 5>}",
                  REC_PARSE_PUT);
  g_autofree char *p = param_of (r, "answered_at");
  g_assert_cmpstr (p, ==, "int64 5");
  expect_error ("interaction", "{'id': <'i'>, 'offered_at': <int64 -1>}",
                "interaction.offered_at: -1 is not a time (milliseconds since 1970, at least 0)");
  expect_error_part (
      "interaction",
      g_variant_new_parsed ("{'id': <'i'>, 'ended_at': <uint64 18446744073709551615>}"),
      "interaction.ended_at: 18446744073709551615 is not a time");
  expect_error ("interaction", "{'id': <'i'>, 'ended_at': <'yesterday'>}",
                "interaction.ended_at: expected a time (integer milliseconds since 1970), not a "
                "value of type “s”");
}

static void
test_kind_json (void)
{
  g_autoptr (RecRecord) r = parse_ok (
      "customer",
      "{'custom': <{'s': <'ça'>, 'n': <int32 5>, 'd': <1.5>, 'b': <true>, "
      "'nested': <{'x': <[<int64 1>, <'two'>]>}>, 'list': <['a', 'b']>, 'none': <@mv nothing>}>}",
      REC_PARSE_PUT);
  const RecValue *v = rec_record_get (r, "custom");
  const char *json = g_variant_get_string (v->param, NULL);
  g_assert_cmpstr (json, ==,
                   "{\"s\":\"ça\",\"n\":5,\"d\":1.5,\"b\":true,\"nested\":{\"x\":[1,\"two\"]},"
                   "\"list\":[\"a\",\"b\"],\"none\":null}");
  /* and back */
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) back = rec_json_decode (json, G_VARIANT_TYPE_VARDICT, &e);
  g_assert_no_error (e);
  g_autofree char *printed = g_variant_print (back, FALSE);
  g_assert_cmpstr (printed, ==,
                   "{'s': <'ça'>, 'n': <int64 5>, 'd': <1.5>, 'b': <true>, 'nested': <{'x': "
                   "<[<int64 1>, <'two'>]>}>, 'list': <['a', 'b']>, 'none': <@mv nothing>}");

  /* reals json-glib's own writer would spoil ("1e+20.0") come back whole */
  g_autoptr (RecRecord) reals
      = parse_ok ("customer", "{'custom': <{'big': <1e20>, 'tiny': <1e-300>}>}", REC_PARSE_PUT);
  const char *big_json = g_variant_get_string (rec_record_get (reals, "custom")->param, NULL);
  g_autoptr (GVariant) big_back = rec_json_decode (big_json, G_VARIANT_TYPE_VARDICT, &e);
  g_assert_no_error (e);
  double real = 0;
  g_assert_true (g_variant_lookup (big_back, "big", "d", &real));
  g_assert_cmpfloat (real, ==, 1e20);
  g_assert_true (g_variant_lookup (big_back, "tiny", "d", &real));
  g_assert_cmpfloat (real, ==, 1e-300);

  expect_error ("customer", "{'custom': <{'blob': <b'x'>, 'pair': <('a', 1)>, 'nan': <inf>}>}",
                "customer.custom.blob: a value of type “ay” cannot be stored as JSON; "
                "customer.custom.pair: a value of type “(si)” cannot be stored as JSON; "
                "customer.custom.nan: is not a finite number");
  expect_error ("agent", "{'id': <'a'>, 'skills': <['french']>}",
                "agent.skills: expected an object (a{sv}), not a value of type “as”");
  expect_error ("queue", "{'id': <'q'>, 'settings': <{'big': <uint64 18446744073709551615>}>}",
                "queue.settings.big: 18446744073709551615 is too large to store");
  /* too deep */
  GVariant *deep = g_variant_new_parsed ("{'x': <1>}");
  for (int i = 0; i < REC_JSON_MAX_DEPTH + 2; i++)
    {
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert_value (&d, "x", deep);
      deep = g_variant_dict_end (&d);
    }
  GVariantDict outer;
  g_variant_dict_init (&outer, NULL);
  g_variant_dict_insert_value (&outer, "id", g_variant_new_string ("i"));
  g_variant_dict_insert_value (&outer, "variables", deep);
  expect_error_part ("interaction", g_variant_dict_end (&outer), "nested deeper than 32 levels");
  /* too long */
  g_autofree char *big = g_strnfill (REC_JSON_MAX_BYTES, 'x');
  g_variant_dict_init (&outer, NULL);
  g_variant_dict_insert_value (&outer, "id", g_variant_new_string ("c"));
  g_variant_dict_insert_value (&outer, "settings", g_variant_new_parsed ("{'t': <%s>}", big));
  expect_error_part ("campaign", g_variant_dict_end (&outer),
                     "campaign.settings: is longer than 65536 bytes as JSON");
}

static void
test_kind_sha256 (void)
{
  const char *digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", "r");
  g_variant_dict_insert (&d, "sha256", "s", digest);
  g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_dict_end (&d));
  g_autoptr (GError) e = NULL;
  g_autoptr (RecRecord) r
      = rec_record_parse (rec_entity_lookup ("recording"), v, REC_PARSE_PUT, &e);
  g_assert_no_error (e);
  g_autofree char *upper = g_ascii_strup (digest, -1);
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", "r");
  g_variant_dict_insert (&d, "sha256", "s", upper);
  g_variant_dict_insert (&d, "hash", "s", "abc");
  expect_error_part ("recording", g_variant_dict_end (&d),
                     "recording.sha256: “E3B0C44298FC1C149AFBF4C8996FB92427AE41E4…” is not a "
                     "SHA-256 digest (64 lower-case hex digits); recording.hash: no such field");
  expect_error_part ("audit_entry", g_variant_new_parsed ("{'prev_hash': <'abc'>}"),
                     "audit_entry.prev_hash: “abc” is not a SHA-256 digest");
}

static void
test_kind_phones (void)
{
  g_autoptr (RecRecord) r
      = parse_ok ("customer", "{'phones': <['+2250701000001', '+2250502000001']>}", REC_PARSE_PUT);
  const RecValue *v = rec_record_get (r, "phones");
  g_assert_null (v->param); /* rows of customer_phone, not a column */
  g_assert_cmpuint (g_strv_length (v->phones), ==, 2);
  /* "av" of strings, as JSON arrays of mixed type arrive */
  g_autoptr (RecRecord) r2
      = parse_ok ("customer", "{'phones': <[<'+2250701000001'>]>}", REC_PARSE_PUT);
  /* contact.phones is a JSON column */
  g_autoptr (RecRecord) c
      = parse_ok ("contact", "{'id': <'c'>, 'phones': <['+2250701000001']>}", REC_PARSE_PUT);
  g_autofree char *p = param_of (c, "phones");
  g_assert_cmpstr (p, ==, "'[\"+2250701000001\"]'");

  expect_error ("customer", "{'phones': <'+2250701000001'>}",
                "customer.phones: expected a list of E.164 numbers (as), not a value of type “s”");
  expect_error ("customer", "{'phones': <[<'+2250701000001'>, <7>]>}",
                "customer.phones: expected a list of E.164 numbers (as), not a value of type "
                "“av”");
  expect_error ("contact", "{'id': <'c'>, 'phones': <@as []>}",
                "contact.phones: needs at least one number");
  g_autoptr (GPtrArray) many = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < 21; i++)
    g_ptr_array_add (many, g_strdup_printf ("+22507010000%02d", i));
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert_value (
      &d, "phones", g_variant_new_strv ((const char *const *) many->pdata, (gssize) many->len));
  expect_error_part ("customer", g_variant_dict_end (&d),
                     "customer.phones: more than 20 numbers (21)");
}

/* --- records as a whole ----------------------------------------------------------- */

static void
test_several_problems_in_one_error (void)
{
  expect_error ("customer",
                "{'email': <'x@'>, 'phones': <['+2250701000001', '0701']>, 'colour': <'red'>, "
                "'language': <7>}",
                "customer.email: “x@” is not an e-mail address; customer.phones[1]: “0701” is not "
                "in E.164 (+ then 7 to 15 digits); customer.colour: no such field; "
                "customer.language: expected text, not a value of type “i”");
}

static void
test_required_on_insert (void)
{
  /* no id: an insert, so every required field must be there */
  expect_error ("agent", "{'extension': <'1001'>}", "agent.display_name: is required");
  expect_error ("recording", "{'path': <'/r/1.wav'>}",
                "recording.interaction_id: is required; recording.format: is required; "
                "recording.duration_ms: is required; recording.sha256: is required");
  /* with an id, an update: the database says if the row is missing */
  g_autoptr (RecRecord) r
      = parse_ok ("agent", "{'id': <'a1'>, 'extension': <'1001'>}", REC_PARSE_PUT);
  g_assert_cmpstr (r->id, ==, "a1");
  /* audit entries are always inserted */
  expect_error ("audit_entry", "{'id': <'e1'>, 'at': <1>, 'actor': <'x'>, 'action': <'y'>}",
                "audit_entry.result: is required");
  /* null clears an optional field, and is refused for the others */
  g_autoptr (RecRecord) n = parse_ok ("customer", "{'email': <@ms nothing>}", REC_PARSE_PUT);
  g_autofree char *p = param_of (n, "email");
  g_assert_cmpstr (p, ==, "@ms nothing");
  expect_error ("agent", "{'id': <'a'>, 'display_name': <@mv nothing>, 'enabled': <@mb nothing>}",
                "agent.display_name: cannot be null; agent.enabled: cannot be null");
}

static void
test_read_only_ignored (void)
{
  g_autoptr (RecRecord) r = parse_ok (
      "customer", "{'id': <'c'>, 'created_at': <int64 5>, 'updated_at': <'any'>}", REC_PARSE_PUT);
  g_assert_cmpuint (r->values->len, ==, 1); /* just the id */
  g_autoptr (RecRecord) a = parse_ok (
      "audit_entry",
      "{'seq': <int64 99>, 'at': <int64 1>, 'actor': <'x'>, 'action': <'login'>, 'result': <'ok'>}",
      REC_PARSE_PUT);
  g_assert_null (rec_record_get (a, "seq"));
}

static void
test_refused_shapes (void)
{
  expect_error ("agent", "{'id': <'a'>, 'foo': <1>, 'bar': <2>}",
                "agent.foo: no such field; agent.bar: no such field");
  g_autofree char *twice = parse_error_v (
      "queue", g_variant_new_parsed ("[{'name', <'a'>}, {'name', <'b'>}]"), REC_PARSE_PUT);
  g_assert_cmpstr (twice, ==, "queue.name: given twice");
  g_autoptr (GError) e = NULL;
  g_autoptr (GVariant) wrong = parsed ("('a', 1)");
  g_assert_null (rec_record_parse (rec_entity_lookup ("queue"), wrong, REC_PARSE_PUT, &e));
  g_assert_error (e, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID);
  g_assert_cmpstr (e->message, ==, "queue: expected a record (a{sv}), not “(si)”");
  g_clear_error (&e);
  g_assert_null (rec_record_parse (rec_entity_lookup ("queue"), NULL, REC_PARSE_PUT, &e));
  g_assert_error (e, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID);
}

static void
test_where_and_order (void)
{
  g_autoptr (RecRecord) w = parse_ok (
      "interaction", "{'channel': <'voice'>, 'created_at': <int64 3>, 'csat': <@mx nothing>}",
      REC_PARSE_WHERE);
  g_assert_cmpuint (w->values->len, ==, 3); /* read-only fields can be searched */
  g_autofree char *msg = parse_error_v (
      "customer", g_variant_new_parsed ("{'custom': <{'a': <1>}>, 'phones': <['+2250701000001']>}"),
      REC_PARSE_WHERE);
  g_assert_cmpstr (msg, ==,
                   "customer.custom: cannot be searched; customer.phones: cannot be searched");

  const RecEntity *e = rec_entity_lookup ("interaction");
  const RecField *f;
  gboolean desc;
  g_autoptr (GError) error = NULL;
  g_assert_true (rec_parse_order (e, NULL, &f, &desc, &error));
  g_assert_cmpstr (f->name, ==, "id");
  g_assert_true (rec_parse_order (e, "offered_at DESC", &f, &desc, &error));
  g_assert_cmpstr (f->name, ==, "offered_at");
  g_assert_true (desc);
  g_assert_true (rec_parse_order (e, "  Offered_At   asc ", &f, &desc, &error));
  g_assert_false (desc);
  g_assert_true (rec_parse_order (e, "csat", &f, &desc, &error));
  g_assert_false (desc);
  g_assert_false (rec_parse_order (e, "colour", &f, &desc, &error));
  g_assert_cmpstr (error->message, ==, "interaction.colour: no such field");
  g_clear_error (&error);
  g_assert_false (rec_parse_order (e, "csat sideways", &f, &desc, &error));
  g_assert_error (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (rec_parse_order (e, "variables", &f, &desc, &error));
  g_assert_cmpstr (error->message, ==, "interaction.variables: cannot be ordered by");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/records/tables/entities-and-keys", test_tables);
  g_test_add_func ("/records/tables/describe", test_describe);
  g_test_add_func ("/records/kind/id", test_kind_id);
  g_test_add_func ("/records/kind/text-length-nul-and-utf8", test_kind_text);
  g_test_add_func ("/records/kind/e164", test_kind_e164);
  g_test_add_func ("/records/kind/email", test_kind_email);
  g_test_add_func ("/records/kind/enum", test_kind_enum);
  g_test_add_func ("/records/kind/int-with-bounds", test_kind_int);
  g_test_add_func ("/records/kind/bool", test_kind_bool);
  g_test_add_func ("/records/kind/time", test_kind_time);
  g_test_add_func ("/records/kind/json", test_kind_json);
  g_test_add_func ("/records/kind/sha256", test_kind_sha256);
  g_test_add_func ("/records/kind/phones", test_kind_phones);
  g_test_add_func ("/records/record/several-problems-in-one-error",
                   test_several_problems_in_one_error);
  g_test_add_func ("/records/record/required-on-insert-and-null", test_required_on_insert);
  g_test_add_func ("/records/record/read-only-fields-ignored", test_read_only_ignored);
  g_test_add_func ("/records/record/refused-shapes", test_refused_shapes);
  g_test_add_func ("/records/record/where-and-order", test_where_and_order);
  return g_test_run ();
}
