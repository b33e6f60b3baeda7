/* Inside the flow part: what flow.c (reading a file into nodes) shares
 * with flow-check.c (the checks over the whole graph). */
#pragma once

#include "flow.h"

struct _IvrFlow {
  gatomicrefcount ref;
  char *name;
  char *file_name;
  char *language;
  char *description;
  const IvrNode *start;
  const IvrNode *fallback;
  GPtrArray *nodes;    /* IvrNode *, owned, in file order */
  GHashTable *by_name; /* node name → IvrNode * */
  GArray *holidays;    /* guint32 Julian days, sorted */
};

/* Fills @out (room for IVR_NODE_MAX_TARGETS) with the nodes @node may go
 * to and returns how many. */
#define IVR_NODE_MAX_TARGETS 16
guint ivr_node_targets (const IvrNode *node, const IvrNode **out);

/* Checks @flow's graph (reachability, a way out, no spinning cycle) and
 * its prompts; sets an IVR_FLOW_ERROR naming the file and the node. */
gboolean ivr_flow_check_graph (const IvrFlow *flow, GError **error);
gboolean ivr_flow_check_prompts (const IvrFlow *flow, const IvrFlowCheck *check, GError **error);

/* flow-parse.c: the [flow] group (after every node exists, so that start
 * and fallback resolve), a node's kind, then its keys. */
gboolean ivr_flow_read_header (IvrFlow *flow, GKeyFile *kf, GError **error);
gboolean ivr_node_read_kind (IvrFlow *flow, GKeyFile *kf, IvrNode *node, GError **error);
gboolean ivr_node_read (IvrFlow *flow, GKeyFile *kf, IvrNode *node, GError **error);
void ivr_node_free (IvrNode *node);

gboolean ivr_flow_name_is_valid (const char *name); /* [a-z0-9_-]{1,64} */
gboolean ivr_language_is_valid (const char *code);  /* [a-z]{2} */
