/* records: demo data. Fixed ids make it idempotent: a second run updates
 * the same rows (their times move with the clock) and adds none. */
#include "demo.h"

#include <string.h>

#define DAY_MS (24 * 3600 * (gint64) 1000)

static const char *const first_names[]
    = { "Aya",     "Kouassi", "Adjoua", "Yao",   "Amenan", "Koffi",  "Affoué",
        "Konan",   "Mariam",  "Seydou", "Awa",   "Moussa", "Akissi", "Kouamé",
        "Aminata", "Drissa",  "Nadège", "Serge", "Fatou",  "Ibrahim" };
static const char *const last_names[]
    = { "Kouadio", "Koné",    "Traoré", "Ouattara", "N'Guessan", "Bamba",  "Coulibaly",
        "Diabaté", "Kouakou", "Touré",  "Diomandé", "Fofana",    "Cissé",  "Kassi",
        "Aka",     "Brou",    "Yapi",   "Gnagne",   "Sangaré",   "Doumbia" };
static const char *const cities[]
    = { "Abidjan", "Bouaké", "Yamoussoukro", "San-Pédro", "Korhogo", "Daloa", "Man", "Gagnoa" };
static const char *const segments[] = { "gold", "silver", "bronze" };
static const char *const channels[]
    = { "voice", "whatsapp", "chat", "voice", "email", "sms", "messenger", "voice" };
static const char *const dispositions[]
    = { "resolved", "information given", "call back later", "sale", "escalated", "wrong number" };

#define CENTER_NUMBER "+2252720000000" /* an Abidjan fixed line */
#define CENTER_EMAIL "support@example.com"

typedef struct {
  OccControlCall *call;
  guint pending; /* runs in flight, plus one while they are being started */
  guint customers, interactions;
  GError *error;
  char *peer;
} Seed;

/* "Kouamé N'Guessan" -> "kouame.nguessan@example.com" */
static char *
demo_email (const char *first, const char *last)
{
  g_autofree char *ascii = g_strdup_printf ("%s.%s", first, last);
  g_autofree char *folded = g_str_to_ascii (ascii, "C");
  g_autofree char *lower = g_ascii_strdown (folded, -1);
  GString *s = g_string_new (NULL);
  for (const char *p = lower; *p; p++)
    if (g_ascii_isalnum (*p) || *p == '.')
      g_string_append_c (s, *p);
  g_string_append (s, "@example.com");
  return g_string_free (s, FALSE);
}

static GVariant *
demo_customer (guint i, char **mobile, char **email)
{
  const char *first = first_names[i % G_N_ELEMENTS (first_names)];
  const char *last
      = last_names[(i * 7 + i / G_N_ELEMENTS (last_names)) % G_N_ELEMENTS (last_names)];
  /* +225 07 01 00 00 01: Côte d'Ivoire's ten-digit mobile numbers */
  *mobile = g_strdup_printf ("+22507%08u", 1000000 + i);
  *email = demo_email (first, last);
  g_autofree char *id = g_strdup_printf ("demo-customer-%04u", i);
  g_autofree char *name = g_strdup_printf ("%s %s", first, last);
  g_autofree char *external = g_strdup_printf ("CRM-%05u", i);
  g_autofree char *second = g_strdup_printf ("+22505%08u", 2000000 + i);
  const char *phones[] = { *mobile, i % 3 == 0 ? second : NULL, NULL };
  GVariantDict custom;
  g_variant_dict_init (&custom, NULL);
  g_variant_dict_insert (&custom, "city", "s", cities[i % G_N_ELEMENTS (cities)]);
  g_variant_dict_insert (&custom, "segment", "s", segments[i % G_N_ELEMENTS (segments)]);
  g_variant_dict_insert (&custom, "demo", "b", TRUE);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", id);
  g_variant_dict_insert (&d, "display_name", "s", name);
  g_variant_dict_insert (&d, "first_name", "s", first);
  g_variant_dict_insert (&d, "last_name", "s", last);
  g_variant_dict_insert (&d, "email", "s", *email);
  g_variant_dict_insert (&d, "external_id", "s", external);
  g_variant_dict_insert (&d, "language", "s", "fr");
  g_variant_dict_insert_value (&d, "custom", g_variant_dict_end (&custom));
  g_variant_dict_insert_value (&d, "phones", g_variant_new_strv (phones, -1));
  return g_variant_ref_sink (g_variant_dict_end (&d));
}

static GVariant *
demo_interaction (guint i, guint j, const char *mobile, const char *email, gint64 now)
{
  const char *channel = channels[(i + j) % G_N_ELEMENTS (channels)];
  gboolean outbound = j % 4 == 3 && strcmp (channel, "voice") == 0;
  gboolean mail = strcmp (channel, "email") == 0;
  const char *customer_addr = mail ? email : mobile;
  const char *center_addr = mail ? CENTER_EMAIL : CENTER_NUMBER;
  gint64 offered = now - (gint64) (2 * j + 1) * DAY_MS - (gint64) i * 60000;
  gint64 answered = offered + (10 + (i * 3 + j) % 50) * 1000;
  gint64 ended = answered + (60 + (i * 7 + j * 13) % 600) * 1000;
  g_autofree char *id = g_strdup_printf ("demo-interaction-%04u-%02u", i, j + 1);
  g_autofree char *customer = g_strdup_printf ("demo-customer-%04u", i);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", id);
  g_variant_dict_insert (&d, "channel", "s", channel);
  g_variant_dict_insert (&d, "direction", "s", outbound ? "outbound" : "inbound");
  g_variant_dict_insert (&d, "from_addr", "s", outbound ? center_addr : customer_addr);
  g_variant_dict_insert (&d, "to_addr", "s", outbound ? customer_addr : center_addr);
  g_variant_dict_insert (&d, "customer_id", "s", customer);
  g_variant_dict_insert (&d, "queue_id", "s", "demo-support");
  g_variant_dict_insert (&d, "offered_at", "x", offered);
  g_variant_dict_insert (&d, "answered_at", "x", answered);
  g_variant_dict_insert (&d, "ended_at", "x", ended);
  g_variant_dict_insert (&d, "disposition", "s",
                         dispositions[(i + 2 * j) % G_N_ELEMENTS (dispositions)]);
  if (j % 2 == 0)
    g_variant_dict_insert (&d, "csat", "x", (gint64) (1 + (i + j) % 5));
  return g_variant_ref_sink (g_variant_dict_end (&d));
}

static void
seed_release (Seed *s)
{
  if (--s->pending > 0)
    return;
  if (s->error)
    {
      g_autoptr (GError) e
          = g_error_new_literal (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED, s->error->message);
      occ_control_call_return_error (s->call, e);
    }
  else
    {
      g_message ("records.seed-demo: %u customers, %u interactions by %s", s->customers,
                 s->interactions, s->peer);
      GVariantBuilder b;
      g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&b, "{sv}", "customers", g_variant_new_int64 (s->customers));
      g_variant_builder_add (&b, "{sv}", "interactions", g_variant_new_int64 (s->interactions));
      occ_control_call_return (s->call, g_variant_builder_end (&b));
    }
  g_clear_error (&s->error);
  g_free (s->peer);
  g_free (s);
}

static void
seed_done (GVariant *result, const GError *error, gpointer data)
{
  Seed *s = data;
  (void) result;
  if (error && s->error == NULL)
    s->error = g_error_copy (error);
  seed_release (s);
}

/* One customer and its interactions: a batch for one transaction. */
static RecBatch *
seed_batch (guint i, guint n_interactions, gint64 now, RecRecord **customer, GError **error)
{
  const RecEntity *customers = rec_entity_lookup ("customer");
  const RecEntity *interactions = rec_entity_lookup ("interaction");
  g_autofree char *mobile = NULL, *email = NULL;
  g_autoptr (GVariant) c = demo_customer (i, &mobile, &email);
  g_autoptr (RecRecord) rc = rec_record_parse (customers, c, REC_PARSE_PUT, error);
  if (rc == NULL)
    return NULL;
  g_autoptr (RecBatch) batch = rec_batch_new ();
  rec_sql_put (batch, rc, rc->id, FALSE, now);
  for (guint j = 0; j < n_interactions; j++)
    {
      g_autoptr (GVariant) v = demo_interaction (i, j, mobile, email, now);
      g_autoptr (RecRecord) ri = rec_record_parse (interactions, v, REC_PARSE_PUT, error);
      if (ri == NULL)
        return NULL;
      rec_sql_put (batch, ri, ri->id, FALSE, now);
    }
  /* end with the customer, read back like a put's */
  rec_sql_get (batch, customers, rc->id);
  *customer = g_steal_pointer (&rc);
  return g_steal_pointer (&batch);
}

void
rec_cmd_seed_demo (OccControlCall *call, GVariant *args, gpointer data)
{
  Records *self = data;
  gint64 n_customers, n_interactions;
  GError *error = NULL;
  if (!rec_arg_int (args, "customers", 20, 1, 9999, &n_customers, &error)
      || !rec_arg_int (args, "interactions-per-customer", 5, 0, 99, &n_interactions, &error))
    {
      occ_control_call_return_error (call, error);
      g_error_free (error);
      return;
    }
  Seed *s = g_new0 (Seed, 1);
  s->call = call;
  s->peer = g_strdup (occ_control_call_get_peer (call));
  s->pending = 1;
  gint64 now = g_get_real_time () / 1000;
  for (guint i = 1; i <= n_customers && s->error == NULL; i++)
    {
      RecRecord *customer = NULL;
      RecBatch *batch = seed_batch (i, (guint) n_interactions, now, &customer, &s->error);
      if (batch == NULL)
        break;
      s->customers++;
      s->interactions += (guint) n_interactions;
      s->pending++;
      rec_run (self, REC_OP_PUT, customer->entity, customer, batch, OCC_STORE_TRANSACTION,
               seed_done, s);
    }
  seed_release (s);
}
