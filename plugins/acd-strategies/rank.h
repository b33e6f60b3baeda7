/* acd-strategies: what several strategies share — ranking the eligible
 * agents by keys with a deterministic tie-break, shuffling, and the
 * plugin boilerplate. Linked statically into each strategy's .so; not
 * part of the public API (the template in share/acd-strategy-template/
 * does without it). */
#pragma once

#include <omnicc/omnicc.h>
#include <omnicc/acd.h>

G_BEGIN_DECLS

/* The sort key of @agent, smaller first; @data is what the caller of
 * acd_rank_by_key() passed on. */
typedef gint64 (*AcdRankKeyFunc) (gconstpointer data, const OccAcdAgent *agent);

/* Writes 0 … @n-1 to @out ordered by (key, idle_since, order, id)
 * ascending: ties on the key go to the agent idle longest, then to the
 * lower order, then to the lower id — a total order, since ids are
 * unique, so ties are always broken the same way. With @want (1 … n-1)
 * only the first @want are found (a partial selection, O(n) for one);
 * 0: all. Returns how many were written. */
guint acd_rank_by_key (const OccAcdAgent *agents, guint n, AcdRankKeyFunc key, gconstpointer data,
                       guint want, guint *out);

/* Defines the select function @FN that ranks by @KEY (an
 * AcdRankKeyFunc, which gets the interaction as its data). */
#define ACD_RANK_SELECT(FN, KEY)                                          \
  static guint FN (const OccAcdContext *ctx, const OccAcdInteraction *ix, \
                   const OccAcdAgent *agents, guint n, guint *out)        \
  {                                                                       \
    return acd_rank_by_key (agents, n, KEY, ix, ctx->want, out);          \
  }

/* Defines the select function @FN that ranks by the agent's @FIELD
 * (answered, talk_time…), smaller first. */
#define ACD_RANK_SELECT_BY_FIELD(FN, FIELD)                             \
  static gint64 FN##_key (gconstpointer data, const OccAcdAgent *agent) \
  {                                                                     \
    return agent->FIELD;                                                \
  }                                                                     \
  ACD_RANK_SELECT (FN, FN##_key)

/* Key: order (the member list, top first). */
gint64 acd_rank_key_order (gconstpointer data, const OccAcdAgent *agent);

/* A select function: longest idle first, for the strategies whose rule
 * that is (fifo-priority, longest-idle, ring-all, ring-progressively). */
guint acd_rank_select_longest_idle (const OccAcdContext *ctx, const OccAcdInteraction *ix,
                                    const OccAcdAgent *agents, guint n, guint *out);

/* Writes 0 … @n-1 to @out in a uniformly random order drawn from @rand
 * (Fisher–Yates). Returns @n. */
guint acd_rank_shuffle (GRand *rand, guint n, guint *out);

/* A sort key for a non-negative double: for those, the IEEE 754 bit
 * pattern read as an integer orders like the value. */
gint64 acd_rank_double_key (double value);

/* Defines the strategy @NAME ("longest-idle") as a plugin "acd-NAME"
 * that provides the service "acd.strategy/NAME"; the remaining
 * arguments are OccAcdStrategy fields (.select = …, .flags = …). */
#define ACD_STRATEGY_DEFINE(NAME, SUMMARY, ...)                                                    \
  static const OccAcdStrategy acd_strategy                                                         \
      = { .header = OCC_SERVICE_HEADER (OccAcdStrategy, OCC_ACD_STRATEGY_VERSION),                 \
          .name = NAME,                                                                            \
          .summary = SUMMARY,                                                                      \
          __VA_ARGS__ };                                                                           \
  static OccLoadResult acd_strategy_load (OccPlugin *plugin, GError **error)                       \
  {                                                                                                \
    if (!occ_service_provide (plugin, OCC_ACD_STRATEGY_SERVICE_PREFIX NAME, &acd_strategy, error)) \
      return OCC_LOAD_FAILED;                                                                      \
    return OCC_LOAD_OK;                                                                            \
  }                                                                                                \
  OCC_PLUGIN_DEFINE (.name = "acd-" NAME, .version = "1.0", .summary = "ACD strategy: " SUMMARY,   \
                     .license = "GPL-3.0-or-later",                                                \
                     .provides = OCC_LIST (OCC_ACD_STRATEGY_SERVICE_PREFIX NAME),                  \
                     .load = acd_strategy_load)

G_END_DECLS
