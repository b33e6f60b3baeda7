/* IVR flows: the `NAME.flow` files (format in FLOWS.md), loaded, checked
 * and compiled into an immutable, refcounted IvrFlow that the runtime
 * walks node by node; and IvrFlowSet, the flows of a few folders, which
 * reloads what changed. Pure: GLib/GIO only. A loaded IvrFlow may be read
 * from any thread; an IvrFlowSet belongs to the thread that made it. */
#pragma once

#include "expr.h"
#include "ivr-types.h"
#include "template.h"

G_BEGIN_DECLS

#define IVR_FLOW_ERROR (ivr_flow_error_quark ())
GQuark ivr_flow_error_quark (void);

typedef enum {
  IVR_FLOW_ERROR_READ,      /* the file cannot be read */
  IVR_FLOW_ERROR_TOO_BIG,   /* over 1 MiB, or over 1000 nodes */
  IVR_FLOW_ERROR_ENCODING,  /* not UTF-8 */
  IVR_FLOW_ERROR_SYNTAX,    /* not a key file */
  IVR_FLOW_ERROR_INVALID,   /* unknown kind or key, missing key, bad value */
  IVR_FLOW_ERROR_REFERENCE, /* a node named that does not exist */
  IVR_FLOW_ERROR_GRAPH,     /* unreachable node, no way out, a spinning cycle */
  IVR_FLOW_ERROR_PROMPT,    /* a prompt missing in a language the flow uses */
} IvrFlowError;

#define IVR_FLOW_MAX_BYTES (1024 * 1024)
#define IVR_FLOW_MAX_NODES 1000

typedef enum {
  IVR_NODE_PLAY,
  IVR_NODE_MENU,
  IVR_NODE_COLLECT,
  IVR_NODE_HTTP,
  IVR_NODE_LOOKUP,
  IVR_NODE_CONDITION,
  IVR_NODE_LANGUAGE,
  IVR_NODE_SET,
  IVR_NODE_ENQUEUE,
  IVR_NODE_TRANSFER,
  IVR_NODE_END,
  IVR_NODE_CALLBACK,
  IVR_NODE_QUESTION,
  IVR_NODE_HANGUP,
} IvrNodeKind;

/* A prompt is a list of items: a recorded prompt by name, or a say-item
 * (`say:KIND:VALUE[:ARG]`) that the say part turns into prompts. */
typedef enum {
  IVR_SAY_NUMBER,
  IVR_SAY_DIGITS,
  IVR_SAY_AMOUNT,
  IVR_SAY_DATE,
  IVR_SAY_TIME,
} IvrSayKind;

typedef struct {
  char *name;         /* a prompt's name; NULL for a say-item */
  IvrSayKind say;     /* say-item: what VALUE is */
  IvrTemplate *value; /* say-item: the value, expanded at run time */
  char *currency;     /* amount: "EUR", "USD" or "XOF"; else NULL */
} IvrPromptItem;

typedef struct {
  guint n_items; /* 0: no prompt (an optional one not given) */
  IvrPromptItem *items;
} IvrPrompt;

typedef struct _IvrNode IvrNode;

/* A menu's choices by key: 0-9, then '*', then '#'. */
#define IVR_MENU_KEYS "0123456789*#"

typedef struct {
  char *var;          /* a variable name */
  char *path;         /* http: a JSON path (a.b[0].c) */
  IvrTemplate *value; /* set: the value */
} IvrAssign;

/* Targets are nodes of the same flow (transfer none, live as long as it);
 * NULL only where FLOWS.md says the key is optional. Durations are in
 * seconds unless named _ms. */
struct _IvrNode {
  char *name;
  IvrNodeKind kind;
  guint index; /* its place among the flow's nodes, in file order */
  union {
    struct {
      IvrPrompt prompt;
      gboolean barge_in;
      const IvrNode *next;
    } play;
    struct {
      IvrPrompt prompt, invalid_prompt, no_input_prompt;
      const IvrNode *choices[12]; /* by index in IVR_MENU_KEYS; NULL: invalid */
      guint timeout, retries;
      const IvrNode *on_failure;
    } menu;
    struct {
      IvrPrompt prompt;
      char *into;
      guint min, max;
      char terminator; /* '#', or 0 for none */
      guint timeout, inter_digit, retries;
      const IvrNode *next, *on_failure;
    } collect;
    struct {
      IvrHttpMethod method;
      IvrTemplate *url, *body; /* body: NULL when none */
      char *content_type;      /* NULL when no body */
      guint timeout_ms;
      guint n_set;
      IvrAssign *set;
      const IvrNode *next, *on_error;
    } http;
    struct {
      IvrTemplate *number;
      const IvrNode *next, *on_not_found;
    } lookup; /* what = customer, the only kind */
    struct {
      IvrExpr *when;
      const IvrNode *then, *otherwise;
    } condition;
    struct {
      IvrTemplate *language;
      const IvrNode *next;
    } language;
    struct {
      guint n_values;
      IvrAssign *values;
      const IvrNode *next;
    } set;
    struct {
      char *queue;
      int priority;
      char **skills;     /* NULL-terminated, maybe empty */
      guint max_wait;    /* 0: none */
      char callback_key; /* '0'-'9', or 0 for none */
      const IvrNode *on_timeout;
      char *survey; /* a flow's name, or NULL */
    } enqueue;
    struct {
      IvrTemplate *number;
      IvrPrompt prompt;
    } transfer;
    struct {
      IvrPrompt prompt;
    } end;
    struct {
      char *queue;
      IvrPrompt prompt;
      guint max_message;
      const IvrNode *next; /* NULL: play callback-done and hang up */
    } callback;
    struct {
      IvrPrompt prompt;
      char *question;
      guint timeout, retries;
      const IvrNode *next;
    } question;
  } u;
};

/* Answers whether a prompt exists, for the load's checks. */
typedef struct {
  gboolean (*prompt_exists) (const char *language, const char *name, gpointer data);
  gpointer data;
} IvrFlowCheck;

/* A ready prompt_exists: @data is a prompts folder (const char *) and a
 * prompt is the file DIR/LANGUAGE/NAME.wav. */
gboolean ivr_flow_prompt_in_dir (const char *language, const char *name, gpointer data);

typedef struct _IvrFlow IvrFlow;

/* Loads and checks the flow file @path (its name: the file's name less
 * ".flow"). @check may be NULL: prompts are then checked only for their
 * syntax. On refusal returns NULL and an IVR_FLOW_ERROR whose message
 * names the file, the node and the reason. Returns (transfer full). */
IvrFlow *ivr_flow_load (const char *path, const IvrFlowCheck *check, GError **error);

/* The same from @len bytes of @data, as if read from a file named
 * @file_name ("NAME.flow"). */
IvrFlow *ivr_flow_load_from_data (const char *file_name, const char *data, gsize len,
                                  const IvrFlowCheck *check, GError **error);

IvrFlow *ivr_flow_ref (IvrFlow *flow);
void ivr_flow_unref (IvrFlow *flow);

/* All (transfer none), valid while @flow is. */
const char *ivr_flow_get_name (const IvrFlow *flow);
const char *ivr_flow_get_language (const IvrFlow *flow);
const char *ivr_flow_get_description (const IvrFlow *flow); /* NULL if none */
const IvrNode *ivr_flow_get_start (const IvrFlow *flow);
const IvrNode *ivr_flow_get_fallback (const IvrFlow *flow); /* NULL if none */
const IvrNode *ivr_flow_get_node (const IvrFlow *flow, const char *name);
guint ivr_flow_get_n_nodes (const IvrFlow *flow);
const IvrNode *ivr_flow_get_nth_node (const IvrFlow *flow, guint i);

/* TRUE when @now's date is one of the flow's holidays. */
gboolean ivr_flow_is_holiday (const IvrFlow *flow, GDateTime *now);

/* Evaluates the condition node @node of @flow with @vars at @now (the
 * caller's local time) and returns the node to go to. */
const IvrNode *ivr_flow_eval_condition (const IvrFlow *flow, const IvrNode *node,
                                        const IvrVars *vars, GDateTime *now);

/* The node a menu goes to for @key, or NULL (an invalid key). */
const IvrNode *ivr_menu_choice (const IvrNode *menu, char key);

const char *ivr_node_kind_to_string (IvrNodeKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IvrFlow, ivr_flow_unref)

/* The flows of some folders. A file that fails to load keeps the version
 * loaded before (if any); a file removed removes its flow. */
typedef struct _IvrFlowSet IvrFlowSet;

typedef struct {
  char *path;
  GError *error;
} IvrFlowProblem;

void ivr_flow_problem_free (IvrFlowProblem *problem);

/* @dirs: the folders in order of precedence (site first, then share); a
 * flow found in several comes from the first. @check is copied, its data
 * must outlive the set. Nothing is loaded until ivr_flow_set_reload(). */
IvrFlowSet *ivr_flow_set_new (const char *const *dirs, const IvrFlowCheck *check);
void ivr_flow_set_free (IvrFlowSet *set);

/* Reads the folders again and loads each flow file that is new or whose
 * contents changed (size, modification time, then a hash of the bytes).
 * Returns (transfer full) the problems of this pass (IvrFlowProblem *,
 * maybe empty): a file that failed is not retried until it changes. */
GPtrArray *ivr_flow_set_reload (IvrFlowSet *set);

/* The flow @name, (transfer full) a new reference or NULL. A call keeps
 * the version it got through later reloads. */
IvrFlow *ivr_flow_set_lookup (IvrFlowSet *set, const char *name);

/* The names of the flows loaded, sorted (transfer full). */
char **ivr_flow_set_get_names (IvrFlowSet *set);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IvrFlowSet, ivr_flow_set_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IvrFlowProblem, ivr_flow_problem_free)

G_END_DECLS
