/* IVR flows: the checks over the whole graph once every node is read —
 * every node reachable from start (or the fallback), a terminal node
 * reachable from every node, no cycle the runtime would spin in without
 * waiting for the caller — and every prompt present in every language the
 * flow speaks. */
#include "flow-private.h"

#include <string.h>

static void
add (const IvrNode **out, guint *n, const IvrNode *target)
{
  if (target)
    out[(*n)++] = target;
}

guint
ivr_node_targets (const IvrNode *node, const IvrNode **out)
{
  guint n = 0;
  switch (node->kind)
    {
    case IVR_NODE_PLAY:
      add (out, &n, node->u.play.next);
      break;
    case IVR_NODE_MENU:
      for (guint i = 0; i < G_N_ELEMENTS (node->u.menu.choices); i++)
        add (out, &n, node->u.menu.choices[i]);
      add (out, &n, node->u.menu.on_failure);
      break;
    case IVR_NODE_COLLECT:
      add (out, &n, node->u.collect.next);
      add (out, &n, node->u.collect.on_failure);
      break;
    case IVR_NODE_HTTP:
      add (out, &n, node->u.http.next);
      add (out, &n, node->u.http.on_error);
      break;
    case IVR_NODE_LOOKUP:
      add (out, &n, node->u.lookup.next);
      add (out, &n, node->u.lookup.on_not_found);
      break;
    case IVR_NODE_CONDITION:
      add (out, &n, node->u.condition.then);
      add (out, &n, node->u.condition.otherwise);
      break;
    case IVR_NODE_LANGUAGE:
      add (out, &n, node->u.language.next);
      break;
    case IVR_NODE_SET:
      add (out, &n, node->u.set.next);
      break;
    case IVR_NODE_ENQUEUE:
      add (out, &n, node->u.enqueue.on_timeout);
      break;
    case IVR_NODE_CALLBACK:
      add (out, &n, node->u.callback.next);
      break;
    case IVR_NODE_QUESTION:
      add (out, &n, node->u.question.next);
      break;
    case IVR_NODE_TRANSFER:
    case IVR_NODE_END:
    case IVR_NODE_HANGUP:
      break;
    }
  return n;
}

static gboolean
is_terminal (IvrNodeKind kind)
{
  return kind == IVR_NODE_END || kind == IVR_NODE_TRANSFER || kind == IVR_NODE_ENQUEUE
         || kind == IVR_NODE_CALLBACK || kind == IVR_NODE_HANGUP;
}

static gboolean
waits_for_caller (IvrNodeKind kind)
{
  return kind == IVR_NODE_MENU || kind == IVR_NODE_COLLECT || kind == IVR_NODE_QUESTION;
}

static const IvrNode *
nth (const IvrFlow *flow, guint i)
{
  return g_ptr_array_index (flow->nodes, i);
}

static gboolean
check_reachable (const IvrFlow *flow, GError **error)
{
  guint n = flow->nodes->len;
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_val (stack, flow->start->index);
  if (flow->fallback)
    g_array_append_val (stack, flow->fallback->index);
  while (stack->len)
    {
      guint i = g_array_index (stack, guint, stack->len - 1);
      g_array_set_size (stack, stack->len - 1);
      if (seen[i])
        continue;
      seen[i] = TRUE;
      const IvrNode *targets[IVR_NODE_MAX_TARGETS];
      guint k = ivr_node_targets (nth (flow, i), targets);
      for (guint t = 0; t < k; t++)
        g_array_append_val (stack, targets[t]->index);
    }
  for (guint i = 0; i < n; i++)
    if (!seen[i])
      {
        g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_GRAPH,
                     "%s: node \"%s\": cannot be reached from start \"%s\"%s", flow->file_name,
                     nth (flow, i)->name, flow->start->name,
                     flow->fallback ? " nor from the fallback" : "");
        return FALSE;
      }
  return TRUE;
}

/* Backwards from the terminal nodes: a node may end when one of its
 * targets may. */
static gboolean
check_way_out (const IvrFlow *flow, GError **error)
{
  guint n = flow->nodes->len;
  g_autofree gboolean *ends = g_new0 (gboolean, n);
  g_autoptr (GPtrArray) sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (sources, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint i = 0; i < n; i++)
    {
      const IvrNode *targets[IVR_NODE_MAX_TARGETS];
      guint k = ivr_node_targets (nth (flow, i), targets);
      for (guint t = 0; t < k; t++)
        g_array_append_val (g_ptr_array_index (sources, targets[t]->index), i);
      if (is_terminal (nth (flow, i)->kind))
        g_array_append_val (stack, i);
    }
  while (stack->len)
    {
      guint i = g_array_index (stack, guint, stack->len - 1);
      g_array_set_size (stack, stack->len - 1);
      if (ends[i])
        continue;
      ends[i] = TRUE;
      GArray *from = g_ptr_array_index (sources, i);
      g_array_append_vals (stack, from->data, from->len);
    }
  for (guint i = 0; i < n; i++)
    if (!ends[i])
      {
        g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_GRAPH,
                     "%s: node \"%s\": no end, transfer, enqueue, callback or hangup node can be "
                     "reached from it (the call could never finish)",
                     flow->file_name, nth (flow, i)->name);
        return FALSE;
      }
  return TRUE;
}

/* Depth-first over the nodes that do not wait for the caller; a path back
 * to a node on the current path is a cycle without a wait. */
typedef struct {
  const IvrFlow *flow;
  guint8 *state; /* 0 new, 1 on the path, 2 done */
  GPtrArray *path;
  GError **error;
} SpinSearch;

static gboolean
report_spin (SpinSearch *s, const IvrNode *back_to)
{
  g_autoptr (GString) cycle = g_string_new (NULL);
  gboolean on = FALSE;
  for (guint i = 0; i < s->path->len; i++)
    {
      const IvrNode *p = g_ptr_array_index (s->path, i);
      on = on || p == back_to;
      if (on)
        g_string_append_printf (cycle, "%s -> ", p->name);
    }
  g_string_append (cycle, back_to->name);
  g_set_error (s->error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_GRAPH,
               "%s: node \"%s\": the cycle %s has no menu, collect or question node to wait for "
               "the caller (it would spin)",
               s->flow->file_name, back_to->name, cycle->str);
  return FALSE;
}

static gboolean
spin_visit (SpinSearch *s, const IvrNode *node)
{
  s->state[node->index] = 1;
  g_ptr_array_add (s->path, (gpointer) node);
  const IvrNode *targets[IVR_NODE_MAX_TARGETS];
  guint k = ivr_node_targets (node, targets);
  for (guint t = 0; t < k; t++)
    {
      const IvrNode *next = targets[t];
      if (waits_for_caller (next->kind) || s->state[next->index] == 2)
        continue;
      if (s->state[next->index] == 1)
        return report_spin (s, next);
      if (!spin_visit (s, next))
        return FALSE;
    }
  g_ptr_array_set_size (s->path, s->path->len - 1);
  s->state[node->index] = 2;
  return TRUE;
}

static gboolean
check_spin (const IvrFlow *flow, GError **error)
{
  g_autofree guint8 *state = g_new0 (guint8, flow->nodes->len);
  g_autoptr (GPtrArray) path = g_ptr_array_new ();
  SpinSearch s = { flow, state, path, error };
  for (guint i = 0; i < flow->nodes->len; i++)
    if (!waits_for_caller (nth (flow, i)->kind) && state[i] == 0 && !spin_visit (&s, nth (flow, i)))
      return FALSE;
  return TRUE;
}

gboolean
ivr_flow_check_graph (const IvrFlow *flow, GError **error)
{
  return check_reachable (flow, error) && check_way_out (flow, error) && check_spin (flow, error);
}

/* -- prompts */

typedef struct {
  const char *key;
  const IvrPrompt *prompt;
} NodePrompt;

/* The prompts of @node with their keys; returns how many (4 at most). */
static guint
node_prompts (const IvrNode *node, NodePrompt *out)
{
  guint n = 0;
#define PROMPT(k, p)      \
  out[n++] = (NodePrompt) \
  {                       \
    k, &(p)               \
  }
  switch (node->kind)
    {
    case IVR_NODE_PLAY:
      PROMPT ("prompt", node->u.play.prompt);
      break;
    case IVR_NODE_MENU:
      PROMPT ("prompt", node->u.menu.prompt);
      PROMPT ("invalid-prompt", node->u.menu.invalid_prompt);
      PROMPT ("no-input-prompt", node->u.menu.no_input_prompt);
      break;
    case IVR_NODE_COLLECT:
      PROMPT ("prompt", node->u.collect.prompt);
      break;
    case IVR_NODE_TRANSFER:
      PROMPT ("prompt", node->u.transfer.prompt);
      break;
    case IVR_NODE_END:
      PROMPT ("prompt", node->u.end.prompt);
      break;
    case IVR_NODE_CALLBACK:
      PROMPT ("prompt", node->u.callback.prompt);
      break;
    case IVR_NODE_QUESTION:
      PROMPT ("prompt", node->u.question.prompt);
      break;
    default:
      break;
    }
#undef PROMPT
  return n;
}

/* The flow's language and every one a language node sets literally. */
static GPtrArray *
flow_languages (const IvrFlow *flow)
{
  GPtrArray *langs = g_ptr_array_new ();
  g_ptr_array_add (langs, flow->language);
  for (guint i = 0; i < flow->nodes->len; i++)
    {
      const IvrNode *node = nth (flow, i);
      const char *lit = node->kind == IVR_NODE_LANGUAGE
                            ? ivr_template_get_literal (node->u.language.language)
                            : NULL;
      if (lit && !g_ptr_array_find_with_equal_func (langs, lit, g_str_equal, NULL))
        g_ptr_array_add (langs, (gpointer) lit);
    }
  return langs;
}

gboolean
ivr_flow_check_prompts (const IvrFlow *flow, const IvrFlowCheck *check, GError **error)
{
  if (!check || !check->prompt_exists)
    return TRUE;
  g_autoptr (GPtrArray) langs = flow_languages (flow);
  for (guint i = 0; i < flow->nodes->len; i++)
    {
      NodePrompt prompts[4];
      guint np = node_prompts (nth (flow, i), prompts);
      for (guint p = 0; p < np; p++)
        for (guint k = 0; k < prompts[p].prompt->n_items; k++)
          {
            const char *name = prompts[p].prompt->items[k].name;
            for (guint l = 0; name && l < langs->len; l++)
              if (!check->prompt_exists (g_ptr_array_index (langs, l), name, check->data))
                {
                  g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_PROMPT,
                               "%s: node \"%s\": %s \"%s\" does not exist in language \"%s\"",
                               flow->file_name, nth (flow, i)->name, prompts[p].key, name,
                               (const char *) g_ptr_array_index (langs, l));
                  return FALSE;
                }
          }
    }
  return TRUE;
}
