/* acd: a queue's definition from a key file group — shared by the acd
 * plugin (plugins.d/acd.conf, [queue NAME]) and omnicc-sim (its scenario
 * files), so that a queue means the same in both. */
#include "queue-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* plugins.d/acd.conf. The queue keys (group "queue *") are also what
 * omnicc-sim's scenarios take for a queue. */
const OccConfigKey acd_config_schema[] = {
  { "acd", "stats-interval", OCC_CONFIG_INT, 0, 3600,
    "Seconds between acd.queue.stats events (default 5; 0: none)." },
  { "queue *", "strategy", OCC_CONFIG_STRING, 0, 0,
    "The routing strategy: an acd.strategy/NAME plugin (default fifo-priority)." },
  { "queue *", "strategy-*", OCC_CONFIG_STRING, 0, 0,
    "Passed to the strategy without the prefix (see its documentation)." },
  { "queue *", "sl-threshold", OCC_CONFIG_INT, 0, 3600,
    "Seconds: answered within this counts for the service level (default 20)." },
  { "queue *", "max-wait", OCC_CONFIG_INT, 0, 86400,
    "Seconds a caller waits before the time-out (call-back offer); 0: no limit." },
  { "queue *", "max-length", OCC_CONFIG_INT, 0, 1000000,
    "Interactions waiting at most; more are refused (0: no limit)." },
  { "queue *", "join-empty", OCC_CONFIG_BOOL, 0, 0,
    "Whether one may join with no member logged in (default true)." },
  { "queue *", "leave-empty", OCC_CONFIG_BOOL, 0, 0,
    "Whether waiting ones leave when the last member logs out (default false)." },
  { "queue *", "overflow-to", OCC_CONFIG_STRING, 0, 0,
    "Another queue that takes those waiting longer than overflow-after." },
  { "queue *", "overflow-after", OCC_CONFIG_INT, 0, 86400,
    "Seconds before overflowing to overflow-to." },
  { "queue *", "wrapup", OCC_CONFIG_INT, 0, 3600,
    "Seconds of wrap-up after each interaction (default 0)." },
  { "queue *", "ring-timeout", OCC_CONFIG_INT, 1, 600,
    "Seconds an offer rings before the next agent (default 20)." },
  { "queue *", "max-no-answer", OCC_CONFIG_INT, 0, 100,
    "Missed offers in a row that make an agent not ready (0: never)." },
  { "queue *", "ring-progressive-interval", OCC_CONFIG_INT, 1, 600,
    "Seconds between added agents (ring-progressively; default 5)." },
  { "queue *", "tiers", OCC_CONFIG_BOOL, 0, 0,
    "Only the lowest tier with someone eligible is offered (default true)." },
  { "queue *", "announce-every", OCC_CONFIG_INT, 0, 3600,
    "Seconds between position and wait announcements (0: none)." },
  { "queue *", "announce-min", OCC_CONFIG_INT, 0, 3600,
    "Never announce more often than this (default 15)." },
  { "queue *", "announce-only-better", OCC_CONFIG_BOOL, 0, 0,
    "Announce only when the position improved (default false)." },
  { "queue *", "rejoin-window", OCC_CONFIG_INT, 0, 86400,
    "Seconds within which an abandoned caller keeps its place (default 0)." },
  { "queue *", "relax-skills", OCC_CONFIG_STRING_LIST, 0, 0,
    "Skill relaxation: AFTER:DROP;… (after AFTER s, required levels drop by DROP)." },
  { "queue *", "priority-callers", OCC_CONFIG_STRING_LIST, 0, 0,
    "Priorities by caller: NUMBER:PRIORITY or PREFIX*:PRIORITY (higher first; default 0)." },
  { "queue *", "auto-answer", OCC_CONFIG_BOOL, 0, 0,
    "agents' phones answer this queue's calls by themselves (Call-Info answer-after=0): for "
    "campaigns dialing ahead, where an answer must reach an agent within 2 s (default false)" },
  { "queue *", "record", OCC_CONFIG_BOOL, 0, 0,
    "Record its calls: caller and agent on two channels of one file (default false)." },
  { "queue *", "record-format", OCC_CONFIG_STRING, 0, 0,
    "The recordings' format: wav-alaw (default, 8 KB/s a channel) or wav-pcm16." },
  { "queue *", "record-retention-days", OCC_CONFIG_INT, 1, 3650,
    "Days a recording is kept before the sweep deletes it (default 90)." },
  { "agent *", "queues", OCC_CONFIG_STRING_LIST, 0, 0,
    "The queues it serves: QUEUE[:TIER[:PENALTY]];… (tier 0 first, penalty 0 best)." },
  { "agent *", "skills", OCC_CONFIG_STRING_LIST, 0, 0, "Its skills: SKILL:LEVEL;… (0-100)." },
  { "agent *", "capacity", OCC_CONFIG_STRING_LIST, 0, 0,
    "Interactions at once per channel: CHANNEL:SLOTS;… (default voice:1)." },
  { "features", "login", OCC_CONFIG_STRING, 0, 0,
    "Feature code: log in, not ready (default *21)." },
  { "features", "logout", OCC_CONFIG_STRING, 0, 0, "Feature code: log out (default *22)." },
  { "features", "ready", OCC_CONFIG_STRING, 0, 0, "Feature code: ready (default *23)." },
  { "features", "pause", OCC_CONFIG_STRING, 0, 0,
    "Feature code: not ready; reason digits may follow (default *24: *2407 is reason 07)." },
  { "features", "reasons", OCC_CONFIG_STRING_LIST, 0, 0,
    "Names of the reason codes: DIGITS:NAME;… (given: other codes are refused)." },
  { NULL },
};

static gboolean
is_queue_key (const char *key)
{
  for (const OccConfigKey *k = acd_config_schema; k->group; k++)
    if (strcmp (k->group, "queue *") == 0 && strcmp (k->key, key) == 0)
      return TRUE;
  return g_str_has_prefix (key, "strategy-");
}

static gboolean
bad (GError **error, const char *file, const char *group, const char *key, const char *why)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: [%s] %s: %s",
               file ? file : "(config)", group, key, why);
  return FALSE;
}

/* A whole number of seconds (or a count) 0 … @max; @fallback if absent. */
static gboolean
uint_key (GKeyFile *f, const char *file, const char *group, const char *key, guint fallback,
          guint max, guint *out, GError **error)
{
  g_autofree char *v = g_key_file_get_value (f, group, key, NULL);
  if (v == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  g_strstrip (v);
  char *end = NULL;
  errno = 0;
  gint64 n = g_ascii_strtoll (v, &end, 10);
  if (*v == '\0' || *end != '\0' || errno != 0)
    return bad (error, file, group, key, "not a whole number");
  if (n < 0)
    return bad (error, file, group, key, "must not be negative");
  if ((guint64) n > max)
    {
      g_autofree char *why = g_strdup_printf ("at most %u", max);
      return bad (error, file, group, key, why);
    }
  *out = (guint) n;
  return TRUE;
}

static gboolean
bool_key (GKeyFile *f, const char *file, const char *group, const char *key, gboolean fallback,
          gboolean *out, GError **error)
{
  g_autofree char *v = g_key_file_get_value (f, group, key, NULL);
  if (v == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  g_strstrip (v);
  if (g_ascii_strcasecmp (v, "true") == 0 || strcmp (v, "1") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (v, "false") == 0 || strcmp (v, "0") == 0)
    *out = FALSE;
  else
    return bad (error, file, group, key, "true or false");
  return TRUE;
}

static gboolean
relax_key (GKeyFile *f, const char *file, const char *group, AcdQueueConfig *c, GError **error)
{
  g_auto (GStrv) steps = g_key_file_get_string_list (f, group, "relax-skills", NULL, NULL);
  for (guint i = 0; steps && steps[i]; i++)
    {
      g_strstrip (steps[i]);
      if (*steps[i] == '\0')
        continue;
      guint after = 0, drop = 0;
      char tail = 0;
      if (c->n_relax == ACD_MAX_RELAX)
        return bad (error, file, group, "relax-skills", "at most 4 steps");
      if (sscanf (steps[i], "%u:%u%c", &after, &drop, &tail) != 2 || after == 0 || drop == 0
          || drop > 100 || after > 86400)
        return bad (error, file, group, "relax-skills",
                    "steps are AFTER:DROP, seconds 1-86400 and levels 1-100");
      if (c->n_relax && after <= c->relax[c->n_relax - 1].after_s)
        return bad (error, file, group, "relax-skills", "steps must come later and later");
      c->relax[c->n_relax++] = (AcdRelax){ after, drop };
    }
  return TRUE;
}

gboolean
acd_queue_config_read (GKeyFile *f, const char *file, const char *group, const char *name,
                       const char *const *also_allowed, AcdQueueConfig *c, GError **error)
{
  memset (c, 0, sizeof *c);
  /* every key must be known: a typo must not pass unnoticed */
  g_auto (GStrv) keys = g_key_file_get_keys (f, group, NULL, NULL);
  for (guint i = 0; keys && keys[i]; i++)
    {
      gboolean known
          = is_queue_key (keys[i]) || (also_allowed && g_strv_contains (also_allowed, keys[i]));
      if (!known)
        return bad (error, file, group, keys[i], "not a queue key");
    }
  c->name = g_strdup (name);
  g_autofree char *strategy = g_key_file_get_string (f, group, "strategy", NULL);
  c->strategy = g_strdup (strategy && *g_strstrip (strategy) ? strategy : "fifo-priority");
  g_autofree char *overflow = g_key_file_get_string (f, group, "overflow-to", NULL);
  if (overflow && *g_strstrip (overflow))
    c->overflow_to = g_strdup (overflow);
  const guint day = 86400;
  gboolean ok
      = uint_key (f, file, group, "sl-threshold", 20, 3600, &c->sl_threshold_s, error)
        && uint_key (f, file, group, "max-wait", 0, day, &c->max_wait_s, error)
        && uint_key (f, file, group, "max-length", 0, 1000000, &c->max_length, error)
        && bool_key (f, file, group, "join-empty", TRUE, &c->join_empty, error)
        && bool_key (f, file, group, "leave-empty", FALSE, &c->leave_empty, error)
        && uint_key (f, file, group, "overflow-after", 0, day, &c->overflow_after_s, error)
        && uint_key (f, file, group, "wrapup", 0, 3600, &c->wrapup_s, error)
        && uint_key (f, file, group, "ring-timeout", 20, 600, &c->ring_timeout_s, error)
        && uint_key (f, file, group, "max-no-answer", 0, 100, &c->max_no_answer, error)
        && uint_key (f, file, group, "ring-progressive-interval", 5, 600, &c->progressive_s, error)
        && bool_key (f, file, group, "tiers", TRUE, &c->tiers, error)
        && uint_key (f, file, group, "announce-every", 0, 3600, &c->announce_every_s, error)
        && uint_key (f, file, group, "announce-min", 15, 3600, &c->announce_min_s, error)
        && bool_key (f, file, group, "announce-only-better", FALSE, &c->announce_only_better, error)
        && uint_key (f, file, group, "rejoin-window", 0, day, &c->rejoin_window_s, error)
        && relax_key (f, file, group, c, error);
  if (ok && c->overflow_to && c->overflow_after_s == 0)
    ok = bad (error, file, group, "overflow-to", "needs overflow-after");
  if (ok && c->overflow_to && strcmp (c->overflow_to, name) == 0)
    ok = bad (error, file, group, "overflow-to", "names the queue itself");
  if (ok && c->ring_timeout_s == 0)
    ok = bad (error, file, group, "ring-timeout", "must be at least 1");
  if (!ok)
    {
      acd_queue_config_clear (c);
      return FALSE;
    }
  c->strategy_params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; keys && keys[i]; i++)
    if (g_str_has_prefix (keys[i], "strategy-"))
      g_hash_table_insert (c->strategy_params, g_strdup (keys[i] + strlen ("strategy-")),
                           g_key_file_get_string (f, group, keys[i], NULL));
  return TRUE;
}
