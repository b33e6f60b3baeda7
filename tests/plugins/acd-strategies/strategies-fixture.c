/* See strategies-fixture.h. */
#include "strategies-fixture.h"

#include "loader.h"
#include "registry.h"

#include <string.h>

const char *const acd_test_strategy_names[] = { "fifo-priority",
                                                "ring-all",
                                                "longest-idle",
                                                "round-robin",
                                                "round-robin-ordered",
                                                "linear",
                                                "fewest-calls",
                                                "least-talk-time",
                                                "random",
                                                "weighted-random",
                                                "ring-progressively",
                                                "skills-based",
                                                NULL };

OccContext *
acd_test_context_new (void)
{
  OccContext *ctx = occ_context_new (NULL);
  const char *const paths[] = { PLUGIN_BUILD_DIR "/acd-strategies", NULL };
  occ_loader_scan (ctx->loader, paths);
  for (guint i = 0; acd_test_strategy_names[i] != NULL; i++)
    {
      g_autofree char *plugin = g_strconcat ("acd-", acd_test_strategy_names[i], NULL);
      g_autoptr (GError) error = NULL;
      g_assert_true (occ_loader_load (ctx->loader, plugin, &error));
      g_assert_no_error (error);
    }
  return ctx;
}

const OccAcdStrategy *
acd_test_strategy (OccContext *ctx, const char *name)
{
  g_autofree char *service = g_strconcat (OCC_ACD_STRATEGY_SERVICE_PREFIX, name, NULL);
  g_autoptr (GError) error = NULL;
  const OccAcdStrategy *s
      = occ_registry_lookup (ctx->registry, service, OCC_ACD_STRATEGY_VERSION, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s);
  return s;
}

AcdTestQueue *
acd_test_queue_new (OccContext *ctx, const char *strategy, guint32 seed, const char *const *params)
{
  AcdTestQueue *q = g_new0 (AcdTestQueue, 1);
  q->strategy = acd_test_strategy (ctx, strategy);
  q->ctx.queue = "sales";
  q->ctx.now = 1000000000;
  q->ctx.rand = g_rand_new_with_seed (seed);
  if (q->strategy->queue_new)
    {
      g_autoptr (GHashTable) table
          = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; params && params[i]; i++)
        {
          const char *eq = strchr (params[i], '=');
          g_assert_nonnull (eq);
          g_hash_table_insert (table, g_strndup (params[i], eq - params[i]), g_strdup (eq + 1));
        }
      g_autoptr (GError) error = NULL;
      q->ctx.state = q->strategy->queue_new (q->strategy, q->ctx.queue, table, &error);
      g_assert_no_error (error);
      g_assert_nonnull (q->ctx.state);
    }
  return q;
}

void
acd_test_queue_free (AcdTestQueue *q)
{
  if (q->ctx.state && q->strategy->queue_free)
    q->strategy->queue_free (q->ctx.state);
  g_rand_free (q->ctx.rand);
  g_free (q);
}

guint
acd_test_select (AcdTestQueue *q, const OccAcdInteraction *ix, const OccAcdAgent *agents, guint n,
                 guint *out)
{
  g_assert_cmpuint (n, >=, 1);
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  guint got = q->strategy->select (&q->ctx, ix, agents, n, out);
  g_assert_cmpuint (got, <=, n);
  for (guint i = 0; i < got; i++)
    {
      g_assert_cmpuint (out[i], <, n);
      g_assert_false (seen[out[i]]);
      seen[out[i]] = TRUE;
    }
  return got;
}

char *
acd_test_rank (AcdTestQueue *q, const OccAcdInteraction *ix, const OccAcdAgent *agents, guint n)
{
  g_autofree guint *out = g_new (guint, n);
  guint got = acd_test_select (q, ix, agents, n, out);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < got; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "", agents[out[i]].login);
  return g_string_free (s, FALSE);
}

guint
acd_test_offer_first (AcdTestQueue *q, const OccAcdInteraction *ix, const OccAcdAgent *agents,
                      guint n)
{
  g_autofree guint *out = g_new (guint, n);
  g_assert_cmpuint (acd_test_select (q, ix, agents, n, out), >=, 1);
  if (q->strategy->offered)
    q->strategy->offered (&q->ctx, ix, &agents[out[0]]);
  return out[0];
}

OccAcdAgent
acd_test_agent (const char *login, guint id, guint order, gint64 idle_since)
{
  OccAcdAgent a = { 0 };
  a.login = login;
  a.id = id;
  a.order = order;
  a.idle_since = idle_since;
  a.free_capacity = 1;
  return a;
}
