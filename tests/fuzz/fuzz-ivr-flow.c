/* Fuzz target: the IVR's flow files — any bytes as a flow file must be
 * refused with a message that names the file, or load into a flow whose
 * every node the runtime can walk: templates expanded (plain and URI),
 * conditions evaluated, menu keys looked up, targets inside the flow. */
#include "flow.h"

#include "fuzz-log.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Every prompt exists but "missing", in every language but "zz". */
static gboolean
prompt_exists (const char *language, const char *name, gpointer data)
{
  (void) data;
  return strcmp (language, "zz") != 0 && strcmp (name, "missing") != 0;
}

static const char *
lookup (const char *name, gpointer data)
{
  (void) data;
  return name[0] == 'a' ? NULL : name[0] == 'n' ? "12.5" : "x y/é";
}

static void
expand (const IvrTemplate *tpl, const IvrVars *vars)
{
  if (!tpl)
    return;
  g_autofree char *plain = ivr_template_expand (tpl, vars);
  g_autofree char *uri = ivr_template_expand_uri (tpl, vars);
  g_assert (plain != NULL && uri != NULL);
}

static void
expand_prompt (const IvrPrompt *p, const IvrVars *vars)
{
  for (guint i = 0; i < p->n_items; i++)
    {
      g_assert ((p->items[i].name != NULL) != (p->items[i].value != NULL));
      expand (p->items[i].value, vars);
    }
}

static void
walk (const IvrFlow *flow, const IvrNode *n, const IvrVars *vars, GDateTime *now)
{
  g_assert (ivr_flow_get_node (flow, n->name) == n);
  switch (n->kind)
    {
    case IVR_NODE_PLAY:
      expand_prompt (&n->u.play.prompt, vars);
      break;
    case IVR_NODE_MENU:
      expand_prompt (&n->u.menu.prompt, vars);
      for (const char *k = IVR_MENU_KEYS; *k; k++)
        {
          const IvrNode *t = ivr_menu_choice (n, *k);
          g_assert (!t || ivr_flow_get_node (flow, t->name) == t);
        }
      break;
    case IVR_NODE_HTTP:
      expand (n->u.http.url, vars);
      expand (n->u.http.body, vars);
      break;
    case IVR_NODE_LOOKUP:
      expand (n->u.lookup.number, vars);
      break;
    case IVR_NODE_CONDITION:
      g_assert (ivr_flow_eval_condition (flow, n, vars, now) != NULL);
      break;
    case IVR_NODE_LANGUAGE:
      expand (n->u.language.language, vars);
      break;
    case IVR_NODE_SET:
      for (guint i = 0; i < n->u.set.n_values; i++)
        expand (n->u.set.values[i].value, vars);
      break;
    case IVR_NODE_TRANSFER:
      expand (n->u.transfer.number, vars);
      break;
    default:
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const IvrFlowCheck check = { prompt_exists, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (IvrFlow) flow
      = ivr_flow_load_from_data ("fuzz.flow", (const char *) data, size, &check, &error);
  if (!flow)
    {
      g_assert (error != NULL && error->domain == IVR_FLOW_ERROR);
      g_assert (g_str_has_prefix (error->message, "fuzz.flow: "));
      return 0;
    }
  g_assert (error == NULL && ivr_flow_get_start (flow) != NULL);
  g_assert (ivr_flow_get_n_nodes (flow) <= IVR_FLOW_MAX_NODES);
  IvrVars vars = { lookup, NULL, NULL };
  g_autoptr (GDateTime) now = g_date_time_new_utc (2026, 12, 25, 23, 59, 0);
  for (guint i = 0; i < ivr_flow_get_n_nodes (flow); i++)
    walk (flow, ivr_flow_get_nth_node (flow, i), &vars, now);
  return 0;
}
