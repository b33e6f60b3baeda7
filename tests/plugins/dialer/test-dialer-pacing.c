/* Each real pacing plugin's decisions on scripted campaign contexts:
 * preview names the free agents, progressive keeps one call per free
 * agent, predictive dials ahead only once it has measured, more for
 * busy agents about to finish, less as the window's abandons grow, and
 * refuses bad settings. */
#include "pacing-fixture.h"

#include <string.h>

#define S G_GINT64_CONSTANT (1000000)

static OccContext *core;

typedef struct {
  const OccDialerPacing *p;
  OccDialerPacingContext ctx;
  OccDialerAgent agents[64];
  guint picks[64];
  GRand *rand;
} Script;

static void
script_start (Script *s, const char *pacing, const char *const *params)
{
  memset (s, 0, sizeof *s);
  s->p = dialer_test_pacing (core, pacing);
  s->rand = g_rand_new_with_seed (3);
  s->ctx.campaign = "test";
  s->ctx.now = 1000 * S;
  s->ctx.rand = s->rand;
  s->ctx.agents = s->agents;
  s->ctx.abandon_target = 0.03;
  s->ctx.abandon_window = 86400 * S;
  s->ctx.info_message_s = 2;
  s->ctx.ring_timeout_s = 30;
  s->ctx.contacts_due = 1000;
  if (s->p->state_new)
    {
      g_autoptr (GHashTable) t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; params && params[i]; i++)
        {
          const char *eq = strchr (params[i], '=');
          g_hash_table_insert (t, g_strndup (params[i], eq - params[i]), g_strdup (eq + 1));
        }
      g_autoptr (GError) error = NULL;
      s->ctx.state = s->p->state_new (s->p, "test", t, &error);
      g_assert_no_error (error);
    }
}

static void
script_stop (Script *s)
{
  if (s->ctx.state && s->p->state_free)
    s->p->state_free (s->ctx.state);
  g_rand_free (s->rand);
}

/* @n agents: @free free, the rest busy since @busy_for seconds. */
static void
script_agents (Script *s, guint n, guint free, double busy_for)
{
  s->ctx.n_agents = n;
  s->ctx.agents_free = free;
  s->ctx.agents_busy = n - free;
  for (guint i = 0; i < n; i++)
    {
      gboolean is_free = i < free;
      s->agents[i] = (OccDialerAgent){
        .login = "a",
        .state = is_free ? OCC_DIALER_AGENT_FREE : OCC_DIALER_AGENT_BUSY,
        .since = s->ctx.now - (gint64) (busy_for * S),
        .handle_start = is_free ? 0 : s->ctx.now - (gint64) (busy_for * S),
      };
    }
  s->ctx.max_new_calls = 3 * n;
}

static OccDialerDecision
script_decide (Script *s)
{
  OccDialerDecision d = { .agents = s->picks };
  s->p->decide (&s->ctx, &d);
  return d;
}

/* Feeds @n outcomes, @answered of them answers, to observe. */
static void
script_observe (Script *s, guint n, guint answered)
{
  for (guint i = 0; i < n; i++)
    {
      OccDialerResult r = { .outcome = i < answered ? OCC_DIALER_ANSWERED : OCC_DIALER_NO_ANSWER,
                            .at = s->ctx.now };
      if (s->p->observe)
        s->p->observe (&s->ctx, &r);
    }
}

/* What a campaign that has run a while measured: 30 % answer, 15 s to an
 * answer, handle times of 180 ± 90 s. */
static void
script_measured (Script *s)
{
  s->ctx.attempts_finished = 1000;
  s->ctx.answered = 300;
  s->ctx.answer_delay = (OccDialerStat){ 300, 15, 6 };
  s->ctx.handle = (OccDialerStat){ 300, 180, 90 };
  /* the answer rate is learned from the outcomes, in any order */
  for (guint i = 0; i < 100; i++)
    script_observe (s, 10, 3);
}

static void
test_preview_names_free_agents (void)
{
  Script s;
  script_start (&s, "preview", NULL);
  g_assert_true (s.p->flags & OCC_DIALER_PACING_PREVIEW);
  script_agents (&s, 5, 0, 10);
  s.agents[1].state = OCC_DIALER_AGENT_FREE;
  s.agents[3].state = OCC_DIALER_AGENT_FREE;
  s.ctx.agents_free = 2;
  OccDialerDecision d = script_decide (&s);
  g_assert_cmpuint (d.n_agents, ==, 2);
  g_assert_cmpuint (s.picks[0], ==, 1);
  g_assert_cmpuint (s.picks[1], ==, 3);
  g_assert_cmpuint (d.calls, ==, 0);
  /* no more previews than records */
  s.ctx.contacts_due = 1;
  d = script_decide (&s);
  g_assert_cmpuint (d.n_agents, ==, 1);
  script_stop (&s);
}

static void
test_progressive_one_call_per_free_agent (void)
{
  Script s;
  script_start (&s, "progressive", NULL);
  script_agents (&s, 10, 4, 10);
  g_assert_cmpuint (script_decide (&s).calls, ==, 4);
  s.ctx.calls_dialing = 1;
  s.ctx.calls_ringing = 1;
  s.ctx.calls_waiting = 1;
  g_assert_cmpuint (script_decide (&s).calls, ==, 1);
  s.ctx.calls_ringing = 5;
  g_assert_cmpuint (script_decide (&s).calls, ==, 0);
  /* measured figures do not matter to it */
  script_measured (&s);
  s.ctx.calls_dialing = s.ctx.calls_ringing = s.ctx.calls_waiting = 0;
  g_assert_cmpuint (script_decide (&s).calls, ==, 4);
  script_stop (&s);
}

static void
test_predictive_progressive_until_measured (void)
{
  Script s;
  script_start (&s, "predictive", NULL);
  script_agents (&s, 20, 5, 170);
  /* nothing measured: as progressive */
  g_assert_cmpuint (script_decide (&s).calls, ==, 5);
  /* measured 30 % answers: dials ahead of the free agents */
  script_measured (&s);
  guint measured = script_decide (&s).calls;
  g_test_message ("5 free, 15 busy for 170 s: %u calls", measured);
  g_assert_cmpuint (measured, >, 5);
  g_assert_cmpuint (measured, <=, s.ctx.max_new_calls);
  script_stop (&s);
}

static void
test_predictive_counts_agents_about_to_finish (void)
{
  Script s;
  script_start (&s, "predictive", NULL);
  script_measured (&s);
  script_agents (&s, 20, 2, 5); /* busy agents who just started */
  guint fresh = script_decide (&s).calls;
  script_agents (&s, 20, 2, 400); /* busy agents far into their calls */
  guint late = script_decide (&s).calls;
  g_test_message ("2 free, 18 busy: %u calls when they just started, %u when far in", fresh, late);
  g_assert_cmpuint (late, >, fresh);
  script_stop (&s);
}

static void
test_predictive_feedback_on_abandons (void)
{
  Script s;
  script_start (&s, "predictive", NULL);
  script_measured (&s);
  script_agents (&s, 20, 4, 150);
  s.ctx.window_answers = 1000;
  s.ctx.window_abandons = 5; /* 0.5 %: well under 3 % */
  guint calm = script_decide (&s).calls;
  s.ctx.window_abandons = 40; /* 4 %: over the target */
  guint over = script_decide (&s).calls;
  g_test_message ("0.5 %% abandoned: %u calls; 4 %%: %u calls", calm, over);
  g_assert_cmpuint (over, <, calm);
  /* over the target it still dials for the free agents (those calls have one) */
  g_assert_cmpuint (over, >=, 4);
  script_stop (&s);
}

static void
test_predictive_answer_rate_learned (void)
{
  Script s;
  script_start (&s, "predictive", NULL);
  script_measured (&s);
  script_agents (&s, 20, 5, 170);
  guint at_30 = script_decide (&s).calls;
  for (guint i = 0; i < 100; i++)
    script_observe (&s, 10, 6); /* now 60 % answer */
  guint at_60 = script_decide (&s).calls;
  g_test_message ("30 %% answer: %u calls; 60 %%: %u", at_30, at_60);
  g_assert_cmpuint (at_60, <, at_30);
  script_stop (&s);
}

static void
test_predictive_refuses_bad_settings (void)
{
  const OccDialerPacing *p = dialer_test_pacing (core, "predictive");
  const char *const bad[][2]
      = { { "aim", "0" }, { "aim", "1.5" }, { "gain", "x" }, { "colour", "1" } };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GHashTable) t = g_hash_table_new (g_str_hash, g_str_equal);
      g_hash_table_insert (t, (gpointer) bad[i][0], (gpointer) bad[i][1]);
      g_autoptr (GError) error = NULL;
      g_assert_null (p->state_new (p, "test", t, &error));
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "pacing-"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  core = dialer_test_context_new ();
  g_test_add_func ("/dialer/pacing/preview/names-free-agents", test_preview_names_free_agents);
  g_test_add_func ("/dialer/pacing/progressive/one-call-per-free-agent",
                   test_progressive_one_call_per_free_agent);
  g_test_add_func ("/dialer/pacing/predictive/progressive-until-measured",
                   test_predictive_progressive_until_measured);
  g_test_add_func ("/dialer/pacing/predictive/counts-agents-about-to-finish",
                   test_predictive_counts_agents_about_to_finish);
  g_test_add_func ("/dialer/pacing/predictive/feedback-on-abandons",
                   test_predictive_feedback_on_abandons);
  g_test_add_func ("/dialer/pacing/predictive/answer-rate-learned",
                   test_predictive_answer_rate_learned);
  g_test_add_func ("/dialer/pacing/predictive/refuses-bad-settings",
                   test_predictive_refuses_bad_settings);
  int rc = g_test_run ();
  occ_context_free (core);
  return rc;
}
