/* acd: agents' feature codes. The sip plugin publishes sip.feature when a
 * registered agent's phone dials a code beginning with '*'; the codes
 * are the [features] group of acd.conf:
 *
 *   login=*21   logged in, not ready (as `omnicc agent login`)
 *   logout=*22
 *   ready=*23
 *   pause=*24   not ready; digits after it are a reason code (*2407: 07)
 *   reasons=07:lunch;12:training   names of the reason codes (optional;
 *                                  when given, other codes are refused)
 *
 * The change goes through the same path as the agent commands, and the
 * answer (acd.feature.result) is what the phone is told. */
#include "feature-codes.h"

#include <string.h>

#define GROUP "features"
#define MAX_CODE 16       /* characters of a code, '*' included */
#define MAX_REASON_CODE 8 /* digits after the pause code */
#define MAX_REASON 64     /* characters of a reason's name, as for agent.pause */

typedef enum { ACTION_LOGIN, ACTION_LOGOUT, ACTION_READY, ACTION_PAUSE, N_ACTIONS } Action;

static const struct {
  const char *key, *fallback;
} actions[N_ACTIONS]
    = { { "login", "*21" }, { "logout", "*22" }, { "ready", "*23" }, { "pause", "*24" } };

typedef struct {
  OccPlugin *plugin;
  char *codes[N_ACTIONS];
  GHashTable *reasons; /* digits -> name; empty: any digits, as they are */
  AcdPresenceFunc apply;
  gpointer data;
} Features;

static void
features_free (gpointer data)
{
  Features *f = data;
  for (guint i = 0; i < N_ACTIONS; i++)
    g_free (f->codes[i]);
  g_hash_table_unref (f->reasons);
  g_free (f);
}

static gboolean
bad (GError **error, const char *file, const char *key, const char *why)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: [" GROUP "] %s: %s",
               file, key, why);
  return FALSE;
}

static gboolean
only_digits (const char *s, gsize max)
{
  gsize n = strlen (s);
  if (n == 0 || n > max)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* '*' then digits, '*' or '#'. */
static gboolean
is_code (const char *s)
{
  gsize n = strlen (s);
  if (n < 2 || n > MAX_CODE || s[0] != '*')
    return FALSE;
  for (const char *c = s + 1; *c; c++)
    if (!g_ascii_isdigit (*c) && *c != '*' && *c != '#')
      return FALSE;
  return TRUE;
}

static gboolean
read_reasons (Features *f, GKeyFile *config, const char *file, GError **error)
{
  g_auto (GStrv) items = g_key_file_get_string_list (config, GROUP, "reasons", NULL, NULL);
  for (guint i = 0; items && items[i]; i++)
    {
      char *colon = strchr (items[i], ':');
      if (colon)
        *colon = '\0';
      const char *digits = g_strstrip (items[i]);
      const char *name = colon ? g_strstrip (colon + 1) : "";
      if (!only_digits (digits, MAX_REASON_CODE) || *name == '\0'
          || g_utf8_strlen (name, -1) > MAX_REASON)
        return bad (error, file, "reasons",
                    "items are DIGITS:NAME (1 to 8 digits, a name of 64 characters at most)");
      if (g_hash_table_contains (f->reasons, digits))
        return bad (error, file, "reasons", "a reason code is given twice");
      g_hash_table_insert (f->reasons, g_strdup (digits), g_strdup (name));
    }
  return TRUE;
}

static gboolean
read_features (Features *f, GKeyFile *config, const char *file, GError **error)
{
  for (guint i = 0; i < N_ACTIONS; i++)
    {
      g_autofree char *v = g_key_file_get_string (config, GROUP, actions[i].key, NULL);
      f->codes[i] = g_strdup (v ? g_strstrip (v) : actions[i].fallback);
      if (!is_code (f->codes[i]))
        return bad (error, file, actions[i].key,
                    "a code is '*' then digits, '*' or '#' (16 characters at most)");
      for (guint k = 0; k < i; k++)
        if (strcmp (f->codes[k], f->codes[i]) == 0)
          return bad (error, file, actions[i].key, "the same code as another action");
    }
  return read_reasons (f, config, file, error);
}

/* What @code asks for; FALSE (with @error and @text set) when it asks for
 * nothing known. @reason: the not-ready reason (transfer none). */
static gboolean
decode (Features *f, const char *code, AcdPresence *presence, const char **reason,
        const char **error, char **text)
{
  static const AcdPresence presences[N_ACTIONS]
      = { ACD_AGENT_NOT_READY, ACD_AGENT_LOGGED_OUT, ACD_AGENT_READY, ACD_AGENT_NOT_READY };
  static const char *const said[N_ACTIONS] = { "logged in", "logged out", "ready", "not ready" };
  *reason = "";
  /* an exact code first: a pause code may begin another code */
  for (guint i = 0; i < N_ACTIONS; i++)
    if (strcmp (code, f->codes[i]) == 0)
      {
        *presence = presences[i];
        *text = g_strdup (said[i]);
        return TRUE;
      }
  const char *pause = f->codes[ACTION_PAUSE];
  const char *digits = g_str_has_prefix (code, pause) ? code + strlen (pause) : NULL;
  if (digits == NULL || !only_digits (digits, MAX_REASON_CODE))
    {
      *error = "unknown-code";
      *text = g_strdup ("unknown code");
      return FALSE;
    }
  const char *name = g_hash_table_lookup (f->reasons, digits);
  if (name == NULL && g_hash_table_size (f->reasons) > 0)
    {
      *error = "unknown-reason";
      *text = g_strdup_printf ("unknown reason %s", digits);
      return FALSE;
    }
  *presence = ACD_AGENT_NOT_READY;
  *reason = name ? name : digits;
  *text = g_strdup_printf ("not ready: %s", *reason);
  return TRUE;
}

static void
on_feature (const OccEvent *event, gpointer data)
{
  Features *f = data;
  const char *id, *login, *code, *source = "?";
  g_autoptr (GVariant) extra = NULL;
  g_variant_get (occ_event_get_payload (event), "(&s&s&s@a{sv})", &id, &login, &code, &extra);
  g_variant_lookup (extra, "source", "&s", &source);
  AcdPresence presence = ACD_AGENT_LOGGED_OUT;
  const char *reason = "", *error = NULL;
  g_autofree char *text = NULL;
  gboolean done = decode (f, code, &presence, &reason, &error, &text);
  g_autoptr (GError) e = NULL;
  g_autofree char *actor = g_strdup_printf ("the phone at %s", source);
  if (done && !f->apply (f->data, login, presence, reason, actor, &e))
    {
      done = FALSE;
      error = "not-an-agent";
      g_free (text);
      text = g_strdup ("not an agent");
    }
  if (!done)
    g_message ("feature code %s of %s refused: %s", code, login, text);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  if (error)
    g_variant_dict_insert (&d, "error", "s", error);
  else
    {
      g_variant_dict_insert (&d, "state", "s",
                             presence == ACD_AGENT_READY       ? "ready"
                             : presence == ACD_AGENT_NOT_READY ? "not-ready"
                                                               : "logged-out");
      g_variant_dict_insert (&d, "reason", "s", reason);
    }
  g_autoptr (GError) pe = NULL;
  if (!occ_bus_publish (
          occ_plugin_get_bus (f->plugin), f->plugin, ACD_EVENT_FEATURE_RESULT,
          g_variant_new ("(ssbs@a{sv})", id, login, done, text, g_variant_dict_end (&d)), &pe))
    g_warning ("%s: %s", ACD_EVENT_FEATURE_RESULT, pe->message);
}

gboolean
acd_features_start (OccPlugin *plugin, GKeyFile *config, const char *file, AcdPresenceFunc apply,
                    gpointer data, GError **error)
{
  Features *f = g_new0 (Features, 1);
  f->plugin = plugin;
  f->apply = apply;
  f->data = data;
  f->reasons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  OccBus *bus = occ_plugin_get_bus (plugin);
  if (!read_features (f, config, file, error)
      || !occ_bus_register_type (bus, plugin, ACD_EVENT_FEATURE_RESULT, "(ssbsa{sv})",
                                 "The ACD's answer to a feature code: (id of the sip.feature, "
                                 "login, done, text for the phone, extra: error unknown-code|"
                                 "unknown-reason|not-an-agent, state, reason).",
                                 error))
    {
      features_free (f);
      return FALSE;
    }
  if (occ_bus_subscribe (bus, plugin, ACD_EVENT_FEATURE, on_feature, f, features_free, error) == 0)
    {
      features_free (f);
      return FALSE;
    }
  return TRUE;
}
