/* records: control commands, for operators and the CLI. Each one goes
 * through the service's own functions, so a record from the socket is
 * checked exactly like one from a plugin. Arguments arrive as the JSON the
 * client sent (strings, int64, doubles, booleans, "as", "av", a{sv}),
 * which every field kind accepts in its natural form.
 *
 *   omnicc call records.put entity=customer \
 *       record='{"display_name":"A","phones":["+2250700000001"]}'
 */
#include "records-private.h"
#include "demo.h"

#define FIND_DEFAULT_LIMIT 100

typedef struct {
  OccControlCall *call;
  char *what; /* "records.put customer", for the log */
  char *peer;
  gboolean changes; /* log who changed what */
} Cmd;

static GError *
to_control_error (const GError *error)
{
  OccControlError code = OCC_CONTROL_ERROR_FAILED;
  if (error->domain == OCC_RECORDS_ERROR && error->code == OCC_RECORDS_ERROR_INVALID)
    code = OCC_CONTROL_ERROR_BAD_REQUEST;
  else if (error->domain == OCC_RECORDS_ERROR && error->code == OCC_RECORDS_ERROR_NOT_FOUND)
    code = OCC_CONTROL_ERROR_NOT_FOUND;
  else if (error->domain == OCC_RECORDS_ERROR && error->code == OCC_RECORDS_ERROR_CONFLICT)
    code = OCC_CONTROL_ERROR_REFUSED;
  return g_error_new_literal (OCC_CONTROL_ERROR, code, error->message);
}

static void
bad_request (OccControlCall *call, GError *error)
{
  g_autoptr (GError) e = error;
  occ_control_call_return_error (call, e);
}

static Cmd *
cmd_new (OccControlCall *call, const char *command, const char *entity, gboolean changes)
{
  Cmd *c = g_new0 (Cmd, 1);
  c->call = call;
  c->what = g_strdup_printf ("%s %s", command, entity ? entity : "");
  c->peer = g_strdup (occ_control_call_get_peer (call));
  c->changes = changes;
  return c;
}

static void
cmd_free (Cmd *c)
{
  g_free (c->what);
  g_free (c->peer);
  g_free (c);
}

static void
cmd_done (GVariant *result, const GError *error, gpointer data)
{
  Cmd *c = data;
  if (error)
    {
      g_autoptr (GError) e = to_control_error (error);
      occ_control_call_return_error (c->call, e);
    }
  else
    {
      if (c->changes)
        {
          const char *id = NULL;
          g_variant_lookup (result, "id", "&s", &id);
          g_message ("%s %s by %s", c->what, id ? id : "", c->peer);
        }
      occ_control_call_return (c->call, result);
    }
  cmd_free (c);
}

static void
cmd_find_done (GVariant *result, const GError *error, gpointer data)
{
  if (error)
    {
      cmd_done (NULL, error, data);
      return;
    }
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "records", result);
  g_variant_builder_add (&b, "{sv}", "count", g_variant_new_int64 (g_variant_n_children (result)));
  cmd_done (g_variant_builder_end (&b), NULL, data);
}

/* --- arguments ------------------------------------------------------------------- */

static gboolean
arg_string (GVariant *args, const char *name, gboolean required, const char **out, GError **error)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, name, NULL);
  *out = NULL;
  if (v == NULL)
    {
      if (required)
        g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                     "argument “%s” is missing", name);
      return !required;
    }
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "argument “%s” must be a string, not “%s”", name, g_variant_get_type_string (v));
      return FALSE;
    }
  /* args outlives the call's handling of it */
  g_variant_lookup (args, name, "&s", out);
  return TRUE;
}

gboolean
rec_arg_int (GVariant *args, const char *name, gint64 fallback, gint64 min, gint64 max, gint64 *out,
             GError **error)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (args, name, NULL);
  *out = fallback;
  if (v == NULL)
    return TRUE;
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "argument “%s” must be an integer, not “%s”", name,
                   g_variant_get_type_string (v));
      return FALSE;
    }
  *out = g_variant_get_int64 (v);
  if (*out < min || *out > max)
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                   "argument “%s”: %" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
                   "..%" G_GINT64_FORMAT,
                   name, *out, min, max);
      return FALSE;
    }
  return TRUE;
}

/* An object argument (a{sv}); transfer full, NULL when absent. */
static gboolean
arg_object (GVariant *args, const char *name, gboolean required, GVariant **out, GError **error)
{
  *out = g_variant_lookup_value (args, name, NULL);
  if (*out == NULL && !required)
    return TRUE;
  if (*out == NULL || !g_variant_is_of_type (*out, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_BAD_REQUEST,
                   *out ? "argument “%s” must be an object, not “%s”" : "argument “%s” is missing",
                   name, *out ? g_variant_get_type_string (*out) : "");
      g_clear_pointer (out, g_variant_unref);
      return FALSE;
    }
  return TRUE;
}

/* --- the commands ---------------------------------------------------------------- */

static void
cmd_get (OccControlCall *call, GVariant *args, gpointer data)
{
  Records *self = data;
  const char *entity, *id;
  GError *error = NULL;
  if (!arg_string (args, "entity", TRUE, &entity, &error)
      || !arg_string (args, "id", TRUE, &id, &error))
    {
      bad_request (call, error);
      return;
    }
  self->service.get (&self->service, entity, id, cmd_done,
                     cmd_new (call, "records.get", entity, FALSE));
}

static void
cmd_find (OccControlCall *call, GVariant *args, gpointer data)
{
  Records *self = data;
  const char *entity, *order;
  g_autoptr (GVariant) where = NULL;
  gint64 limit;
  GError *error = NULL;
  if (!arg_string (args, "entity", TRUE, &entity, &error)
      || !arg_object (args, "where", FALSE, &where, &error)
      || !arg_string (args, "order", FALSE, &order, &error)
      || !rec_arg_int (args, "limit", FIND_DEFAULT_LIMIT, 1, 10000, &limit, &error))
    {
      bad_request (call, error);
      return;
    }
  self->service.find (&self->service, entity, where, order, (guint) limit, cmd_find_done,
                      cmd_new (call, "records.find", entity, FALSE));
}

static void
cmd_put (OccControlCall *call, GVariant *args, gpointer data)
{
  Records *self = data;
  const char *entity;
  g_autoptr (GVariant) record = NULL;
  GError *error = NULL;
  if (!arg_string (args, "entity", TRUE, &entity, &error)
      || !arg_object (args, "record", TRUE, &record, &error))
    {
      bad_request (call, error);
      return;
    }
  /* the audit trail is written by the audit plugin, which chains each
   * entry; a row put from outside would be an unchained forgery */
  if (g_strcmp0 (entity, "audit_entry") == 0)
    {
      bad_request (call, g_error_new_literal (OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_INVALID,
                                              "audit entries are written by the audit plugin"));
      return;
    }
  self->service.put (&self->service, entity, record, cmd_done,
                     cmd_new (call, "records.put", entity, TRUE));
}

static void
cmd_remove (OccControlCall *call, GVariant *args, gpointer data)
{
  Records *self = data;
  const char *entity, *id;
  GError *error = NULL;
  if (!arg_string (args, "entity", TRUE, &entity, &error)
      || !arg_string (args, "id", TRUE, &id, &error))
    {
      bad_request (call, error);
      return;
    }
  self->service.remove (&self->service, entity, id, cmd_done,
                        cmd_new (call, "records.remove", entity, TRUE));
}

static void
cmd_screen_pop (OccControlCall *call, GVariant *args, gpointer data)
{
  Records *self = data;
  const char *number;
  gint64 n;
  GError *error = NULL;
  if (!arg_string (args, "number", TRUE, &number, &error)
      || !rec_arg_int (args, "interactions", 5, 0, 100, &n, &error))
    {
      bad_request (call, error);
      return;
    }
  self->service.screen_pop (&self->service, number, (guint) n, cmd_done,
                            cmd_new (call, "records.screen-pop", NULL, FALSE));
}

static void
cmd_describe (OccControlCall *call, GVariant *args, gpointer data)
{
  Records *self = data;
  (void) args;
  occ_control_call_return (call, self->service.describe (&self->service));
}

gboolean
rec_commands_register (Records *self, GError **error)
{
  static const struct {
    const char *name;
    const char *summary;
    OccControlFunc func;
    const char *permission;
  } commands[] = {
    { "records.get", "A record (args: entity, id)", cmd_get, "customer.read" },
    { "records.find",
      "Records whose fields equal those given (args: entity, optional where object, order "
      "\"field [asc|desc]\", limit 1..10000, default 100)",
      cmd_find, "customer.read" },
    { "records.put",
      "Inserts a record, or updates the one with its id (args: entity, record object)", cmd_put,
      "customer.write" },
    { "records.remove", "Deletes a record (args: entity, id)", cmd_remove, "customer.delete" },
    { "records.screen-pop",
      "The customer owning an E.164 number and their last interactions (args: number, optional "
      "interactions 0..100, default 5)",
      cmd_screen_pop, "customer.read" },
    { "records.describe", "The entities and their fields (no args)", cmd_describe,
      "customer.read" },
    { "records.seed-demo",
      "Creates demo customers in Côte d'Ivoire with interactions; idempotent (args: optional "
      "customers, default 20, interactions-per-customer, default 5)",
      rec_cmd_seed_demo, "config.manage" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (!occ_control_add_command_full (self->plugin, commands[i].name, commands[i].summary,
                                       commands[i].permission, OCC_CONTROL_FLAGS_NONE,
                                       commands[i].func, self, NULL, error))
      return FALSE;
  return TRUE;
}
