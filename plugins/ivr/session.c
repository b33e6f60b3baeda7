/* A session: one flow running on one call. It walks the flow node by
 * node; nodes that need time (prompts, keys, HTTP, the store, the queue,
 * a voice message) leave it waiting for a callback, a key (media.dtmf), a
 * timer or a bus event, which the plugin routes here by interaction id.
 * Every callback finds its session again by id and generation, so a call
 * that ended meanwhile is simply gone.
 *
 * The call is driven through the voice service (answer, enqueue,
 * dequeue, transfer, hangup) and the media service (play, detect_tones,
 * record). */
#include "ivr-private.h"

#include <string.h>

#define MAX_STEPS 1000 /* nodes run without waiting, in a row: a flow that spins */
#define MAX_FAILURES 3 /* runtime errors before the call is let go */
#define CB_NUMBER_MIN 6
#define CB_NUMBER_MAX 15
#define CB_KEY_TIMEOUT_S 8

typedef enum {
  WAIT_NONE,
  WAIT_PROMPT, /* a prompt plays; then s->after */
  WAIT_KEY,    /* menu, question, call-back confirmation: one key */
  WAIT_DIGITS, /* collect, call-back number */
  WAIT_HTTP,
  WAIT_LOOKUP,
  WAIT_QUEUE,   /* in an ACD queue */
  WAIT_MESSAGE, /* a call-back's voice message is recorded */
  WAIT_SAVING,  /* the call-back task is written */
} Wait;

/* What follows a prompt. */
typedef enum {
  AFTER_NEXT,     /* the node's next */
  AFTER_INPUT,    /* wait for keys (the node's time-out starts) */
  AFTER_REPLAY,   /* the node's own prompt again (invalid key, no input) */
  AFTER_HANGUP,   /* self-care end, call-back done, technical problem */
  AFTER_TRANSFER, /* a transfer's announcement */
  AFTER_RECORD,   /* a call-back's "after the tone…": record */
  AFTER_CB_KEYS,  /* a call-back's confirmation */
  AFTER_CB_DIGITS,
} After;

typedef enum {
  CB_NONE,
  CB_CONFIRM, /* 1: the caller's number, 2: another */
  CB_NUMBER,  /* typing the number */
} CbStep;

struct _IvrSession {
  Ivr *ivr;
  char *id;
  IvrFlow *flow;
  const IvrNode *node;
  GHashTable *vars; /* name → value */
  char *lang;
  gboolean survey;
  gboolean answered;
  Wait wait;
  After after;
  guint gen; /* bumped on every wait: stale callbacks are dropped */
  gboolean playing;
  GString *keys; /* digits collected, or typed ahead during a prompt */
  guint tries;
  guint timer;
  GCancellable *cancel;
  guint failures;
  gboolean in_fallback;
  gint64 started_ms;
  gint64 queued_ms;  /* when it joined its queue (a call-back keeps it) */
  const char *queue; /* the queue it waits in (the node's) */
  CbStep cb;
  char *cb_number;
  OccMediaRecording *rec;
  char *rec_path;
  gboolean caller_gone;
  gboolean csat_set;
  const char *end_how; /* how the session ends after its last prompt, if not by its node */
};

static void run (IvrSession *s, const IvrNode *node);
static void fail (IvrSession *s, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
static void finish (IvrSession *s, const char *how, gboolean hang_up);

/* --- callbacks find their session by id and generation ------------------------------------ */

typedef struct {
  Ivr *ivr;
  char *id;
  guint gen;
} Token;

static Token *
token_new (IvrSession *s)
{
  Token *t = g_new0 (Token, 1);
  t->ivr = s->ivr;
  t->id = g_strdup (s->id);
  t->gen = s->gen;
  occ_plugin_hold (s->ivr->plugin);
  return t;
}

static void
token_free (gpointer data)
{
  Token *t = data;
  occ_plugin_release (t->ivr->plugin);
  g_free (t->id);
  g_free (t);
}

static IvrSession *
token_session (Token *t)
{
  IvrSession *s = t->ivr->sessions ? g_hash_table_lookup (t->ivr->sessions, t->id) : NULL;
  return s && s->gen == t->gen ? s : NULL;
}

/* A new wait: what was pending is dropped. */
static void
wait_for (IvrSession *s, Wait w)
{
  s->gen++;
  s->wait = w;
  if (s->timer)
    g_source_remove (s->timer);
  s->timer = 0;
  if (s->cancel)
    {
      g_cancellable_cancel (s->cancel);
      g_clear_object (&s->cancel);
    }
}

static OccMediaLeg *
leg_of (IvrSession *s)
{
  return s->caller_gone ? NULL : s->ivr->voice->caller_leg (s->ivr->voice, s->id);
}

static void
stop_prompt (IvrSession *s)
{
  OccMediaLeg *leg = leg_of (s);
  if (s->playing && leg)
    {
      s->playing = FALSE;
      s->ivr->media->play_stop (leg);
    }
  s->playing = FALSE;
}

/* --- variables ------------------------------------------------------------------------------ */

static const char *
var_lookup (const char *name, gpointer data)
{
  IvrSession *s = data;
  if (strcmp (name, "language") == 0)
    return s->lang;
  const char *v = g_hash_table_lookup (s->vars, name);
  return v ? v : g_hash_table_lookup (s->ivr->site_vars, name);
}

static void
var_unknown (const char *name, gpointer data)
{
  IvrSession *s = data;
  g_message ("call %s, flow %s, node %s: variable %s is not set", s->id,
             ivr_flow_get_name (s->flow), s->node ? s->node->name : "-", name);
}

static IvrVars
vars_of (IvrSession *s)
{
  return (IvrVars){ .lookup = var_lookup, .unknown = var_unknown, .data = s };
}

static void
var_set (IvrSession *s, const char *name, const char *value)
{
  g_hash_table_replace (s->vars, g_strdup (name), g_strdup (value ? value : ""));
}

static GVariant *
vars_variant (IvrSession *s)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, s->vars);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_variant_builder_add (&b, "{sv}", (const char *) k, g_variant_new_string (v));
  return g_variant_builder_end (&b);
}

/* --- events --------------------------------------------------------------------------------- */

static void
publish (IvrSession *s, const char *type, GVariant *payload)
{
  g_autoptr (GError) e = NULL;
  if (occ_bus_publish (occ_plugin_get_bus (s->ivr->plugin), s->ivr->plugin, type, payload, &e) == 0)
    g_warning ("%s: %s", type, e->message);
}

/* --- prompts -------------------------------------------------------------------------------- */

static void on_prompt_done (OccMediaLeg *leg, OccMediaPlayEnd how, const GError *error,
                            gpointer data);
static void prompt_finished (IvrSession *s);

/* The files of @p in the session's language, or NULL (@error says which
 * item could not be found or read out). */
static GPtrArray *
prompt_files (IvrSession *s, const IvrPrompt *p, const char *const *extra_names, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; p && i < p->n_items; i++)
    {
      const IvrPromptItem *it = &p->items[i];
      if (it->name)
        {
          g_ptr_array_add (names, g_strdup (it->name));
          continue;
        }
      static const char *const kinds[] = { "number", "digits", "amount", "date", "time" };
      IvrVars vars = vars_of (s);
      g_autofree char *value = ivr_template_expand (it->value, &vars);
      if (!ivr_say (s->lang, kinds[it->say], value, it->currency, names, error))
        return NULL;
    }
  for (guint i = 0; extra_names && extra_names[i]; i++)
    g_ptr_array_add (names, g_strdup (extra_names[i]));
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < names->len; i++)
    {
      char *path = ivr_prompt_path (s->ivr, s->lang, names->pdata[i]);
      if (path == NULL)
        {
          g_set_error (error, OCC_IVR_ERROR, OCC_IVR_ERROR_NO_FLOW,
                       "prompt %s is in none of the prompt folders (language %s)",
                       (const char *) names->pdata[i], s->lang);
          g_ptr_array_unref (files);
          return NULL;
        }
      g_ptr_array_add (files, path);
    }
  g_ptr_array_add (files, NULL);
  return files;
}

/* Plays @p (then @names), then does @after. A prompt with nothing in it
 * goes straight on. */
static void
say (IvrSession *s, const IvrPrompt *p, const char *const *names, After after)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GPtrArray) files = prompt_files (s, p, names, &e);
  OccMediaLeg *leg = leg_of (s);
  if (files == NULL)
    return fail (s, "%s", e->message);
  if (leg == NULL)
    return finish (s, "caller-hung-up", FALSE);
  wait_for (s, WAIT_PROMPT);
  s->after = after;
  if (files->len <= 1 || ((after == AFTER_INPUT || after == AFTER_CB_KEYS) && s->keys->len > 0))
    return prompt_finished (s); /* nothing to say, or the caller already answered */
  s->playing = TRUE;
  if (!s->ivr->media->play (leg, (const char *const *) files->pdata, 0, on_prompt_done,
                            token_new (s), token_free, &e))
    {
      s->playing = FALSE;
      fail (s, "%s", e->message);
    }
}

static void
say_one (IvrSession *s, const char *name, After after)
{
  const char *names[] = { name, NULL };
  say (s, NULL, names, after);
}

/* --- waiting for keys ------------------------------------------------------------------------ */

static gboolean on_key_timeout (gpointer data);

static void
start_timer (IvrSession *s, guint seconds)
{
  if (s->timer)
    g_source_remove (s->timer);
  Token *t = token_new (s);
  s->timer = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, MAX (seconds, 1), on_key_timeout, t,
                                         token_free);
}

static void key (IvrSession *s, char k);

/* Keys typed ahead (during a prompt that allows barge-in) are used first. */
static void
wait_keys (IvrSession *s, Wait w, guint timeout_s)
{
  g_autofree char *ahead = g_strdup (s->keys->str);
  g_string_truncate (s->keys, 0);
  wait_for (s, w);
  start_timer (s, timeout_s);
  for (const char *c = ahead; *c && s->wait == w; c++)
    key (s, *c);
}

static guint
node_timeout (const IvrNode *n)
{
  switch (n->kind)
    {
    case IVR_NODE_MENU:
      return n->u.menu.timeout;
    case IVR_NODE_COLLECT:
      return n->u.collect.timeout;
    case IVR_NODE_QUESTION:
      return n->u.question.timeout;
    default:
      return CB_KEY_TIMEOUT_S;
    }
}

static guint
node_retries (const IvrNode *n)
{
  switch (n->kind)
    {
    case IVR_NODE_MENU:
      return n->u.menu.retries;
    case IVR_NODE_COLLECT:
      return n->u.collect.retries;
    case IVR_NODE_QUESTION:
      return n->u.question.retries;
    default:
      return 2;
    }
}

static const IvrPrompt *
node_prompt (const IvrNode *n)
{
  switch (n->kind)
    {
    case IVR_NODE_PLAY:
      return &n->u.play.prompt;
    case IVR_NODE_MENU:
      return &n->u.menu.prompt;
    case IVR_NODE_COLLECT:
      return &n->u.collect.prompt;
    case IVR_NODE_QUESTION:
      return &n->u.question.prompt;
    case IVR_NODE_END:
      return &n->u.end.prompt;
    case IVR_NODE_TRANSFER:
      return &n->u.transfer.prompt;
    case IVR_NODE_CALLBACK:
      return &n->u.callback.prompt;
    default:
      return NULL;
    }
}

static void callback_ask (IvrSession *s);
static void callback_confirm (IvrSession *s);
static void callback_confirm_with (IvrSession *s, const IvrPrompt *offer);
static void callback_record (IvrSession *s);
static void callback_message (IvrSession *s);
static void callback_save (IvrSession *s);

/* A wrong key or no key: again, or the node's way out. */
static void
retry (IvrSession *s, gboolean no_input)
{
  const IvrNode *n = s->node;
  if (++s->tries > node_retries (n))
    {
      g_string_truncate (s->keys, 0);
      switch (n->kind)
        {
        case IVR_NODE_MENU:
          return run (s, n->u.menu.on_failure);
        case IVR_NODE_COLLECT:
          return run (s, n->u.collect.on_failure);
        case IVR_NODE_QUESTION:
          return run (s, n->u.question.next); /* no answer: nothing stored */
        default:
          /* a call-back's number never confirmed: no task is made */
          s->end_how = "callback-abandoned";
          return say_one (s, "goodbye", AFTER_HANGUP);
        }
    }
  const IvrPrompt *p = NULL;
  if (n->kind == IVR_NODE_MENU)
    p = no_input ? &n->u.menu.no_input_prompt : &n->u.menu.invalid_prompt;
  g_string_truncate (s->keys, 0);
  if (p && p->n_items > 0)
    say (s, p, NULL, AFTER_REPLAY);
  else
    say_one (s, no_input ? "no-input" : "invalid", AFTER_REPLAY);
}

static gboolean
on_key_timeout (gpointer data)
{
  IvrSession *s = token_session (data);
  if (s == NULL)
    return G_SOURCE_REMOVE;
  s->timer = 0;
  if (s->wait == WAIT_MESSAGE)
    {
      callback_save (s); /* the message's time is up */
      return G_SOURCE_REMOVE;
    }
  if (s->wait == WAIT_QUEUE)
    {
      /* the flow's own max-wait: out of the queue, acd.left brings it back */
      g_autoptr (GError) e = NULL;
      if (!s->ivr->voice->dequeue (s->ivr->voice, s->id, "timeout", &e))
        g_warning ("call %s: %s", s->id, e->message);
      return G_SOURCE_REMOVE;
    }
  if (s->wait == WAIT_DIGITS && s->keys->len > 0)
    {
      key (s, '\0'); /* the inter-digit time-out ends the number */
      return G_SOURCE_REMOVE;
    }
  if (s->wait == WAIT_KEY || s->wait == WAIT_DIGITS)
    retry (s, TRUE);
  return G_SOURCE_REMOVE;
}

static void store_answer (IvrSession *s, const IvrNode *n, int answer);

/* The digits collected are complete (terminator, max, or a pause). */
static void
digits_done (IvrSession *s)
{
  const IvrNode *n = s->node;
  g_autofree char *got = g_strdup (s->keys->str);
  g_string_truncate (s->keys, 0);
  if (s->cb == CB_NUMBER)
    {
      g_autofree char *e164 = strlen (got) >= CB_NUMBER_MIN ? ivr_e164 (s->ivr, got) : NULL;
      if (e164 == NULL)
        return retry (s, FALSE);
      g_free (s->cb_number);
      s->cb_number = g_steal_pointer (&e164);
      return callback_record (s);
    }
  if (strlen (got) < n->u.collect.min)
    return retry (s, FALSE);
  var_set (s, n->u.collect.into, got);
  run (s, n->u.collect.next);
}

/* A key for the node that waits (or '\0': the inter-digit time-out). */
static void
key (IvrSession *s, char k)
{
  const IvrNode *n = s->node;
  if (s->wait == WAIT_KEY)
    {
      if (s->timer)
        g_source_remove (s->timer);
      s->timer = 0;
      if (n->kind == IVR_NODE_MENU)
        {
          const IvrNode *to = ivr_menu_choice (n, k);
          if (to == NULL)
            return retry (s, FALSE);
          var_set (s, "menu.key", (char[]){ k, '\0' });
          return run (s, to);
        }
      if (n->kind == IVR_NODE_QUESTION)
        {
          if (k < '1' || k > '5')
            return retry (s, FALSE);
          store_answer (s, n, k - '0');
          return run (s, n->u.question.next);
        }
      if (s->cb == CB_CONFIRM)
        {
          if (k == '1' && s->cb_number)
            return callback_record (s);
          if (k == '2' || (k == '1' && s->cb_number == NULL))
            {
              s->cb = CB_NUMBER;
              s->tries = 0;
              return say_one (s, "callback-enter-number", AFTER_CB_DIGITS);
            }
          return retry (s, FALSE);
        }
      return;
    }
  if (s->wait != WAIT_DIGITS)
    return;
  gboolean number = s->cb == CB_NUMBER;
  char terminator = number ? '#' : n->u.collect.terminator;
  guint max = number ? CB_NUMBER_MAX : n->u.collect.max;
  if (k == '\0' || (terminator && k == terminator))
    return digits_done (s);
  if (!g_ascii_isdigit (k) && k != '*' && k != '#')
    return;
  g_string_append_c (s->keys, k);
  if (s->keys->len >= max)
    return digits_done (s);
  start_timer (s, number ? 4 : n->u.collect.inter_digit);
}

void
ivr_session_dtmf (IvrSession *s, const char *digit)
{
  char k = digit[0];
  if (s->wait == WAIT_PROMPT)
    {
      gboolean barge = s->node->kind != IVR_NODE_PLAY || s->node->u.play.barge_in;
      if (s->after == AFTER_INPUT || s->after == AFTER_CB_KEYS || s->after == AFTER_CB_DIGITS
          || (s->after == AFTER_NEXT && s->node->kind == IVR_NODE_PLAY && barge)
          || s->after == AFTER_REPLAY)
        {
          /* barge-in: the key stops the prompt and counts for what follows */
          g_string_append_c (s->keys, k);
          if (s->playing)
            stop_prompt (s); /* → on_prompt_done (STOPPED) */
        }
      return;
    }
  if (s->wait == WAIT_QUEUE)
    {
      if (s->node->kind == IVR_NODE_ENQUEUE && s->node->u.enqueue.callback_key == k)
        {
          g_autoptr (GError) e = NULL;
          g_message ("call %s: the caller chose a call-back (key %c) while waiting", s->id, k);
          if (!s->ivr->voice->dequeue (s->ivr->voice, s->id, "callback", &e))
            g_warning ("call %s: %s", s->id, e->message); /* acd.left decides */
        }
      return;
    }
  if (s->wait == WAIT_MESSAGE)
    {
      if (k == '#')
        callback_save (s);
      return;
    }
  key (s, k);
}

static void
on_prompt_done (OccMediaLeg *leg, OccMediaPlayEnd how, const GError *error, gpointer data)
{
  IvrSession *s = token_session (data);
  if (s == NULL || s->wait != WAIT_PROMPT)
    return;
  s->playing = FALSE;
  if (how == OCC_MEDIA_PLAY_FAILED)
    return fail (s, "%s", error ? error->message : "a prompt could not be played");
  prompt_finished (s);
}

/* The prompt ended (to its end, or stopped by a key). */
static void
prompt_finished (IvrSession *s)
{
  const IvrNode *n = s->node;
  switch (s->after)
    {
    case AFTER_NEXT:
      return run (s, n->u.play.next);
    case AFTER_INPUT:
      return wait_keys (s, n->kind == IVR_NODE_COLLECT ? WAIT_DIGITS : WAIT_KEY, node_timeout (n));
    case AFTER_REPLAY:
      if (n->kind == IVR_NODE_CALLBACK)
        return s->cb == CB_NUMBER ? say_one (s, "callback-enter-number", AFTER_CB_DIGITS)
                                  : callback_confirm (s);
      return say (s, node_prompt (n), NULL, AFTER_INPUT);
    case AFTER_HANGUP:
      return finish (s,
                     s->end_how                     ? s->end_how
                     : s->failures > 0              ? "failed"
                     : n->kind == IVR_NODE_END      ? "self-care"
                     : n->kind == IVR_NODE_CALLBACK ? "callback"
                                                    : "hangup",
                     TRUE);
    case AFTER_TRANSFER:
      {
        IvrVars vars = vars_of (s);
        g_autofree char *number = ivr_template_expand (n->u.transfer.number, &vars);
        g_autoptr (GError) e = NULL;
        if (!s->ivr->voice->transfer (s->ivr->voice, s->id, number, &e))
          return fail (s, "transfer to %s: %s", number, e->message);
        var_set (s, "transfer.number", number);
        return finish (s, "transferred", FALSE);
      }
    case AFTER_RECORD:
      return callback_message (s);
    case AFTER_CB_KEYS:
      return wait_keys (s, WAIT_KEY, CB_KEY_TIMEOUT_S);
    case AFTER_CB_DIGITS:
      return wait_keys (s, WAIT_DIGITS, CB_KEY_TIMEOUT_S);
    }
}

/* --- HTTP and the store ------------------------------------------------------------------------ */

static void
on_http (const IvrHttpResult *result, const GError *error, gpointer data)
{
  IvrSession *s = token_session (data);
  token_free (data);
  if (s == NULL || s->wait != WAIT_HTTP)
    return;
  const IvrNode *n = s->node;
  g_clear_object (&s->cancel);
  if (error)
    {
      g_warning ("call %s, flow %s, node %s: %s", s->id, ivr_flow_get_name (s->flow), n->name,
                 error->message);
      var_set (s, "http.error", error->message);
      return run (s, n->u.http.on_error);
    }
  g_autofree char *status = g_strdup_printf ("%u", result->status);
  var_set (s, "http.status", status);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, result->vars);
  while (g_hash_table_iter_next (&it, &k, &v))
    var_set (s, k, v);
  run (s, n->u.http.next);
}

static void
http_node (IvrSession *s, const IvrNode *n)
{
  IvrVars vars = vars_of (s);
  g_autofree char *url = ivr_template_expand_uri (n->u.http.url, &vars);
  g_autofree char *body = n->u.http.body ? ivr_template_expand (n->u.http.body, &vars) : NULL;
  g_autofree IvrHttpPick *picks = g_new0 (IvrHttpPick, MAX (n->u.http.n_set, 1));
  for (guint i = 0; i < n->u.http.n_set; i++)
    picks[i] = (IvrHttpPick){ n->u.http.set[i].var, n->u.http.set[i].path };
  IvrHttpRequest r = {
    .method = n->u.http.method,
    .url = url,
    .body = body,
    .body_len = -1,
    .content_type = n->u.http.content_type,
    .timeout_ms = n->u.http.timeout_ms,
    .picks = picks,
    .n_picks = n->u.http.n_set,
  };
  wait_for (s, WAIT_HTTP);
  s->cancel = g_cancellable_new ();
  ivr_http_request (s->ivr->http, &r, s->cancel, on_http, token_new (s));
}

static void
on_lookup (GVariant *result, const GError *error, gpointer data)
{
  IvrSession *s = token_session (data);
  token_free (data);
  if (s == NULL || s->wait != WAIT_LOOKUP)
    return;
  const IvrNode *n = s->node;
  g_autoptr (GVariant) customer = result ? g_variant_lookup_value (result, "customer", NULL) : NULL;
  if (customer == NULL)
    {
      if (error && !g_error_matches (error, OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_NOT_FOUND))
        g_warning ("call %s, node %s: customer lookup: %s", s->id, n->name, error->message);
      return run (s, n->u.lookup.on_not_found);
    }
  const char *v;
  if (g_variant_lookup (customer, "id", "&s", &v))
    var_set (s, "customer.id", v);
  if (g_variant_lookup (customer, "display_name", "&s", &v))
    var_set (s, "customer.name", v);
  if (g_variant_lookup (customer, "language", "&s", &v))
    var_set (s, "customer.language", v);
  g_autoptr (GVariant) ix = g_variant_lookup_value (result, "interactions", NULL);
  g_autofree char *count = g_strdup_printf ("%zu", ix ? g_variant_n_children (ix) : (gsize) 0);
  var_set (s, "customer.interactions", count);
  run (s, n->u.lookup.next);
}

static void
lookup_node (IvrSession *s, const IvrNode *n)
{
  IvrVars vars = vars_of (s);
  g_autofree char *number = ivr_template_expand (n->u.lookup.number, &vars);
  g_autofree char *e164 = ivr_e164 (s->ivr, number);
  const OccRecordsService *records = ivr_records (s->ivr);
  if (e164 == NULL || records == NULL)
    {
      g_message ("call %s, node %s: no lookup (%s)", s->id, n->name,
                 records ? "not a number" : "no records service");
      return run (s, n->u.lookup.on_not_found);
    }
  wait_for (s, WAIT_LOOKUP);
  records->screen_pop (records, e164, 5, on_lookup, token_new (s));
}

/* Store writes that nobody waits for: logged when they fail. */
static void
on_written (GVariant *result, const GError *error, gpointer data)
{
  char *what = data;
  if (error)
    g_warning ("%s: %s", what, error->message);
  g_free (what);
}

static void
store_answer (IvrSession *s, const IvrNode *n, int answer)
{
  g_autofree char *name = g_strconcat ("survey.", n->name, NULL);
  char text[2] = { (char) ('0' + answer), '\0' };
  var_set (s, name, text);
  const OccRecordsService *records = ivr_records (s->ivr);
  if (records == NULL)
    return;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "interaction_id", "s", s->id);
  g_variant_dict_insert (&d, "question", "s", n->u.question.question);
  g_variant_dict_insert (&d, "answer", "x", (gint64) answer);
  records->put (records, "survey_answer", g_variant_dict_end (&d), on_written,
                g_strdup_printf ("call %s: survey answer", s->id));
  if (!s->csat_set)
    {
      /* the first question answered is the interaction's CSAT */
      s->csat_set = TRUE;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "id", "s", s->id);
      g_variant_dict_insert (&d, "channel", "s", "voice");
      g_variant_dict_insert (&d, "direction", "s", "inbound");
      g_variant_dict_insert (&d, "offered_at", "x", s->started_ms);
      g_variant_dict_insert (&d, "csat", "x", (gint64) answer);
      records->put (records, "interaction", g_variant_dict_end (&d), on_written,
                    g_strdup_printf ("call %s: CSAT", s->id));
    }
}

/* --- call-backs --------------------------------------------------------------------------------- */

static void
callback_ask (IvrSession *s)
{
  s->cb = CB_CONFIRM;
  s->tries = 0;
  const char *caller = g_hash_table_lookup (s->vars, "caller");
  g_free (s->cb_number);
  s->cb_number = caller ? ivr_e164 (s->ivr, caller) : NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  if (s->cb_number == NULL)
    {
      /* a withheld number: it must be typed */
      s->cb = CB_NUMBER;
      g_ptr_array_add (names, g_strdup ("callback-enter-number"));
      g_ptr_array_add (names, NULL);
      return say (s, &s->node->u.callback.prompt, (const char *const *) names->pdata,
                  AFTER_CB_DIGITS);
    }
  callback_confirm_with (s, &s->node->u.callback.prompt);
}

/* "we will call you back on" + the number + "1 to confirm, 2 for another",
 * after @offer (the node's prompt, the first time). */
static void
callback_confirm_with (IvrSession *s, const IvrPrompt *offer)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (names, g_strdup ("callback-confirm-number"));
  g_autoptr (GError) e = NULL;
  if (!ivr_say (s->lang, "digits", s->cb_number, NULL, names, &e))
    return fail (s, "%s", e->message);
  g_ptr_array_add (names, g_strdup ("callback-confirm-keys"));
  g_ptr_array_add (names, NULL);
  say (s, offer, (const char *const *) names->pdata, AFTER_CB_KEYS);
}

static void
callback_confirm (IvrSession *s)
{
  callback_confirm_with (s, NULL);
}

static void
callback_record (IvrSession *s)
{
  s->cb = CB_NONE;
  const char *names[] = { "callback-record", "beep", NULL };
  say (s, NULL, names, AFTER_RECORD);
}

/* After the tone: the caller's voice message, mono, until '#', the
 * node's limit or the hang-up. */
static void
callback_message (IvrSession *s)
{
  const IvrNode *n = s->node;
  OccMediaLeg *leg = leg_of (s);
  if (leg == NULL)
    return callback_save (s);
  g_autoptr (GError) e = NULL;
  g_autofree char *name = g_strdup_printf ("%s.wav", s->id);
  g_free (s->rec_path);
  s->rec_path = g_build_filename (s->ivr->messages_dir, name, NULL);
  OccMediaRecordOptions o = { .channels = 1, .format = OCC_MEDIA_RECORD_WAV_ALAW };
  s->rec = s->ivr->media->record_start (s->ivr->media, s->rec_path, &o, &e);
  if (s->rec && !s->ivr->media->record_attach (s->rec, leg, 0, &e))
    {
      s->ivr->media->record_stop (s->rec, NULL, NULL, NULL);
      s->rec = NULL;
    }
  if (s->rec == NULL)
    {
      g_warning ("call %s: the call-back message cannot be recorded: %s", s->id, e->message);
      return callback_save (s); /* the task without a message */
    }
  wait_for (s, WAIT_MESSAGE);
  Token *t = token_new (s);
  s->timer = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, MAX (n->u.callback.max_message, 1),
                                         on_key_timeout, t, token_free);
}

typedef struct {
  Token *t;
  Ivr *ivr;
  char *id;
  char *queue;
  char *number;
  gint64 requested_ms;
} CbTask;

static void
cb_task_free (CbTask *c)
{
  token_free (c->t);
  g_free (c->id);
  g_free (c->queue);
  g_free (c->number);
  g_free (c);
}

static void
on_task_written (GVariant *result, const GError *error, gpointer data)
{
  CbTask *c = data;
  if (error)
    g_warning ("call %s: the call-back task could not be written: %s", c->id, error->message);
  else
    g_message ("call %s: call-back task for %s in queue %s", c->id, c->number, c->queue);
  IvrSession *s = token_session (c->t);
  if (s && s->wait == WAIT_SAVING)
    {
      if (error)
        say_one (s, "technical-problem", AFTER_HANGUP);
      else if (s->node->u.callback.next)
        run (s, s->node->u.callback.next);
      else
        say_one (s, "callback-done", AFTER_HANGUP);
    }
  cb_task_free (c);
}

static void
write_task (CbTask *c, const char *recording_id)
{
  const OccRecordsService *records = ivr_records (c->ivr);
  if (records == NULL)
    {
      GError e = { OCC_RECORDS_ERROR, OCC_RECORDS_ERROR_STORE, (char *) "no records service" };
      return on_task_written (NULL, &e, c);
    }
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "interaction_id", "s", c->id);
  g_variant_dict_insert (&d, "queue_id", "s", c->queue);
  g_variant_dict_insert (&d, "number", "s", c->number);
  /* served in the order the caller first joined */
  g_variant_dict_insert (&d, "requested_at", "x", c->requested_ms);
  g_variant_dict_insert (&d, "due_at", "x", g_get_real_time () / 1000);
  g_variant_dict_insert (&d, "state", "s", "pending");
  if (recording_id)
    g_variant_dict_insert (&d, "message_recording_id", "s", recording_id);
  records->put (records, "callback", g_variant_dict_end (&d), on_task_written, c);
}

static void
on_message_row (GVariant *result, const GError *error, gpointer data)
{
  CbTask *c = data;
  const char *rid = NULL;
  if (error)
    g_warning ("call %s: the call-back message's row: %s", c->id, error->message);
  else
    g_variant_lookup (result, "id", "&s", &rid);
  write_task (c, rid);
}

static void
on_message_recorded (const OccMediaRecordResult *r, const GError *error, gpointer data)
{
  CbTask *c = data;
  const OccRecordsService *records = ivr_records (c->ivr);
  if (r == NULL || records == NULL)
    {
      if (error)
        g_warning ("call %s: the call-back message: %s", c->id, error->message);
      return write_task (c, NULL);
    }
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "interaction_id", "s", c->id);
  g_variant_dict_insert (&d, "path", "s", r->path);
  g_variant_dict_insert (&d, "format", "s", r->format);
  g_variant_dict_insert (&d, "duration_ms", "x", (gint64) r->duration_ms);
  g_variant_dict_insert (&d, "sha256", "s", r->sha256);
  records->put (records, "recording", g_variant_dict_end (&d), on_message_row, c);
}

/* The message is complete: its recording's row, then the task. */
static void
callback_save (IvrSession *s)
{
  const IvrNode *n = s->node;
  CbTask *c = g_new0 (CbTask, 1);
  wait_for (s, WAIT_SAVING);
  c->t = token_new (s);
  c->ivr = s->ivr;
  c->id = g_strdup (s->id);
  c->queue = g_strdup (n->u.callback.queue);
  c->number = g_strdup (s->cb_number);
  c->requested_ms = s->queued_ms ? s->queued_ms : s->started_ms;
  OccMediaRecording *rec = g_steal_pointer (&s->rec);
  if (rec)
    s->ivr->media->record_stop (rec, on_message_recorded, c, NULL);
  else
    write_task (c, NULL);
}

/* --- nodes ---------------------------------------------------------------------------------------- */

static void
enqueue_node (IvrSession *s, const IvrNode *n)
{
  g_autoptr (GError) e = NULL;
  g_autofree char *moh = ivr_prompt_path (s->ivr, s->lang, s->ivr->moh);
  GVariantDict x;
  g_variant_dict_init (&x, NULL);
  g_variant_dict_insert_value (&x, "variables", vars_variant (s));
  g_variant_dict_insert (&x, "language", "s", s->lang);
  g_variant_dict_insert (&x, "flow", "s", ivr_flow_get_name (s->flow));
  g_autoptr (GVariant) extra = g_variant_ref_sink (g_variant_dict_end (&x));
  wait_for (s, WAIT_QUEUE);
  if (s->queued_ms == 0)
    s->queued_ms = g_get_real_time () / 1000;
  if (!s->ivr->voice->enqueue (s->ivr->voice, s->id, n->u.enqueue.queue, n->u.enqueue.priority,
                               (const char *const *) n->u.enqueue.skills, extra, moh,
                               n->u.enqueue.survey, &e))
    return fail (s, "queue %s: %s", n->u.enqueue.queue, e->message);
  if (n->u.enqueue.max_wait)
    {
      Token *t = token_new (s);
      s->timer = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, n->u.enqueue.max_wait,
                                             on_key_timeout, t, token_free);
    }
}

void
ivr_session_left (IvrSession *s, const char *queue, const char *reason)
{
  if (s->wait != WAIT_QUEUE)
    return;
  const IvrNode *n = s->node;
  g_message ("call %s left queue %s (%s): back in flow %s", s->id, queue, reason,
             ivr_flow_get_name (s->flow));
  var_set (s, "queue.left", reason);
  if (n->u.enqueue.on_timeout)
    return run (s, n->u.enqueue.on_timeout);
  fail (s, "queue %s: %s, and node %s has no on-timeout", queue, reason, n->name);
}

/* Runs from @node until something waits. */
static void
run (IvrSession *s, const IvrNode *node)
{
  for (guint steps = 0; node != NULL; steps++)
    {
      if (steps >= MAX_STEPS)
        return fail (s, "%u nodes in a row without waiting", MAX_STEPS);
      if (s->caller_gone)
        return finish (s, "caller-hung-up", FALSE);
      const IvrNode *n = s->node = node;
      node = NULL;
      s->tries = 0;
      s->cb = CB_NONE;
      wait_for (s, WAIT_NONE);
      GVariantDict x;
      g_variant_dict_init (&x, NULL);
      g_variant_dict_insert (&x, "kind", "s", ivr_node_kind_to_string (n->kind));
      publish (s, OCC_EVENT_IVR_NODE,
               g_variant_new ("(sss@a{sv})", s->id, ivr_flow_get_name (s->flow), n->name,
                              g_variant_dict_end (&x)));
      IvrVars vars = vars_of (s);
      switch (n->kind)
        {
        case IVR_NODE_PLAY:
          return say (s, &n->u.play.prompt, NULL, AFTER_NEXT);
        case IVR_NODE_MENU:
        case IVR_NODE_COLLECT:
        case IVR_NODE_QUESTION:
          return say (s, node_prompt (n), NULL, AFTER_INPUT);
        case IVR_NODE_HTTP:
          return http_node (s, n);
        case IVR_NODE_LOOKUP:
          return lookup_node (s, n);
        case IVR_NODE_CONDITION:
          {
            g_autoptr (GDateTime) now = g_date_time_new_now_local ();
            node = ivr_flow_eval_condition (s->flow, n, &vars, now);
            break;
          }
        case IVR_NODE_LANGUAGE:
          {
            g_autofree char *lang = ivr_template_expand (n->u.language.language, &vars);
            if (strlen (lang) == 2 && g_ascii_isalpha (lang[0]) && g_ascii_isalpha (lang[1]))
              {
                g_free (s->lang);
                s->lang = g_ascii_strdown (lang, -1);
              }
            else
              g_message ("call %s, node %s: %s is not a language", s->id, n->name, lang);
            node = n->u.language.next;
            break;
          }
        case IVR_NODE_SET:
          for (guint i = 0; i < n->u.set.n_values; i++)
            {
              g_autofree char *v = ivr_template_expand (n->u.set.values[i].value, &vars);
              var_set (s, n->u.set.values[i].var, v);
            }
          node = n->u.set.next;
          break;
        case IVR_NODE_ENQUEUE:
          return enqueue_node (s, n);
        case IVR_NODE_TRANSFER:
          return say (s, &n->u.transfer.prompt, NULL, AFTER_TRANSFER);
        case IVR_NODE_END:
          return say (s, &n->u.end.prompt, NULL, AFTER_HANGUP);
        case IVR_NODE_CALLBACK:
          return callback_ask (s);
        case IVR_NODE_HANGUP:
          return finish (s, "hangup", TRUE);
        }
    }
}

/* --- errors and the end ---------------------------------------------------------------------- */

static void
fail (IvrSession *s, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_warning ("call %s, flow %s, node %s: %s", s->id, ivr_flow_get_name (s->flow),
             s->node ? s->node->name : "-", msg);
  var_set (s, "error", msg);
  s->failures++;
  const IvrNode *fallback = ivr_flow_get_fallback (s->flow);
  if (s->failures <= MAX_FAILURES && fallback && !s->in_fallback && leg_of (s))
    {
      s->in_fallback = TRUE;
      return run (s, fallback);
    }
  /* the caller hears that something went wrong, if that can be said */
  g_autofree char *path = ivr_prompt_path (s->ivr, s->lang, "technical-problem");
  if (s->failures <= MAX_FAILURES && path && leg_of (s))
    {
      s->failures = MAX_FAILURES;
      return say_one (s, "technical-problem", AFTER_HANGUP);
    }
  finish (s, "failed", TRUE);
}

/* The interaction's row: what the IVR learnt (its variables). */
static void
record_variables (IvrSession *s)
{
  const OccRecordsService *records = ivr_records (s->ivr);
  if (records == NULL || s->survey)
    return;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "id", "s", s->id);
  g_variant_dict_insert (&d, "channel", "s", "voice");
  g_variant_dict_insert (&d, "direction", "s", "inbound");
  const char *v;
  if ((v = g_hash_table_lookup (s->vars, "caller")))
    g_variant_dict_insert (&d, "from_addr", "s", v);
  if ((v = g_hash_table_lookup (s->vars, "called")))
    g_variant_dict_insert (&d, "to_addr", "s", v);
  g_variant_dict_insert (&d, "offered_at", "x", s->started_ms);
  g_variant_dict_insert_value (&d, "variables", vars_variant (s));
  records->put (records, "interaction", g_variant_dict_end (&d), on_written,
                g_strdup_printf ("call %s: the interaction's variables", s->id));
}

/* The flow is done with the call: @how for ivr.ended; @hang_up asks the
 * voice service to end the call. */
static void
finish (IvrSession *s, const char *how, gboolean hang_up)
{
  Ivr *ivr = s->ivr;
  g_autofree char *id = g_strdup (s->id);
  if (!g_hash_table_steal (ivr->sessions, s->id))
    return;
  if (s->rec)
    callback_save (s); /* the caller hung up during the message: keep what was said */
  wait_for (s, WAIT_NONE);
  OccMediaLeg *leg = leg_of (s);
  if (leg)
    {
      stop_prompt (s);
      ivr->media->detect_tones (leg, FALSE);
    }
  ivr->ended++;
  gpointer n = g_hash_table_lookup (ivr->how, how);
  g_hash_table_replace (ivr->how, g_strdup (how), GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
  g_message ("call %s: flow %s ended (%s)", s->id, ivr_flow_get_name (s->flow), how);
  GVariantDict x;
  g_variant_dict_init (&x, NULL);
  g_variant_dict_insert_value (&x, "variables", vars_variant (s));
  publish (s, OCC_EVENT_IVR_ENDED,
           g_variant_new ("(sss@a{sv})", s->id, ivr_flow_get_name (s->flow), how,
                          g_variant_dict_end (&x)));
  record_variables (s);
  gboolean gone = s->caller_gone;
  ivr_session_free (s);
  if (hang_up && !gone)
    {
      g_autoptr (GError) e = NULL;
      if (!ivr->voice->hangup (ivr->voice, id, &e))
        g_message ("call %s: %s", id, e->message);
    }
}

void
ivr_session_connected (IvrSession *s, const char *agent)
{
  var_set (s, "agent", agent);
  finish (s, "enqueued", FALSE);
}

void
ivr_session_ended (IvrSession *s, const char *reason)
{
  s->caller_gone = TRUE;
  /* hanging up is how many callers end their message: it is kept */
  finish (s, s->rec || s->wait == WAIT_SAVING ? "callback" : "caller-hung-up", FALSE);
}

void
ivr_session_free (IvrSession *s)
{
  if (s->timer)
    g_source_remove (s->timer);
  if (s->cancel)
    {
      g_cancellable_cancel (s->cancel);
      g_object_unref (s->cancel);
    }
  if (s->rec)
    s->ivr->media->record_stop (s->rec, NULL, NULL, NULL);
  ivr_flow_unref (s->flow);
  g_hash_table_unref (s->vars);
  g_string_free (s->keys, TRUE);
  g_free (s->lang);
  g_free (s->cb_number);
  g_free (s->rec_path);
  g_free (s->id);
  g_free (s);
}

GVariant *
ivr_session_describe (IvrSession *s)
{
  static const char *const waits[]
      = { "running", "prompt", "key", "digits", "http", "lookup", "queue", "message", "saving" };
  return g_variant_new_parsed ("{'id': <%s>, 'flow': <%s>, 'node': <%s>, 'waiting': <%s>, "
                               "'language': <%s>, 'survey': <%b>}",
                               s->id, ivr_flow_get_name (s->flow), s->node ? s->node->name : "",
                               waits[s->wait], s->lang, s->survey);
}

gboolean
ivr_session_start (Ivr *ivr, const char *id, const char *flow_name, GVariant *call, GError **error)
{
  gboolean running = g_hash_table_contains (ivr->sessions, id);
  if (running || g_hash_table_size (ivr->sessions) >= ivr->max_sessions)
    {
      g_set_error (error, OCC_IVR_ERROR, OCC_IVR_ERROR_BUSY, "call %s: %s", id,
                   running ? "already in the IVR" : "the IVR is at its session limit");
      return FALSE;
    }
  IvrFlow *flow = ivr_flow_set_lookup (ivr->flows, flow_name);
  if (flow == NULL)
    {
      g_set_error (error, OCC_IVR_ERROR, OCC_IVR_ERROR_NO_FLOW, "call %s: no flow named %s", id,
                   flow_name);
      return FALSE;
    }
  OccMediaLeg *leg = ivr->voice->caller_leg (ivr->voice, id);
  if (leg == NULL)
    {
      ivr_flow_unref (flow);
      g_set_error (error, OCC_IVR_ERROR, OCC_IVR_ERROR_NO_FLOW, "call %s: no such call", id);
      return FALSE;
    }
  IvrSession *s = g_new0 (IvrSession, 1);
  s->ivr = ivr;
  s->id = g_strdup (id);
  s->flow = flow;
  s->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s->keys = g_string_new (NULL);
  s->lang = g_strdup (ivr_flow_get_language (flow));
  s->started_ms = g_get_real_time () / 1000;
  const char *v;
  gboolean b;
  if (call && g_variant_lookup (call, "caller", "&s", &v))
    var_set (s, "caller", v);
  if (call && g_variant_lookup (call, "called", "&s", &v))
    var_set (s, "called", v);
  if (call && g_variant_lookup (call, "trunk", "&s", &v))
    var_set (s, "trunk", v);
  if (call && g_variant_lookup (call, "survey", "b", &b))
    s->survey = b;
  var_set (s, "interaction", id);
  g_autoptr (GError) e = NULL;
  if (!ivr->voice->answer (ivr->voice, id, &e))
    {
      ivr_session_free (s);
      g_propagate_error (error, g_steal_pointer (&e));
      return FALSE;
    }
  g_hash_table_insert (ivr->sessions, s->id, s);
  ivr->started++;
  ivr->media->detect_tones (leg, TRUE);
  g_message ("call %s: flow %s%s", id, flow_name, s->survey ? " (survey)" : "");
  run (s, ivr_flow_get_start (flow));
  return TRUE;
}
