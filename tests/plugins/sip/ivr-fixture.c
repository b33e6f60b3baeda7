/* test-ivr: a stand-in for the ivr plugin in the sip tests. It provides
 * the "ivr" service, publishes each start() as test-ivr.started (id,
 * flow, survey), and drives the call through the voice service (version
 * 3) as its [test-ivr] configuration says:
 *
 *   fail=true          start() refuses (the call gets 503)
 *   answer=false       not answered; with hangup=true hung up at once
 *   tone=FILE          played to the caller once answered; then:
 *   transfer=NUMBER    a blind transfer, or
 *   queue=NAME         joins it (moh=FILE, survey=FLOW, priority=N,
 *                      skills=a;b:50), and dequeue-after=MS withdraws it
 *                      (reason "callback"), or
 *   hangup=true        hung up
 *   left-tone=FILE     played when acd.left says the call left its queue;
 *                      then it is hung up
 *   survey-tone=FILE   a survey's prompt; then it is hung up
 */
#include <omnicc/ivr.h>
#include <omnicc/omnicc.h>
#include <omnicc/voice.h>

#define GROUP "test-ivr"

typedef struct {
  OccPlugin *plugin;
  OccIvrService ivr;
  GHashTable *ours; /* ids started here */
} Fixture;

typedef struct {
  Fixture *f;
  char *id;
  gboolean hangup; /* when the play is over */
} Step;

static void
step_free (gpointer data)
{
  Step *s = data;
  g_free (s->id);
  g_free (s);
}

static char *
conf (Fixture *f, const char *key)
{
  return g_key_file_get_string (occ_plugin_get_config (f->plugin), GROUP, key, NULL);
}

static gboolean
conf_bool (Fixture *f, const char *key, gboolean fallback)
{
  GKeyFile *k = occ_plugin_get_config (f->plugin);
  return g_key_file_has_key (k, GROUP, key, NULL) ? g_key_file_get_boolean (k, GROUP, key, NULL)
                                                  : fallback;
}

static const OccVoiceService *
voice (Fixture *f)
{
  return occ_service_lookup (f->plugin, OCC_VOICE_SERVICE, 3, NULL);
}

static void
hangup (Fixture *f, const char *id)
{
  const OccVoiceService *v = voice (f);
  if (v)
    v->hangup (v, id, NULL);
}

static void after_prompt (Fixture *f, const char *id);

static void
played (OccMediaLeg *leg, OccMediaPlayEnd how, const GError *error, gpointer data)
{
  (void) leg;
  (void) error;
  Step *s = data;
  if (how != OCC_MEDIA_PLAY_FINISHED)
    return;
  if (s->hangup)
    hangup (s->f, s->id);
  else
    after_prompt (s->f, s->id);
}

/* Plays @file to the caller of @id; FALSE if it could not. */
static gboolean
play (Fixture *f, const char *id, const char *file, gboolean then_hangup)
{
  const OccVoiceService *v = voice (f);
  const OccMediaService *m = occ_service_lookup (f->plugin, OCC_MEDIA_SERVICE, 2, NULL);
  OccMediaLeg *leg = v ? v->caller_leg (v, id) : NULL;
  if (leg == NULL || m == NULL || file == NULL)
    return FALSE;
  Step *s = g_new0 (Step, 1);
  s->f = f;
  s->id = g_strdup (id);
  s->hangup = then_hangup;
  const char *const files[] = { file, NULL };
  return m->play (leg, files, 0, played, s, step_free, NULL);
}

static gboolean
dequeue_later (gpointer data)
{
  Step *s = data;
  const OccVoiceService *v = voice (s->f);
  g_autoptr (GError) e = NULL;
  if (v && !v->dequeue (v, s->id, "callback", &e))
    g_message ("dequeue %s: %s", s->id, e->message);
  return G_SOURCE_REMOVE;
}

static void
after_prompt (Fixture *f, const char *id)
{
  const OccVoiceService *v = voice (f);
  g_autofree char *transfer = conf (f, "transfer");
  g_autofree char *queue = conf (f, "queue");
  g_autoptr (GError) e = NULL;
  if (transfer)
    {
      if (!v->transfer (v, id, transfer, &e))
        g_message ("transfer %s: %s", id, e->message);
      return;
    }
  if (queue == NULL)
    {
      if (conf_bool (f, "hangup", FALSE))
        hangup (f, id);
      return;
    }
  g_autofree char *moh = conf (f, "moh");
  g_autofree char *survey = conf (f, "survey");
  g_auto (GStrv) skills
      = g_key_file_get_string_list (occ_plugin_get_config (f->plugin), GROUP, "skills", NULL, NULL);
  gint priority
      = g_key_file_get_integer (occ_plugin_get_config (f->plugin), GROUP, "priority", NULL);
  GVariant *extra = g_variant_new_parsed ("{'ivr-choice': <'2'>}");
  g_variant_ref_sink (extra);
  if (!v->enqueue (v, id, queue, priority, (const char *const *) skills, extra, moh, survey, &e))
    g_message ("enqueue %s: %s", id, e->message);
  g_variant_unref (extra);
  gint after
      = g_key_file_get_integer (occ_plugin_get_config (f->plugin), GROUP, "dequeue-after", NULL);
  if (after > 0)
    {
      Step *s = g_new0 (Step, 1);
      s->f = f;
      s->id = g_strdup (id);
      occ_plugin_timeout_add (f->plugin, (guint) after, dequeue_later, s, step_free);
    }
}

static gboolean
ivr_start (const OccIvrService *ivr, const char *id, const char *flow, GVariant *call,
           GError **error)
{
  Fixture *f = (Fixture *) ((char *) ivr - G_STRUCT_OFFSET (Fixture, ivr));
  gboolean survey = FALSE;
  g_variant_lookup (call, "survey", "b", &survey);
  if (conf_bool (f, "fail", FALSE) && !survey)
    {
      g_set_error (error, OCC_IVR_ERROR, OCC_IVR_ERROR_NO_FLOW, "no flow “%s” here", flow);
      return FALSE;
    }
  g_hash_table_add (f->ours, g_strdup (id));
  occ_bus_publish (occ_plugin_get_bus (f->plugin), f->plugin, "test-ivr.started",
                   g_variant_new ("(ssb)", id, flow, survey), NULL);
  const OccVoiceService *v = voice (f);
  if (survey)
    {
      g_autofree char *tone = conf (f, "survey-tone");
      if (!play (f, id, tone, TRUE))
        hangup (f, id);
      return TRUE;
    }
  if (!conf_bool (f, "answer", TRUE))
    {
      if (conf_bool (f, "hangup", FALSE))
        hangup (f, id);
      return TRUE;
    }
  v->answer (v, id, NULL);
  g_autofree char *tone = conf (f, "tone");
  if (!play (f, id, tone, FALSE))
    after_prompt (f, id);
  return TRUE;
}

/* acd.left: the call is ours again */
static void
on_left (const OccEvent *event, gpointer data)
{
  Fixture *f = data;
  const char *id;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, NULL, NULL, NULL);
  if (!g_hash_table_contains (f->ours, id))
    return;
  g_autofree char *tone = conf (f, "left-tone");
  if (tone && !play (f, id, tone, TRUE))
    hangup (f, id);
}

static const OccConfigKey schema[] = {
  { GROUP, "fail", OCC_CONFIG_BOOL, 0, 0, "start() refuses" },
  { GROUP, "answer", OCC_CONFIG_BOOL, 0, 0, "answer the call (default true)" },
  { GROUP, "hangup", OCC_CONFIG_BOOL, 0, 0, "hang up after the prompt" },
  { GROUP, "tone", OCC_CONFIG_STRING, 0, 0, "the prompt" },
  { GROUP, "transfer", OCC_CONFIG_STRING, 0, 0, "transfer to this number" },
  { GROUP, "queue", OCC_CONFIG_STRING, 0, 0, "enqueue here" },
  { GROUP, "moh", OCC_CONFIG_STRING, 0, 0, "music on hold" },
  { GROUP, "survey", OCC_CONFIG_STRING, 0, 0, "survey flow" },
  { GROUP, "priority", OCC_CONFIG_INT, -100, 100, "priority" },
  { GROUP, "skills", OCC_CONFIG_STRING_LIST, 0, 0, "skills" },
  { GROUP, "dequeue-after", OCC_CONFIG_INT, 0, 600000, "ms before a dequeue" },
  { GROUP, "left-tone", OCC_CONFIG_STRING, 0, 0, "played after acd.left" },
  { GROUP, "survey-tone", OCC_CONFIG_STRING, 0, 0, "the survey's prompt" },
  { .group = NULL },
};

static OccLoadResult
fixture_load (OccPlugin *plugin, GError **error)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->plugin = plugin;
  f->ours = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->ivr = (OccIvrService){ .header = OCC_SERVICE_HEADER (OccIvrService, OCC_IVR_VERSION),
                            .start = ivr_start };
  occ_plugin_set_user_data (plugin, f);
  OccBus *bus = occ_plugin_get_bus (plugin);
  if (!occ_bus_register_type (bus, plugin, "test-ivr.started", "(ssb)",
                              "The test IVR was given a call: (id, flow, survey).", error)
      || occ_bus_subscribe (bus, plugin, OCC_EVENT_ACD_LEFT, on_left, f, NULL, error) == 0
      || !occ_service_provide (plugin, OCC_IVR_SERVICE, &f->ivr, error))
    return OCC_LOAD_FAILED;
  return OCC_LOAD_OK;
}

static void
fixture_unload (OccPlugin *plugin)
{
  Fixture *f = occ_plugin_get_user_data (plugin);
  if (f == NULL)
    return;
  g_hash_table_unref (f->ours);
  g_free (f);
}

OCC_PLUGIN_DEFINE (.name = "test-ivr", .version = "1.0",
                   .summary = "A stand-in ivr service for the sip tests",
                   .license = "GPL-3.0-or-later", .provides = OCC_LIST (OCC_IVR_SERVICE),
                   .after = OCC_LIST ("plugin:sip"), .config_schema = schema, .load = fixture_load,
                   .unload = fixture_unload);
