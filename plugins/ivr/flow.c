/* IVR flows (flow.h): reading a flow file — size, encoding, key-file
 * syntax, the nodes (flow-parse.c), then the checks over the whole graph
 * and the prompts (flow-check.c) — and the loaded flow's accessors. */
#include "flow-private.h"

#include <gio/gio.h>
#include <string.h>

G_DEFINE_QUARK (ivr - flow - error - quark, ivr_flow_error)

static void
flow_free (IvrFlow *flow)
{
  g_free (flow->name);
  g_free (flow->file_name);
  g_free (flow->language);
  g_free (flow->description);
  g_hash_table_unref (flow->by_name);
  g_ptr_array_unref (flow->nodes);
  g_array_unref (flow->holidays);
  g_free (flow);
}

IvrFlow *
ivr_flow_ref (IvrFlow *flow)
{
  g_return_val_if_fail (flow != NULL, NULL);
  g_atomic_ref_count_inc (&flow->ref);
  return flow;
}

void
ivr_flow_unref (IvrFlow *flow)
{
  if (flow && g_atomic_ref_count_dec (&flow->ref))
    flow_free (flow);
}

/* Every group but [flow] becomes a node (named, its kind read) before any
 * key is read, so that targets resolve whatever their order. */
static gboolean
make_nodes (IvrFlow *flow, GKeyFile *kf, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  if (!g_strv_contains ((const char *const *) groups, "flow"))
    {
      g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_INVALID, "%s: no [flow] group",
                   flow->file_name);
      return FALSE;
    }
  if (g_strv_length (groups) - 1 > IVR_FLOW_MAX_NODES)
    {
      g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_TOO_BIG,
                   "%s: %u nodes, more than the %d a flow may have", flow->file_name,
                   g_strv_length (groups) - 1, IVR_FLOW_MAX_NODES);
      return FALSE;
    }
  for (guint i = 0; groups[i]; i++)
    {
      if (strcmp (groups[i], "flow") == 0)
        continue;
      if (!ivr_flow_name_is_valid (groups[i]))
        {
          g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_INVALID,
                       "%s: node \"%s\": not a node name ([a-z0-9_-], 64 at most)", flow->file_name,
                       groups[i]);
          return FALSE;
        }
      IvrNode *node = g_new0 (IvrNode, 1);
      node->name = g_strdup (groups[i]);
      node->kind = IVR_NODE_HANGUP; /* nothing to free until its kind is read */
      node->index = flow->nodes->len;
      g_ptr_array_add (flow->nodes, node);
      g_hash_table_insert (flow->by_name, node->name, node);
    }
  for (guint i = 0; i < flow->nodes->len; i++)
    if (!ivr_node_read_kind (flow, kf, g_ptr_array_index (flow->nodes, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
read_flow (IvrFlow *flow, const char *data, gsize len, const IvrFlowCheck *check, GError **error)
{
  if (len > IVR_FLOW_MAX_BYTES)
    {
      g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_TOO_BIG,
                   "%s: %" G_GSIZE_FORMAT " bytes, more than the %d a flow file may have",
                   flow->file_name, len, IVR_FLOW_MAX_BYTES);
      return FALSE;
    }
  const char *bad = NULL;
  if (!g_utf8_validate_len (data, len, &bad))
    {
      g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_ENCODING,
                   "%s: not UTF-8 (byte %" G_GSIZE_FORMAT ")", flow->file_name,
                   (gsize) (bad - data));
      return FALSE;
    }
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_KEEP_TRANSLATIONS, &local))
    {
      g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_SYNTAX, "%s: %s", flow->file_name,
                   local->message);
      return FALSE;
    }
  if (!make_nodes (flow, kf, error) || !ivr_flow_read_header (flow, kf, error))
    return FALSE;
  for (guint i = 0; i < flow->nodes->len; i++)
    if (!ivr_node_read (flow, kf, g_ptr_array_index (flow->nodes, i), error))
      return FALSE;
  return ivr_flow_check_graph (flow, error) && ivr_flow_check_prompts (flow, check, error);
}

IvrFlow *
ivr_flow_load_from_data (const char *file_name, const char *data, gsize len,
                         const IvrFlowCheck *check, GError **error)
{
  g_return_val_if_fail (file_name != NULL && (data != NULL || len == 0), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_autoptr (IvrFlow) flow = g_new0 (IvrFlow, 1);
  g_atomic_ref_count_init (&flow->ref);
  flow->file_name = g_path_get_basename (file_name);
  flow->name = g_str_has_suffix (flow->file_name, ".flow")
                   ? g_strndup (flow->file_name, strlen (flow->file_name) - 5)
                   : g_strdup (flow->file_name);
  flow->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) ivr_node_free);
  flow->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  flow->holidays = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (!ivr_flow_name_is_valid (flow->name) || !g_str_has_suffix (flow->file_name, ".flow"))
    {
      g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_READ,
                   "%s: a flow file is named NAME.flow, NAME [a-z0-9_-] (64 at most)",
                   flow->file_name);
      return NULL;
    }
  if (!read_flow (flow, data ? data : "", len, check, error))
    return NULL;
  return g_steal_pointer (&flow);
}

IvrFlow *
ivr_flow_load (const char *path, const IvrFlowCheck *check, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                  G_FILE_QUERY_INFO_NONE, NULL, NULL);
  g_autofree char *base = g_path_get_basename (path);
  if (info && g_file_info_get_size (info) > IVR_FLOW_MAX_BYTES)
    {
      /* refused before reading it all */
      g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_TOO_BIG,
                   "%s: %" G_GOFFSET_FORMAT " bytes, more than the %d a flow file may have", base,
                   g_file_info_get_size (info), IVR_FLOW_MAX_BYTES);
      return NULL;
    }
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_READ, "%s: %s", base, local->message);
      return NULL;
    }
  return ivr_flow_load_from_data (path, data, len, check, error);
}

const char *
ivr_flow_get_name (const IvrFlow *flow)
{
  g_return_val_if_fail (flow != NULL, NULL);
  return flow->name;
}

const char *
ivr_flow_get_language (const IvrFlow *flow)
{
  g_return_val_if_fail (flow != NULL, NULL);
  return flow->language;
}

const char *
ivr_flow_get_description (const IvrFlow *flow)
{
  g_return_val_if_fail (flow != NULL, NULL);
  return flow->description;
}

const IvrNode *
ivr_flow_get_start (const IvrFlow *flow)
{
  g_return_val_if_fail (flow != NULL, NULL);
  return flow->start;
}

const IvrNode *
ivr_flow_get_fallback (const IvrFlow *flow)
{
  g_return_val_if_fail (flow != NULL, NULL);
  return flow->fallback;
}

const IvrNode *
ivr_flow_get_node (const IvrFlow *flow, const char *name)
{
  g_return_val_if_fail (flow != NULL && name != NULL, NULL);
  return g_hash_table_lookup (flow->by_name, name);
}

guint
ivr_flow_get_n_nodes (const IvrFlow *flow)
{
  g_return_val_if_fail (flow != NULL, 0);
  return flow->nodes->len;
}

const IvrNode *
ivr_flow_get_nth_node (const IvrFlow *flow, guint i)
{
  g_return_val_if_fail (flow != NULL && i < flow->nodes->len, NULL);
  return g_ptr_array_index (flow->nodes, i);
}

static IvrExprContext
context (const IvrFlow *flow, const IvrVars *vars, GDateTime *now)
{
  return (IvrExprContext){ vars, now, (const guint32 *) (gpointer) flow->holidays->data,
                           flow->holidays->len };
}

gboolean
ivr_flow_is_holiday (const IvrFlow *flow, GDateTime *now)
{
  g_return_val_if_fail (flow != NULL && now != NULL, FALSE);
  IvrExprContext ctx = context (flow, NULL, now);
  return ivr_expr_context_is_holiday (&ctx);
}

const IvrNode *
ivr_flow_eval_condition (const IvrFlow *flow, const IvrNode *node, const IvrVars *vars,
                         GDateTime *now)
{
  g_return_val_if_fail (flow != NULL && node != NULL && node->kind == IVR_NODE_CONDITION, NULL);
  IvrExprContext ctx = context (flow, vars, now);
  return ivr_expr_eval (node->u.condition.when, &ctx) ? node->u.condition.then
                                                      : node->u.condition.otherwise;
}

const IvrNode *
ivr_menu_choice (const IvrNode *menu, char key)
{
  g_return_val_if_fail (menu != NULL && menu->kind == IVR_NODE_MENU, NULL);
  const char *k = key ? strchr (IVR_MENU_KEYS, key) : NULL;
  return k ? menu->u.menu.choices[k - IVR_MENU_KEYS] : NULL;
}

gboolean
ivr_flow_prompt_in_dir (const char *language, const char *name, gpointer data)
{
  g_autofree char *file = g_strconcat (name, ".wav", NULL);
  g_autofree char *path = g_build_filename (data, language, file, NULL);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}
