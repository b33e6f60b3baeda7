/* dialer: the engine (see engine.h). Contacts wait in two ordered sets:
 * "due" (dialable now, in serving order) and "waiting" (by the time they
 * come due: retries, call-backs, guards). Calls carry one deadline each
 * (setup, ring time-out, information message); the books the compliance
 * report and the pacing read are kept as the events come (calls.c: what
 * happens to a call once started). */
#include "engine-private.h"

#include <string.h>

void
engine_complain (DialerEngine *e, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (e->complain)
    e->complain (msg, e->complain_data);
  else
    g_debug ("campaign %s: %s", e->s.name, msg);
}

/* --- ordering ---------------------------------------------------------------------------- */

/* Call-backs first at their time, then priority, then the original order. */
static gint
due_cmp (gconstpointer a, gconstpointer b, gpointer data)
{
  const Contact *x = a, *y = b;
  (void) data;
  gboolean cx = x->callback_at > 0, cy = y->callback_at > 0;
  if (cx != cy)
    return cx ? -1 : 1;
  if (cx && x->callback_at != y->callback_at)
    return x->callback_at < y->callback_at ? -1 : 1;
  if (x->priority != y->priority)
    return x->priority > y->priority ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static gint
waiting_cmp (gconstpointer a, gconstpointer b, gpointer data)
{
  const Contact *x = a, *y = b;
  (void) data;
  if (x->next_at != y->next_at)
    return x->next_at < y->next_at ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
unlist (Contact *c)
{
  if (c->iter)
    g_sequence_remove (c->iter);
  c->iter = NULL;
}

void
engine_make_due (DialerEngine *e, Contact *c)
{
  unlist (c);
  c->state = DIALER_CONTACT_DUE;
  c->iter = g_sequence_insert_sorted (e->due, c, due_cmp, NULL);
}

void
engine_make_waiting (DialerEngine *e, Contact *c, gint64 at)
{
  unlist (c);
  c->state = DIALER_CONTACT_WAITING;
  c->next_at = at;
  c->iter = g_sequence_insert_sorted (e->waiting, c, waiting_cmp, NULL);
}

void
engine_make_done (Contact *c, const char *why)
{
  unlist (c);
  c->state = DIALER_CONTACT_DONE;
  c->done_why = why;
}

static void
passed_over (DialerEngine *e, Contact *c)
{
  if (e->passed_over)
    e->passed_over (c->id, e->passed_over_data);
}

void
engine_pass_over (DialerEngine *e, Contact *c)
{
  guint32 all = c->n_numbers == 32 ? G_MAXUINT32 : (1u << c->n_numbers) - 1;
  engine_make_done (c, (c->dnc & all) == all ? "do-not-call" : "no-number");
  passed_over (e, c);
}

/* --- life ---------------------------------------------------------------------------------- */

static void
contact_free (Contact *c)
{
  g_free (c->id);
  g_strfreev (c->numbers);
  g_free (c);
}

static void
agent_free (Agent *a)
{
  g_free (a->login);
  g_free (a);
}

DialerEngine *
dialer_engine_new (const DialerSettings *settings, const OccDialerPacing *pacing, guint32 seed,
                   GError **error)
{
  g_return_val_if_fail (settings && pacing && pacing->decide, NULL);
  DialerEngine *e = g_new0 (DialerEngine, 1);
  e->s = *settings;
  e->s.name = g_strdup (settings->name);
  e->s.pacing = g_strdup (settings->pacing);
  e->s.timezone = g_strdup (settings->timezone);
  e->s.tz = g_time_zone_ref (settings->tz);
  e->s.pacing_params = g_hash_table_ref (settings->pacing_params);
  e->pacing = pacing;
  e->rand = g_rand_new_with_seed (seed);
  e->contacts
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) contact_free);
  e->due = g_sequence_new (NULL);
  e->waiting = g_sequence_new (NULL);
  e->calls = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  e->agents = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) agent_free);
  e->agent_order = g_ptr_array_new ();
  e->dnc = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  e->guard = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  e->actions = g_array_new (FALSE, FALSE, sizeof (DialerAction));
  e->ctx_agents = g_array_new (FALSE, FALSE, sizeof (OccDialerAgent));
  e->picks = g_array_new (FALSE, FALSE, sizeof (guint));
  dialer_figures_init (&e->fig);
  if (pacing->state_new)
    {
      e->pstate = pacing->state_new (pacing, e->s.name, e->s.pacing_params, error);
      if (e->pstate == NULL)
        {
          dialer_engine_free (e);
          return NULL;
        }
    }
  return e;
}

void
dialer_engine_free (DialerEngine *e)
{
  if (e == NULL)
    return;
  if (e->pstate && e->pacing->state_free)
    e->pacing->state_free (e->pstate);
  g_sequence_free (e->due);
  g_sequence_free (e->waiting);
  g_hash_table_unref (e->contacts);
  g_hash_table_unref (e->calls);
  g_ptr_array_unref (e->agent_order);
  g_hash_table_unref (e->agents);
  g_hash_table_unref (e->dnc);
  g_hash_table_unref (e->guard);
  g_array_unref (e->actions);
  g_array_unref (e->ctx_agents);
  g_array_unref (e->picks);
  dialer_figures_clear (&e->fig);
  g_rand_free (e->rand);
  dialer_settings_clear (&e->s);
  g_free (e);
}

void
dialer_engine_set_dnc (DialerEngine *e, DialerDncFunc func, gpointer data)
{
  e->dnc_func = func;
  e->dnc_data = data;
}

void
dialer_engine_set_complain (DialerEngine *e, DialerComplainFunc func, gpointer data)
{
  e->complain = func;
  e->complain_data = data;
}

void
dialer_engine_set_passed_over (DialerEngine *e, DialerContactFunc func, gpointer data)
{
  e->passed_over = func;
  e->passed_over_data = data;
}

void
dialer_engine_set_paused (DialerEngine *e, gboolean paused)
{
  e->paused = paused;
}

gboolean
dialer_engine_add_contact (DialerEngine *e, const DialerContactSpec *spec, gint64 now,
                           GError **error)
{
  g_return_val_if_fail (e && spec && spec->id, FALSE);
  guint n = spec->numbers ? g_strv_length ((char **) spec->numbers) : 0;
  if (n == 0 || n > MAX_NUMBERS)
    {
      g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID, "contact %s: needs 1 to %d numbers",
                   spec->id, MAX_NUMBERS);
      return FALSE;
    }
  if (g_hash_table_contains (e->contacts, spec->id))
    {
      g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID, "contact %s: added twice", spec->id);
      return FALSE;
    }
  dialer_figures_start (&e->fig, now);
  Contact *c = g_new0 (Contact, 1);
  c->id = g_strdup (spec->id);
  c->numbers = g_strdupv ((char **) spec->numbers);
  c->n_numbers = n;
  c->priority = spec->priority;
  c->seq = e->next_seq++;
  c->callback_at = spec->callback_at;
  c->attempts = c->earlier = spec->attempts;
  c->last = OCC_DIALER_N_OUTCOMES;
  c->disposition = -1;
  g_hash_table_insert (e->contacts, c->id, c);
  /* a call-back is owed its call, whatever was made before */
  if (c->callback_at > 0 && c->attempts >= e->s.max_attempts)
    c->callbacks = c->attempts - e->s.max_attempts + 1;
  if (c->attempts >= e->s.max_attempts + c->callbacks)
    {
      engine_make_done (c, "attempts");
      passed_over (e, c);
    }
  else if (c->callback_at > now)
    engine_make_waiting (e, c, c->callback_at);
  else
    engine_make_due (e, c);
  return TRUE;
}

/* --- agents -------------------------------------------------------------------------------- */

void
engine_agent_set (DialerEngine *e, Agent *a, OccDialerAgentState state, gint64 now)
{
  if (state == OCC_DIALER_AGENT_FREE && a->handle_start)
    {
      dialer_stat_add (&e->fig.handle, (double) (now - a->handle_start) / G_USEC_PER_SEC);
      e->fig.handle_us += now - a->handle_start;
      a->handle_start = 0;
    }
  if (state == OCC_DIALER_AGENT_FREE || state == OCC_DIALER_AGENT_LOGGED_OUT)
    a->call = NULL;
  a->state = state;
  a->since = now;
}

gboolean
dialer_engine_agent_state (DialerEngine *e, const char *login, OccDialerAgentState state,
                           gint64 now)
{
  g_return_val_if_fail (e && login, FALSE);
  dialer_figures_start (&e->fig, now);
  Agent *a = g_hash_table_lookup (e->agents, login);
  if (a == NULL)
    {
      if (state != OCC_DIALER_AGENT_FREE)
        return engine_complain (e, "agent %s: unknown until it is free", login), FALSE;
      a = g_new0 (Agent, 1);
      a->login = g_strdup (login);
      a->state = OCC_DIALER_AGENT_LOGGED_OUT;
      g_hash_table_insert (e->agents, a->login, a);
      g_ptr_array_add (e->agent_order, a);
    }
  if (state == OCC_DIALER_AGENT_RESERVED)
    return engine_complain (e, "agent %s: only the engine reserves agents", login), FALSE;
  if (a->state == OCC_DIALER_AGENT_RESERVED && state != OCC_DIALER_AGENT_LOGGED_OUT)
    return engine_complain (e, "agent %s: reserved for a record", login), FALSE;
  if (a->preview)
    {
      /* logged out while previewing: the record is served again */
      engine_make_due (e, a->preview);
      a->preview->agent = NULL;
      a->preview = NULL;
    }
  if (a->call && a->call->agent == a && a->call->state != CALL_CONNECTED)
    a->call->agent = NULL; /* its own call goes on without it (the ACD may take it) */
  engine_agent_set (e, a, state, now);
  return TRUE;
}

/* --- actions ------------------------------------------------------------------------------- */

void
engine_emit (DialerEngine *e, DialerActionType type, Call *call, Contact *c, const char *number,
             Agent *a)
{
  DialerAction act = { .type = type,
                       .call = call ? call->id : 0,
                       .contact = c ? c->id : NULL,
                       .number = number,
                       .agent = a ? a->login : NULL };
  g_array_append_val (e->actions, act);
}

static gboolean
is_dnc (DialerEngine *e, const char *number)
{
  return g_hash_table_contains (e->dnc, number)
         || (e->dnc_func && e->dnc_func (number, e->dnc_data));
}

static gint64
guard_end (DialerEngine *e, const char *number)
{
  gint64 *until = g_hash_table_lookup (e->guard, number);
  return until ? *until : 0;
}

/* The number to dial for @c now: not wrong, not do-not-call, not in its
 * abandon guard (unless @reserved). -1 when none; *retry_at is then when
 * a guarded one frees up (0: none will). */
int
engine_pick_number (DialerEngine *e, Contact *c, gboolean reserved, gint64 now, gint64 *retry_at)
{
  *retry_at = 0;
  for (guint i = 0; i < c->n_numbers; i++)
    {
      guint k = (c->next_number + i) % c->n_numbers;
      if (c->bad & (1u << k))
        continue;
      if (is_dnc (e, c->numbers[k]))
        {
          c->bad |= 1u << k;
          c->dnc |= 1u << k;
          continue;
        }
      gint64 until = guard_end (e, c->numbers[k]);
      if (!reserved && until > now)
        {
          if (*retry_at == 0 || until < *retry_at)
            *retry_at = until;
          continue;
        }
      return (int) k;
    }
  return -1;
}

/* The first due contact that has a number to dial now, taken off the
 * due set (others met on the way are parked: guard, no number). */
static Contact *
take_next (DialerEngine *e, gboolean reserved, gint64 now, int *number)
{
  while (g_sequence_get_length (e->due) > 0)
    {
      Contact *c = g_sequence_get (g_sequence_get_begin_iter (e->due));
      gint64 retry_at;
      *number = engine_pick_number (e, c, reserved, now, &retry_at);
      if (*number >= 0)
        {
          unlist (c);
          return c;
        }
      if (retry_at)
        {
          engine_make_waiting (e, c, retry_at);
          passed_over (e, c);
        }
      else
        engine_pass_over (e, c);
    }
  return NULL;
}

Call *
engine_dial (DialerEngine *e, Contact *c, int number, Agent *agent, gint64 now)
{
  const char *n = c->numbers[number];
  /* the last gate: whatever led here, these are never dialed */
  if (!dialer_settings_in_window (&e->s, now) || is_dnc (e, n)
      || (agent == NULL && guard_end (e, n) > now))
    {
      engine_complain (e, "contact %s: %s refused at the last gate", c->id, n);
      engine_make_due (e, c);
      return NULL;
    }
  Call *call = g_new0 (Call, 1);
  call->id = ++e->next_call;
  call->contact = c;
  call->number = n;
  call->agent = agent;
  call->state = CALL_DIALING;
  call->dialed = now;
  call->deadline = now + (gint64) e->s.setup_timeout_s * G_USEC_PER_SEC;
  g_hash_table_insert (e->calls, &call->id, call);
  e->dialing++;
  c->state = DIALER_CONTACT_CALLING;
  c->attempts++;
  c->last_number = n;
  c->next_number = ((guint) number + 1) % c->n_numbers;
  if (c->callback_at && c->callback_at <= now)
    c->callback_at = 0; /* served */
  if (agent)
    agent->call = call;
  e->fig.dials++;
  /* counted from the call as made, apart from the gate above */
  e->fig.calls_outside_window += !dialer_settings_in_window (&e->s, call->dialed);
  e->fig.dnc_hits += is_dnc (e, call->number);
  e->fig.guard_breaches += agent == NULL && guard_end (e, call->number) > call->dialed;
  engine_emit (e, DIALER_ACTION_DIAL, call, c, n, agent);
  return call;
}

/* --- the tick ------------------------------------------------------------------------------ */

void
engine_build_context (DialerEngine *e, gint64 now, OccDialerPacingContext *ctx)
{
  memset (ctx, 0, sizeof *ctx);
  g_array_set_size (e->ctx_agents, 0);
  for (guint i = 0; i < e->agent_order->len; i++)
    {
      Agent *a = g_ptr_array_index (e->agent_order, i);
      if (a->state == OCC_DIALER_AGENT_LOGGED_OUT)
        continue;
      OccDialerAgent x = { a->login, a->state, a->since, a->handle_start, a->handled };
      g_array_append_val (e->ctx_agents, x);
      ctx->agents_free += a->state == OCC_DIALER_AGENT_FREE;
      ctx->agents_reserved += a->state == OCC_DIALER_AGENT_RESERVED;
      ctx->agents_busy += a->state == OCC_DIALER_AGENT_BUSY;
      ctx->agents_wrap_up += a->state == OCC_DIALER_AGENT_WRAP_UP;
    }
  ctx->campaign = e->s.name;
  ctx->state = e->pstate;
  ctx->now = now;
  ctx->rand = e->rand;
  ctx->agents = (const OccDialerAgent *) e->ctx_agents->data;
  ctx->n_agents = e->ctx_agents->len;
  ctx->calls_dialing = e->dialing;
  ctx->calls_ringing = e->ringing;
  ctx->calls_waiting = e->waiting_calls;
  ctx->contacts_due = g_sequence_get_length (e->due);
  guint lines = ctx->n_agents * e->s.max_lines_per_agent;
  guint busy_lines = e->dialing + e->ringing + e->waiting_calls;
  ctx->max_new_calls = MIN (lines > busy_lines ? lines - busy_lines : 0, ctx->contacts_due);
  ctx->ring_timeout_s = e->s.ring_timeout_s;
  ctx->abandon_target = e->s.abandon_target;
  ctx->abandon_window = e->s.abandon_window_s * G_USEC_PER_SEC;
  ctx->info_message_s = e->s.info_message_s;
  dialer_figures_context (&e->fig, now, ctx);
}

static void
preview (DialerEngine *e, const OccDialerPacingContext *ctx, const OccDialerDecision *d, gint64 now)
{
  for (guint i = 0; i < d->n_agents; i++)
    {
      guint k = d->agents[i];
      Agent *a = k < ctx->n_agents ? g_hash_table_lookup (e->agents, ctx->agents[k].login) : NULL;
      if (a == NULL || a->state != OCC_DIALER_AGENT_FREE)
        {
          engine_complain (e, "pacing %s: preview pick %u is not a free agent: dropped",
                           e->pacing->name, k);
          continue;
        }
      int number;
      Contact *c = take_next (e, TRUE, now, &number);
      if (c == NULL)
        return;
      c->state = DIALER_CONTACT_PREVIEWING;
      c->agent = a;
      a->preview = c;
      engine_agent_set (e, a, OCC_DIALER_AGENT_RESERVED, now);
      engine_emit (e, DIALER_ACTION_PREVIEW, NULL, c, c->numbers[number], a);
    }
}

static void
pace (DialerEngine *e, gint64 now)
{
  OccDialerPacingContext ctx;
  engine_build_context (e, now, &ctx);
  if (ctx.n_agents == 0 || ctx.contacts_due == 0)
    return;
  g_array_set_size (e->picks, ctx.n_agents);
  OccDialerDecision d = { .agents = (guint *) e->picks->data };
  e->pacing->decide (&ctx, &d);
  if (e->pacing->flags & OCC_DIALER_PACING_PREVIEW)
    {
      d.n_agents = MIN (d.n_agents, ctx.n_agents);
      preview (e, &ctx, &d, now);
      return;
    }
  if (d.calls > ctx.max_new_calls)
    {
      engine_complain (e, "pacing %s: %u calls asked, %u allowed", e->pacing->name, d.calls,
                       ctx.max_new_calls);
      d.calls = ctx.max_new_calls;
    }
  for (guint i = 0; i < d.calls; i++)
    {
      int number;
      Contact *c = take_next (e, FALSE, now, &number);
      if (c == NULL)
        break;
      engine_dial (e, c, number, NULL, now);
    }
}

GArray *
dialer_engine_tick (DialerEngine *e, gint64 now)
{
  g_return_val_if_fail (e, NULL);
  dialer_figures_start (&e->fig, now);
  engine_run_timers (e, now);
  if (!e->paused && dialer_settings_in_window (&e->s, now))
    pace (e, now);
  GArray *out = e->actions;
  e->actions = g_array_new (FALSE, FALSE, sizeof (DialerAction));
  return out;
}

gint64
dialer_engine_next_due (DialerEngine *e, gint64 now)
{
  gint64 next = G_MAXINT64;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, e->calls);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((Call *) v)->state != CALL_CONNECTED)
      next = MIN (next, ((Call *) v)->deadline);
  if (g_sequence_get_length (e->waiting) > 0)
    next = MIN (next,
                ((Contact *) g_sequence_get (g_sequence_get_begin_iter (e->waiting)))->next_at);
  if (!e->paused && g_sequence_get_length (e->due) > 0)
    {
      gint64 open = dialer_settings_next_window (&e->s, now);
      /* in the window: the pacing looks again in a second */
      next = MIN (next, open <= now ? now + G_USEC_PER_SEC : open);
    }
  return MAX (next, now);
}

/* --- what it knows ------------------------------------------------------------------------- */

gboolean
dialer_engine_contact (DialerEngine *e, const char *id, DialerContactInfo *out)
{
  Contact *c = g_hash_table_lookup (e->contacts, id);
  if (c == NULL)
    return FALSE;
  *out = (DialerContactInfo){ c->state, c->attempts,    c->next_at,
                              c->last,  c->disposition, c->done_why };
  return TRUE;
}

void
dialer_engine_report (DialerEngine *e, DialerReport *out)
{
  dialer_figures_report (&e->fig, out);
}

/* --- the books across runs ------------------------------------------------------------ */

char *
dialer_engine_books_save (DialerEngine *e, gint64 now)
{
  g_return_val_if_fail (e, NULL);
  return dialer_figures_save (&e->fig, now, now - e->s.abandon_window_s * G_USEC_PER_SEC,
                              e->dialing + e->ringing, e->waiting_calls);
}

gboolean
dialer_engine_books_restore (DialerEngine *e, const char *text, gint64 now, GError **error)
{
  g_return_val_if_fail (e, FALSE);
  if (!dialer_figures_empty (&e->fig))
    {
      g_set_error (error, DIALER_ERROR, DIALER_ERROR_STATE,
                   "campaign %s: books are restored before the first call", e->s.name);
      return FALSE;
    }
  DialerFigures f;
  dialer_figures_init (&f);
  if (!dialer_figures_load (&f, text, now - e->s.abandon_window_s * G_USEC_PER_SEC, NULL, error))
    {
      dialer_figures_clear (&f);
      return FALSE;
    }
  dialer_figures_clear (&e->fig);
  e->fig = f;
  return TRUE;
}

guint64
dialer_engine_books_changes (DialerEngine *e)
{
  return dialer_figures_changes (&e->fig);
}

gboolean
dialer_books_report (const char *text, DialerReport *out, gint64 *saved_at, GError **error)
{
  DialerFigures f;
  dialer_figures_init (&f);
  /* (the rolling window's times are the pacing's, not the report's) */
  gboolean ok = dialer_figures_load (&f, text, G_MAXINT64, saved_at, error);
  if (ok)
    dialer_figures_report (&f, out);
  dialer_figures_clear (&f);
  return ok;
}

static gboolean
audit_fail (GError **error, const char *what)
{
  g_set_error (error, DIALER_ERROR, DIALER_ERROR_STATE, "%s", what);
  return FALSE;
}

gboolean
dialer_engine_audit (DialerEngine *e, GError **error)
{
  guint st[4] = { 0 };
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, e->calls);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Call *call = v;
      st[call->state]++;
      if (call->contact->state != DIALER_CONTACT_CALLING && call->state != CALL_CONNECTED)
        return audit_fail (error, "a call in progress for a contact not calling");
      if (call->state == CALL_CONNECTED && (call->agent == NULL || call->agent->call != call))
        return audit_fail (error, "a connected call without its agent");
    }
  if (st[CALL_DIALING] != e->dialing || st[CALL_RINGING] != e->ringing
      || st[CALL_WAITING] != e->waiting_calls)
    return audit_fail (error, "call counts differ from the calls");
  guint due = 0, waiting = 0, calling = 0;
  g_hash_table_iter_init (&it, e->contacts);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Contact *c = v;
      due += c->state == DIALER_CONTACT_DUE;
      waiting += c->state == DIALER_CONTACT_WAITING;
      calling += c->state == DIALER_CONTACT_CALLING;
      if ((c->state == DIALER_CONTACT_DUE || c->state == DIALER_CONTACT_WAITING)
          != (c->iter != NULL))
        return audit_fail (error, "a contact listed in the wrong set");
      if (c->attempts > c->earlier && c->attempts > e->s.max_attempts + c->callbacks)
        return audit_fail (error, "a contact dialed more than max-attempts");
      if ((c->state == DIALER_CONTACT_PREVIEWING) != (c->agent != NULL))
        return audit_fail (error, "a preview without its agent");
    }
  if (due != (guint) g_sequence_get_length (e->due)
      || waiting != (guint) g_sequence_get_length (e->waiting)
      || calling != st[CALL_DIALING] + st[CALL_RINGING] + st[CALL_WAITING])
    return audit_fail (error, "contact states differ from the sets and calls");
  if (e->fig.answers
      != e->fig.connected + e->fig.abandons + e->waiting_calls + e->fig.unsettled_answers)
    return audit_fail (error, "answers are not connected + abandoned + waiting");
  if (e->fig.dials
      != e->fig.finished + st[CALL_DIALING] + st[CALL_RINGING] + e->fig.unsettled_dials)
    return audit_fail (error, "dials are not outcomes + calls in progress");
  if (e->fig.calls_outside_window || e->fig.dnc_hits || e->fig.guard_breaches)
    return audit_fail (error, "a compliance counter is not 0");
  return TRUE;
}
