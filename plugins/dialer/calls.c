/* dialer: what happens to a call the engine started — ringing, its
 * outcome, the agent it is connected to, its end — and what follows for
 * its contact (retries, dispositions), with the timers that end calls
 * (ring and set-up time-outs, the information-message deadline). */
#include "engine-private.h"

#include <math.h>
#include <string.h>

/* The retry rules: when may @c be tried again after @o? */
static void
schedule_retry (DialerEngine *e, Contact *c, OccDialerOutcome o, gint64 now)
{
  const DialerRetry *rule = &e->s.retry[o];
  if (o != OCC_DIALER_SKIPPED && c->attempts >= e->s.max_attempts + c->callbacks)
    engine_make_done (c, "attempts");
  else if (c->retries[o] >= rule->max)
    engine_make_done (c, "retries");
  else
    {
      c->retries[o]++;
      engine_make_waiting (e, c, now + rule->delay_s * G_USEC_PER_SEC);
    }
}

static void
observe (DialerEngine *e, OccDialerOutcome o, gint64 dialed, gint64 answered, gint64 now)
{
  if (!e->pacing->observe)
    return;
  OccDialerPacingContext ctx;
  engine_build_context (e, now, &ctx);
  OccDialerResult r = { .outcome = o, .dialed = dialed, .answered = answered, .at = now };
  e->pacing->observe (&ctx, &r);
}

static void
call_forget (DialerEngine *e, Call *call)
{
  if (call->state == CALL_DIALING)
    e->dialing--;
  else if (call->state == CALL_RINGING)
    e->ringing--;
  else if (call->state == CALL_WAITING)
    e->waiting_calls--;
  if (call->agent && call->agent->call == call)
    call->agent->call = NULL;
  g_hash_table_remove (e->calls, &call->id);
}

/* A call that was not answered is over. */
static void
not_answered (DialerEngine *e, Call *call, OccDialerOutcome o, gint64 now)
{
  Contact *c = call->contact;
  gint64 dialed = call->dialed;
  Agent *a = call->agent;
  e->fig.finished++;
  e->fig.outcomes[o]++;
  dialer_stat_add (&e->fig.other_delay, (double) (now - dialed) / G_USEC_PER_SEC);
  c->last = o;
  call_forget (e, call);
  if (a && a->state == OCC_DIALER_AGENT_RESERVED)
    engine_agent_set (e, a, OCC_DIALER_AGENT_FREE, now);
  schedule_retry (e, c, o, now);
  observe (e, o, dialed, 0, now);
}

/* An answered call found no agent in time: the message, then hang up. */
static void
abandon (DialerEngine *e, Call *call, gboolean message, gint64 now)
{
  Contact *c = call->contact;
  gint64 dialed = call->dialed, answered = call->answered;
  e->fig.outcomes[OCC_DIALER_ABANDONED]++;
  dialer_figures_abandon (&e->fig, now);
  if (message)
    {
      dialer_figures_info_message (&e->fig, (double) (now - answered) / G_USEC_PER_SEC);
      engine_emit (e, DIALER_ACTION_ABANDON, call, c, call->number, NULL);
    }
  gint64 *until = g_new (gint64, 1);
  *until = now + e->s.abandon_guard_s * G_USEC_PER_SEC;
  g_hash_table_insert (e->guard, g_strdup (call->number), until);
  c->last = OCC_DIALER_ABANDONED;
  if (call->agent && call->agent->state == OCC_DIALER_AGENT_RESERVED)
    engine_agent_set (e, call->agent, OCC_DIALER_AGENT_FREE, now);
  call_forget (e, call);
  schedule_retry (e, c, OCC_DIALER_ABANDONED, now);
  observe (e, OCC_DIALER_ABANDONED, dialed, answered, now);
}

static Call *
find_call (DialerEngine *e, guint64 id)
{
  Call *call = g_hash_table_lookup (e->calls, &id);
  if (call == NULL)
    engine_complain (e, "call %" G_GUINT64_FORMAT ": unknown", id);
  return call;
}

gboolean
dialer_engine_call_ringing (DialerEngine *e, guint64 id, gint64 now)
{
  Call *call = find_call (e, id);
  if (call == NULL || call->state != CALL_DIALING)
    return FALSE;
  e->dialing--;
  e->ringing++;
  call->state = CALL_RINGING;
  call->ringing = now;
  call->deadline = now + (gint64) e->s.ring_timeout_s * G_USEC_PER_SEC;
  return TRUE;
}

gboolean
dialer_engine_call_result (DialerEngine *e, guint64 id, OccDialerOutcome o, gint64 now)
{
  Call *call = find_call (e, id);
  if (call == NULL || call->state > CALL_RINGING || o == OCC_DIALER_ABANDONED
      || o >= OCC_DIALER_SKIPPED)
    return FALSE;
  if (o != OCC_DIALER_ANSWERED)
    {
      not_answered (e, call, o, now);
      return TRUE;
    }
  if (call->state == CALL_DIALING)
    e->dialing--;
  else
    e->ringing--;
  e->waiting_calls++;
  call->state = CALL_WAITING;
  call->answered = now;
  call->deadline = now + (gint64) llround (e->s.info_message_s * G_USEC_PER_SEC);
  call->contact->last = o;
  e->fig.finished++;
  e->fig.outcomes[o]++;
  dialer_figures_answer (&e->fig, now);
  dialer_stat_add (&e->fig.answer_delay, (double) (now - call->dialed) / G_USEC_PER_SEC);
  if (call->ringing)
    dialer_stat_add (&e->fig.ring_time, (double) (now - call->ringing) / G_USEC_PER_SEC);
  observe (e, o, call->dialed, now, now);
  return TRUE;
}

gboolean
dialer_engine_call_connected (DialerEngine *e, guint64 id, const char *login, gint64 now)
{
  Call *call = find_call (e, id);
  Agent *a = login ? g_hash_table_lookup (e->agents, login) : NULL;
  if (call == NULL || call->state != CALL_WAITING || a == NULL)
    return engine_complain (e, "call %" G_GUINT64_FORMAT ": cannot connect %s", id, login), FALSE;
  gboolean ours = call->agent == a && a->state == OCC_DIALER_AGENT_RESERVED;
  if (!ours && a->state != OCC_DIALER_AGENT_FREE)
    return engine_complain (e, "agent %s: not free for call %" G_GUINT64_FORMAT, login, id), FALSE;
  if (call->agent && call->agent != a && call->agent->state == OCC_DIALER_AGENT_RESERVED)
    engine_agent_set (e, call->agent, OCC_DIALER_AGENT_FREE, now);
  e->waiting_calls--;
  call->state = CALL_CONNECTED;
  call->connected = now;
  call->agent = a;
  engine_agent_set (e, a, OCC_DIALER_AGENT_BUSY, now);
  a->call = call;
  a->handle_start = now;
  a->handled++;
  e->fig.connected++;
  engine_make_done (call->contact, "answered");
  return TRUE;
}

gboolean
dialer_engine_call_ended (DialerEngine *e, guint64 id, gint64 now)
{
  Call *call = find_call (e, id);
  if (call == NULL || call->state < CALL_WAITING)
    return FALSE;
  if (call->state == CALL_WAITING)
    {
      /* the subscriber hung up before an agent came: an abandon all the same */
      abandon (e, call, FALSE, now);
      return TRUE;
    }
  Agent *a = call->agent;
  dialer_stat_add (&e->fig.talk, (double) (now - call->connected) / G_USEC_PER_SEC);
  e->fig.talk_us += now - call->connected;
  call_forget (e, call);
  if (a && a->state == OCC_DIALER_AGENT_BUSY)
    {
      gint64 start = a->handle_start;
      engine_agent_set (e, a, OCC_DIALER_AGENT_WRAP_UP, now);
      a->handle_start = start;
    }
  return TRUE;
}

gboolean
dialer_engine_preview_result (DialerEngine *e, const char *id, gboolean dial_it, gint64 now)
{
  Contact *c = id ? g_hash_table_lookup (e->contacts, id) : NULL;
  if (c == NULL || c->state != DIALER_CONTACT_PREVIEWING)
    return engine_complain (e, "contact %s: not in preview", id), FALSE;
  Agent *a = c->agent;
  c->agent = NULL;
  a->preview = NULL;
  if (!dial_it)
    {
      engine_agent_set (e, a, OCC_DIALER_AGENT_FREE, now);
      e->fig.outcomes[OCC_DIALER_SKIPPED]++;
      c->last = OCC_DIALER_SKIPPED;
      schedule_retry (e, c, OCC_DIALER_SKIPPED, now);
      return TRUE;
    }
  gint64 retry_at;
  int number = engine_pick_number (e, c, TRUE, now, &retry_at);
  if (number < 0 || engine_dial (e, c, number, a, now) == NULL)
    {
      engine_agent_set (e, a, OCC_DIALER_AGENT_FREE, now);
      if (number < 0)
        engine_pass_over (e, c);
      return FALSE;
    }
  return TRUE;
}

gboolean
dialer_engine_disposition (DialerEngine *e, const char *id, DialerDisposition d, gint64 callback_at,
                           gint64 now, GError **error)
{
  Contact *c = id ? g_hash_table_lookup (e->contacts, id) : NULL;
  if (c == NULL || c->state != DIALER_CONTACT_DONE || g_strcmp0 (c->done_why, "answered") != 0)
    {
      g_set_error (error, DIALER_ERROR, c ? DIALER_ERROR_STATE : DIALER_ERROR_NOT_FOUND,
                   "contact %s: %s", id, c ? "nobody talked to it" : "unknown");
      return FALSE;
    }
  guint k = (c->next_number + c->n_numbers - 1) % c->n_numbers; /* the one last dialed */
  switch (d)
    {
    case DIALER_DISPOSITION_SALE:
    case DIALER_DISPOSITION_NOT_INTERESTED:
    case DIALER_DISPOSITION_APPOINTMENT:
      break;
    case DIALER_DISPOSITION_CALL_BACK:
      if (callback_at <= now)
        {
          g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID,
                       "contact %s: a call-back must be in the future", id);
          return FALSE;
        }
      c->callback_at = callback_at;
      c->callbacks++;
      engine_make_waiting (e, c, callback_at);
      break;
    case DIALER_DISPOSITION_WRONG_NUMBER:
      c->bad |= 1u << k;
      if (c->bad != (c->n_numbers == 32 ? G_MAXUINT32 : (1u << c->n_numbers) - 1))
        {
          c->callbacks++; /* the next number is owed its own call */
          engine_make_due (e, c);
        }
      else
        engine_make_done (c, "no-number");
      break;
    case DIALER_DISPOSITION_DO_NOT_CALL:
      g_hash_table_add (e->dnc, g_strdup (c->numbers[k]));
      engine_make_done (c, "do-not-call");
      break;
    default:
      g_set_error (error, DIALER_ERROR, DIALER_ERROR_INVALID, "contact %s: unknown disposition",
                   id);
      return FALSE;
    }
  c->disposition = (gint) d;
  return TRUE;
}

static gint
call_cmp (gconstpointer a, gconstpointer b)
{
  guint64 x = (*(Call *const *) a)->id, y = (*(Call *const *) b)->id;
  return x < y ? -1 : x > y;
}

void
engine_run_timers (DialerEngine *e, gint64 now)
{
  /* collected first: the outcomes change the table */
  g_autoptr (GPtrArray) due = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, e->calls);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((Call *) v)->state != CALL_CONNECTED && ((Call *) v)->deadline <= now)
      g_ptr_array_add (due, v);
  /* in call order, so that a run repeats itself */
  g_ptr_array_sort (due, call_cmp);
  for (guint i = 0; i < due->len; i++)
    {
      Call *call = g_ptr_array_index (due, i);
      if (call->state == CALL_WAITING)
        abandon (e, call, TRUE, now);
      else
        {
          engine_emit (e, DIALER_ACTION_HANGUP, call, call->contact, call->number, NULL);
          not_answered (
              e, call, call->state == CALL_RINGING ? OCC_DIALER_NO_ANSWER : OCC_DIALER_FAILED, now);
        }
    }
  while (g_sequence_get_length (e->waiting) > 0)
    {
      Contact *c = g_sequence_get (g_sequence_get_begin_iter (e->waiting));
      if (c->next_at > now)
        break;
      engine_make_due (e, c);
    }
}