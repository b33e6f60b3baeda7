/* The IVR's flow files (plugins/ivr/flow*.c): the demo flows load with
 * every key parsed as the runtime reads it; each refusal the format
 * promises has a test whose message names the file, the node and the
 * reason; conditions run against the flow's holidays. */
#include "flow.h"
#include "ivr-fixture.h"
#include "testlib.h"

#include <glib/gstdio.h>

#define EXAMPLES SOURCE_ROOT "/share/examples/ivr"

static const IvrFlowCheck common = { test_common_prompt_exists, NULL };

static IvrFlow *
load_example (const char *name, GPtrArray *asked)
{
  g_autofree char *path = g_build_filename (EXAMPLES, name, NULL);
  IvrFlowCheck check = { test_common_prompt_exists, asked };
  g_autoptr (GError) error = NULL;
  IvrFlow *flow = ivr_flow_load (path, &check, &error);
  g_assert_no_error (error);
  return flow;
}

static const IvrNode *
node (const IvrFlow *flow, const char *name, IvrNodeKind kind)
{
  const IvrNode *n = ivr_flow_get_node (flow, name);
  g_assert_nonnull (n);
  g_assert_cmpstr (ivr_node_kind_to_string (n->kind), ==, ivr_node_kind_to_string (kind));
  return n;
}

static void
test_demo (void)
{
  g_autoptr (GPtrArray) asked = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (IvrFlow) flow = load_example ("demo.flow", asked);
  g_assert_cmpstr (ivr_flow_get_name (flow), ==, "demo");
  g_assert_cmpstr (ivr_flow_get_language (flow), ==, "fr");
  /* prompts were checked in French and in the English of node english */
  g_assert_cmpuint (asked->len, ==, 2);
  g_assert_cmpstr (ivr_flow_get_start (flow)->name, ==, "welcome");
  g_assert_cmpstr (ivr_flow_get_fallback (flow)->name, ==, "oops");

  const IvrNode *menu = node (flow, "main-menu", IVR_NODE_MENU);
  /* (the French main-menu prompt ends with "For English, press 9" itself) */
  g_assert_cmpuint (menu->u.menu.prompt.n_items, ==, 1);
  g_assert_cmpstr (menu->u.menu.prompt.items[0].name, ==, "main-menu");
  g_assert_cmpstr (ivr_menu_choice (menu, '1')->name, ==, "balance");
  g_assert_cmpstr (ivr_menu_choice (menu, '9')->name, ==, "english");
  g_assert_null (ivr_menu_choice (menu, '5'));
  g_assert_null (ivr_menu_choice (menu, '#'));
  g_assert_cmpuint (menu->u.menu.timeout, ==, 5);
  g_assert_cmpuint (menu->u.menu.retries, ==, 3);
  g_assert_cmpstr (menu->u.menu.on_failure->name, ==, "agent");
  g_assert_cmpstr (menu->u.menu.no_input_prompt.items[0].name, ==, "no-input");

  const IvrNode *http = node (flow, "balance", IVR_NODE_HTTP);
  g_assert_cmpint (http->u.http.method, ==, IVR_HTTP_GET);
  g_assert_cmpuint (http->u.http.timeout_ms, ==, 3000);
  g_assert_cmpuint (http->u.http.n_set, ==, 1);
  g_assert_cmpstr (http->u.http.set[0].var, ==, "balance");
  g_assert_cmpstr (http->u.http.set[0].path, ==, "balance");
  g_assert_cmpstr (http->u.http.on_error->name, ==, "balance-unavailable");
  const char *const pairs[] = { "billing_port", "8088", "caller", "+2250102030405", NULL };
  g_autoptr (TestVars) tv = test_vars_new (pairs);
  g_autofree char *url = ivr_template_expand_uri (http->u.http.url, &tv->vars);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:8088/balance?number=%2B2250102030405");

  const IvrNode *said = node (flow, "balance-is", IVR_NODE_PLAY);
  const IvrPromptItem *amount = &said->u.play.prompt.items[1];
  g_assert_null (amount->name);
  g_assert_cmpint (amount->say, ==, IVR_SAY_AMOUNT);
  g_assert_cmpstr (amount->currency, ==, "EUR");
  g_assert_cmpstr (ivr_template_get_source (amount->value), ==, "${balance}");
  g_assert_true (said->u.play.barge_in);

  const IvrNode *agent = node (flow, "agent", IVR_NODE_ENQUEUE);
  g_assert_cmpstr (agent->u.enqueue.queue, ==, "support");
  g_assert_cmpuint (agent->u.enqueue.max_wait, ==, 60);
  g_assert_cmpint (agent->u.enqueue.callback_key, ==, '3');
  g_assert_cmpstr (agent->u.enqueue.on_timeout->name, ==, "callback");
  g_assert_cmpstr (agent->u.enqueue.survey, ==, "survey");
  g_assert_cmpuint (g_strv_length (agent->u.enqueue.skills), ==, 0);

  const IvrNode *cb = node (flow, "callback", IVR_NODE_CALLBACK);
  g_assert_cmpuint (cb->u.callback.max_message, ==, 30);
  g_assert_null (cb->u.callback.next);
  const IvrNode *english = node (flow, "english", IVR_NODE_LANGUAGE);
  g_assert_cmpstr (ivr_template_get_literal (english->u.language.language), ==, "en");

  /* always open, on a holiday too, and the holidays are the flow's */
  const IvrNode *hours = node (flow, "hours", IVR_NODE_CONDITION);
  g_autoptr (GDateTime) sunday_night = test_time ("2026-11-29 23:59");
  g_autoptr (GDateTime) christmas = test_time ("2026-12-25 10:00");
  g_assert_true (ivr_flow_eval_condition (flow, hours, NULL, sunday_night) == menu);
  g_assert_true (ivr_flow_eval_condition (flow, hours, NULL, christmas) == menu);
  g_assert_true (ivr_flow_is_holiday (flow, christmas));
  g_assert_false (ivr_flow_is_holiday (flow, sunday_night));
}

static void
test_survey (void)
{
  g_autoptr (IvrFlow) flow = load_example ("survey.flow", NULL);
  g_assert_cmpstr (ivr_flow_get_name (flow), ==, "survey");
  g_assert_cmpuint (ivr_flow_get_n_nodes (flow), ==, 4);
  const IvrNode *q1 = node (flow, "q1", IVR_NODE_QUESTION);
  g_assert_nonnull (strstr (q1->u.question.question, "satisfied"));
  g_assert_cmpstr (q1->u.question.next->name, ==, "q2");
  g_assert_false (node (flow, "intro", IVR_NODE_PLAY)->u.play.barge_in);
  g_assert_cmpstr (ivr_flow_get_nth_node (flow, 3)->name, ==, "thanks");
}

/* Every kind with every key, defaults, and values at their limits. */
static const char every_kind[] = "[flow]\n"
                                 "start = a\n"
                                 "fallback = bye\n"
                                 "[a]\n"
                                 "kind = set\n"
                                 "values = greeting: Hello ${caller}; cost : $$3\n"
                                 "next = c\n"
                                 "[c]\n"
                                 "kind = collect\n"
                                 "prompt = please-hold; say:digits:12*#\n"
                                 "into = account\n"
                                 "min = 4\n"
                                 "max = 4\n"
                                 "terminator = none\n"
                                 "next = h\n"
                                 "on-failure = bye\n"
                                 "[h]\n"
                                 "kind = http\n"
                                 "method = POST\n"
                                 "url = https://example.test/x/${account}\n"
                                 "body = {\"a\": \"${account}\"}\n"
                                 "timeout = 30000\n"
                                 "set = v: data.items[0].value; w:x\n"
                                 "next = l\n"
                                 "on-error = bye\n"
                                 "[l]\n"
                                 "kind = lookup\n"
                                 "what = customer\n"
                                 "next = lang\n"
                                 "on-not-found = t\n"
                                 "[lang]\n"
                                 "kind = language\n"
                                 "language = ${customer.language}\n"
                                 "next = q\n"
                                 "[q]\n"
                                 "kind = enqueue\n"
                                 "queue = Sales.EU\n"
                                 "priority = -1000\n"
                                 "skills = french; billing:50\n"
                                 "[t]\n"
                                 "kind = transfer\n"
                                 "number = +33123456789\n"
                                 "[bye]\n"
                                 "kind = hangup\n";

static void
test_every_kind (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (IvrFlow) flow
      = ivr_flow_load_from_data ("all.flow", every_kind, sizeof every_kind - 1, &common, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ivr_flow_get_language (flow), ==, "en");
  g_assert_null (ivr_flow_get_description (flow));
  const IvrNode *a = node (flow, "a", IVR_NODE_SET);
  g_assert_cmpuint (a->u.set.n_values, ==, 2);
  g_assert_cmpstr (a->u.set.values[1].var, ==, "cost");
  g_assert_cmpstr (ivr_template_get_literal (a->u.set.values[1].value), ==, "$3");
  const IvrNode *c = node (flow, "c", IVR_NODE_COLLECT);
  g_assert_cmpint (c->u.collect.terminator, ==, 0);
  g_assert_cmpuint (c->u.collect.min, ==, 4);
  g_assert_cmpuint (c->u.collect.timeout, ==, 5);
  g_assert_cmpuint (c->u.collect.inter_digit, ==, 3);
  g_assert_cmpuint (c->u.collect.retries, ==, 2);
  g_assert_cmpint (c->u.collect.prompt.items[1].say, ==, IVR_SAY_DIGITS);
  const IvrNode *h = node (flow, "h", IVR_NODE_HTTP);
  g_assert_cmpint (h->u.http.method, ==, IVR_HTTP_POST);
  g_assert_cmpstr (h->u.http.content_type, ==, "application/json");
  g_assert_cmpstr (h->u.http.set[0].path, ==, "data.items[0].value");
  const IvrNode *l = node (flow, "l", IVR_NODE_LOOKUP);
  g_assert_cmpstr (ivr_template_get_source (l->u.lookup.number), ==, "${caller}");
  const IvrNode *q = node (flow, "q", IVR_NODE_ENQUEUE);
  g_assert_cmpint (q->u.enqueue.priority, ==, -1000);
  g_assert_cmpstr (q->u.enqueue.skills[1], ==, "billing:50");
  g_assert_null (q->u.enqueue.on_timeout);
  g_assert_cmpint (q->u.enqueue.callback_key, ==, 0);
  g_assert_cmpuint (q->u.enqueue.max_wait, ==, 0);
}

/* ---- refusals: each names the file, the node and the reason ---- */

#define HEAD "[flow]\nstart = a\nlanguage = fr\n"
#define PLAY_A "[a]\nkind = play\nprompt = welcome\nnext = z\n"
#define END_Z "[z]\nkind = hangup\n"

static const struct {
  const char *what;
  const char *text;
  IvrFlowError code;
  const char *message;
} refusals[] = {
  { "unknown-kind", HEAD "[a]\nkind = dance\n", IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": kind \"dance\" is not one of play, menu" },
  { "unknown-key", HEAD "[a]\nkind = play\nprompt = welcome\nnxet = z\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": unknown key \"nxet\" in a play node" },
  { "unknown-flow-key", HEAD "begin = a\n" PLAY_A END_Z, IVR_FLOW_ERROR_INVALID,
    "bad.flow: [flow]: unknown key \"begin\"" },
  { "localised-key", HEAD "[a]\nkind = play\nprompt = welcome\nprompt[en] = x\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": unknown key \"prompt[en]\"" },
  { "missing-key", HEAD "[a]\nkind = play\nprompt = welcome\n" END_Z, IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": \"next\" is missing (a play node needs it)" },
  { "missing-kind", HEAD "[a]\nprompt = welcome\n", IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": \"kind\" is missing" },
  { "missing-start", "[flow]\nlanguage = fr\n" PLAY_A END_Z, IVR_FLOW_ERROR_INVALID,
    "bad.flow: [flow]: \"start\" is missing" },
  { "missing-flow-group", PLAY_A END_Z, IVR_FLOW_ERROR_INVALID, "bad.flow: no [flow] group" },
  { "bad-language", "[flow]\nstart = a\nlanguage = french\n" PLAY_A END_Z, IVR_FLOW_ERROR_INVALID,
    "bad.flow: [flow]: language \"french\" is not a code" },
  { "bad-holiday", HEAD "holidays = 2026-02-30\n" PLAY_A END_Z, IVR_FLOW_ERROR_INVALID,
    "bad.flow: [flow]: holiday \"2026-02-30\" is not a date YYYY-MM-DD" },
  { "bad-node-name", HEAD PLAY_A END_Z "[Big Node]\nkind = hangup\n", IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"Big Node\": not a node name" },
  { "menu-timeout-range",
    HEAD
    "[a]\nkind = menu\nprompt = main-menu\nchoices = 1:z\ntimeout = 99\non-failure = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": timeout \"99\" is not a whole number from 1 to 60" },
  { "menu-bad-key",
    HEAD "[a]\nkind = menu\nprompt = main-menu\nchoices = A:z\non-failure = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": choice \"A:z\" is not KEY:NODE with KEY one of 0-9 * #" },
  { "menu-key-twice",
    HEAD "[a]\nkind = menu\nprompt = main-menu\nchoices = 1:z; 1:a\non-failure = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": choice 1 is given twice" },
  { "collect-min-above-max",
    HEAD "[a]\nkind = collect\nprompt = beep\ninto = x\nmin = 5\nmax = 4\nnext = z\n"
         "on-failure = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": min 5 is above max 4" },
  { "collect-terminator",
    HEAD "[a]\nkind = collect\nprompt = beep\ninto = x\nterminator = *\nnext = z\n"
         "on-failure = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": terminator \"*\" is not # or none" },
  { "collect-bad-variable",
    HEAD "[a]\nkind = collect\nprompt = beep\ninto = Account\nnext = z\non-failure = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": into \"Account\" is not a variable name" },
  { "http-timeout",
    HEAD "[a]\nkind = http\nurl = http://h/\ntimeout = 30001\nnext = z\non-error = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": timeout \"30001\" is not a whole number from 1 to 30000" },
  { "http-scheme", HEAD "[a]\nkind = http\nurl = ftp://h/\nnext = z\non-error = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": url \"ftp://h/\" does not begin with http:// or https://" },
  { "http-url-variable-host",
    HEAD "[a]\nkind = http\nurl = ${base}/x\nnext = z\non-error = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "does not begin with http:// or https://" },
  { "http-method",
    HEAD "[a]\nkind = http\nmethod = PUT\nurl = http://h/\nnext = z\non-error = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": method \"PUT\" is not GET or POST" },
  { "http-body-on-get",
    HEAD "[a]\nkind = http\nurl = http://h/\nbody = x\nnext = z\non-error = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": a body needs method = POST" },
  { "http-set-path",
    HEAD "[a]\nkind = http\nurl = http://h/\nset = v:a..b\nnext = z\non-error = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": set: \"a..b\" is not a JSON path" },
  { "unclosed-template",
    HEAD "[a]\nkind = http\nurl = http://h/?n=${caller\nnext = z\non-error = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": url: \"${\" at offset 12 is not closed" },
  { "unclosed-template-in-say",
    HEAD "[a]\nkind = play\nprompt = balance-is; say:number:${n\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": prompt: \"say:number:${n\": \"${\"" },
  { "say-kind", HEAD "[a]\nkind = play\nprompt = say:colour:red\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": prompt: \"say:colour:red\" is not say:KIND:VALUE" },
  { "say-date", HEAD "[a]\nkind = play\nprompt = say:date:2026-13-01\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": prompt: \"2026-13-01\" cannot be said as date" },
  { "say-time", HEAD "[a]\nkind = play\nprompt = say:time:24:00\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": prompt: \"24:00\" cannot be said as time" },
  { "say-currency", HEAD "[a]\nkind = play\nprompt = say:amount:12.50:GBP\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "needs a currency: say:amount:VALUE:EUR, USD or XOF" },
  { "prompt-name", HEAD "[a]\nkind = play\nprompt = Welcome.wav\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": prompt: \"Welcome.wav\" is neither a prompt name" },
  { "condition-syntax",
    HEAD "[a]\nkind = condition\nwhen = time 25:00-26:00\nthen = z\nelse = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": when: expected a time range" },
  { "language-code", HEAD "[a]\nkind = language\nlanguage = fra\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": language \"fra\" is not a code" },
  { "enqueue-priority", HEAD "[a]\nkind = enqueue\nqueue = q\npriority = 1001\n",
    IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": priority \"1001\" is not a whole number from -1000 to 1000" },
  { "enqueue-without-on-timeout", HEAD "[a]\nkind = enqueue\nqueue = q\nmax-wait = 60\n",
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": max-wait or callback-key needs on-timeout" },
  { "enqueue-callback-key",
    HEAD "[a]\nkind = enqueue\nqueue = q\ncallback-key = #\non-timeout = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": callback-key \"#\" is not a digit" },
  { "transfer-number", HEAD "[a]\nkind = transfer\nnumber = call me\n", IVR_FLOW_ERROR_INVALID,
    "bad.flow: node \"a\": number \"call me\" is not a phone number" },
  { "barge-in", HEAD "[a]\nkind = play\nprompt = welcome\nbarge-in = yes\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_INVALID, "bad.flow: node \"a\": barge-in \"yes\" is not true or false" },
  /* references */
  { "dangling-choice",
    HEAD "[a]\nkind = menu\nprompt = main-menu\nchoices = 1:z; 4:nowhere\non-failure = z\n" END_Z,
    IVR_FLOW_ERROR_REFERENCE,
    "bad.flow: node \"a\": choice 4 goes to \"nowhere\", which is not a node" },
  { "dangling-next", HEAD "[a]\nkind = play\nprompt = welcome\nnext = nowhere\n",
    IVR_FLOW_ERROR_REFERENCE,
    "bad.flow: node \"a\": next goes to \"nowhere\", which is not a node" },
  { "dangling-start", "[flow]\nstart = nowhere\n" PLAY_A END_Z, IVR_FLOW_ERROR_REFERENCE,
    "bad.flow: [flow]: start goes to \"nowhere\", which is not a node" },
  /* the graph */
  { "unreachable", HEAD PLAY_A END_Z "[lost]\nkind = hangup\n", IVR_FLOW_ERROR_GRAPH,
    "bad.flow: node \"lost\": cannot be reached from start \"a\"" },
  { "no-way-out",
    HEAD "[a]\nkind = menu\nprompt = main-menu\nchoices = 1:b\non-failure = a\n"
         "[b]\nkind = play\nprompt = welcome\nnext = a\n",
    IVR_FLOW_ERROR_GRAPH,
    "bad.flow: node \"a\": no end, transfer, enqueue, callback or hangup node can be reached "
    "from it" },
  { "spinning-cycle",
    HEAD "[a]\nkind = condition\nwhen = ${x}\nthen = b\nelse = z\n"
         "[b]\nkind = http\nurl = http://h/\nnext = a\non-error = z\n" END_Z,
    IVR_FLOW_ERROR_GRAPH,
    "bad.flow: node \"a\": the cycle a -> b -> a has no menu, collect or question node to wait "
    "for the caller (it would spin)" },
  { "self-loop", HEAD "[a]\nkind = http\nurl = http://h/\nnext = z\non-error = a\n" END_Z,
    IVR_FLOW_ERROR_GRAPH, "bad.flow: node \"a\": the cycle a -> a has no menu" },
  /* prompts */
  { "missing-prompt", HEAD "[a]\nkind = play\nprompt = welcom\nnext = z\n" END_Z,
    IVR_FLOW_ERROR_PROMPT,
    "bad.flow: node \"a\": prompt \"welcom\" does not exist in language \"fr\"" },
  { "missing-prompt-in-a-language-node",
    HEAD "[a]\nkind = language\nlanguage = de\nnext = b\n"
         "[b]\nkind = end\nprompt = goodbye\n",
    IVR_FLOW_ERROR_PROMPT,
    "bad.flow: node \"b\": prompt \"goodbye\" does not exist in language \"de\"" },
  { "missing-menu-prompt",
    HEAD "[a]\nkind = menu\nprompt = main-menu\nchoices = 1:z\ninvalid-prompt = wrong\n"
         "on-failure = z\n" END_Z,
    IVR_FLOW_ERROR_PROMPT,
    "bad.flow: node \"a\": invalid-prompt \"wrong\" does not exist in language \"fr\"" },
  /* the file */
  { "not-utf8", HEAD "description = caf\xe9\n" PLAY_A END_Z, IVR_FLOW_ERROR_ENCODING,
    "bad.flow: not UTF-8 (byte 48)" },
  { "not-a-key-file", HEAD "this is not a key\n", IVR_FLOW_ERROR_SYNTAX, "bad.flow: " },
};

static void
test_refusal (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  g_autoptr (GError) error = NULL;
  g_autoptr (IvrFlow) flow = ivr_flow_load_from_data ("bad.flow", refusals[i].text,
                                                      strlen (refusals[i].text), &common, &error);
  g_assert_null (flow);
  g_assert_nonnull (error);
  if (!g_error_matches (error, IVR_FLOW_ERROR, refusals[i].code)
      || !strstr (error->message, refusals[i].message))
    g_error ("%s: got %d «%s», expected %d «%s»", refusals[i].what, error->code, error->message,
             refusals[i].code, refusals[i].message);
}

/* The same text with its fault fixed loads: the refusals above are for
 * their reason, not for something else in the text. */
static void
test_fixed_loads (void)
{
  static const char *const fixed[] = {
    HEAD PLAY_A END_Z,
    HEAD "[a]\nkind = condition\nwhen = ${x}\nthen = b\nelse = z\n"
         "[b]\nkind = menu\nprompt = main-menu\nchoices = 1:a\non-failure = z\n" END_Z,
    HEAD "[a]\nkind = language\nlanguage = en\nnext = b\n[b]\nkind = end\nprompt = goodbye\n",
    HEAD "[a]\nkind = enqueue\nqueue = q\nmax-wait = 60\ncallback-key = 3\non-timeout = z\n"
         "[z]\nkind = callback\nqueue = q\nmax-message = 600\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (IvrFlow) flow
          = ivr_flow_load_from_data ("ok.flow", fixed[i], strlen (fixed[i]), &common, &error);
      g_assert_no_error (error);
    }
}

static void
test_too_many_nodes (void)
{
  g_autoptr (GString) text = g_string_new (HEAD "[a]\nkind = hangup\n");
  for (guint i = 1; i <= IVR_FLOW_MAX_NODES; i++)
    g_string_append_printf (text, "[n%u]\nkind = hangup\n", i);
  g_autoptr (GError) error = NULL;
  g_autoptr (IvrFlow) flow
      = ivr_flow_load_from_data ("big.flow", text->str, text->len, NULL, &error);
  g_assert_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_TOO_BIG);
  g_assert_cmpstr (error->message, ==, "big.flow: 1001 nodes, more than the 1000 a flow may have");
}

/* A file over 1 MiB is refused from its size, before it is read. */
static void
test_too_big_file (void)
{
  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "huge.flow", NULL);
  g_autoptr (GString) text = g_string_new (HEAD PLAY_A END_Z);
  while (text->len <= IVR_FLOW_MAX_BYTES)
    g_string_append (text, "# padding padding padding padding padding padding padding\n");
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (IvrFlow) flow = ivr_flow_load (path, NULL, &error);
  g_assert_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_TOO_BIG);
  g_assert_true (g_str_has_prefix (error->message, "huge.flow: "));
  g_assert_nonnull (strstr (error->message, "more than the 1048576 a flow file may have"));
  g_clear_error (&error);
  g_assert_null (ivr_flow_load_from_data ("huge.flow", text->str, text->len, NULL, &error));
  g_assert_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_TOO_BIG);
  occ_test_rmtree (dir);
}

static void
test_file_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (ivr_flow_load ("/nonexistent/x.flow", NULL, &error));
  g_assert_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_READ);
  g_assert_true (g_str_has_prefix (error->message, "x.flow: "));
  g_clear_error (&error);
  const char text[] = HEAD PLAY_A END_Z;
  g_assert_null (ivr_flow_load_from_data ("Demo Flow.flow", text, sizeof text - 1, NULL, &error));
  g_assert_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_READ);
  g_clear_error (&error);
  g_assert_null (ivr_flow_load_from_data ("demo.txt", text, sizeof text - 1, NULL, &error));
  g_assert_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_READ);
}

/* Without a check, prompts are only checked for their syntax; with the
 * ready prompts-folder check, a prompt is DIR/LANG/NAME.wav. */
static void
test_prompts_dir (void)
{
  const char text[] = HEAD PLAY_A END_Z;
  g_autoptr (IvrFlow) unchecked
      = ivr_flow_load_from_data ("p.flow", text, sizeof text - 1, NULL, NULL);
  g_assert_nonnull (unchecked);

  g_autofree char *dir = occ_test_mkdtemp ();
  g_autofree char *fr = g_build_filename (dir, "fr", NULL);
  g_autofree char *wav = g_build_filename (fr, "welcome.wav", NULL);
  IvrFlowCheck check = { ivr_flow_prompt_in_dir, dir };
  g_autoptr (GError) error = NULL;
  g_assert_null (ivr_flow_load_from_data ("p.flow", text, sizeof text - 1, &check, &error));
  g_assert_error (error, IVR_FLOW_ERROR, IVR_FLOW_ERROR_PROMPT);
  g_assert_cmpint (g_mkdir (fr, 0700), ==, 0);
  g_assert_true (g_file_set_contents (wav, "RIFF", 4, NULL));
  g_autoptr (IvrFlow) flow
      = ivr_flow_load_from_data ("p.flow", text, sizeof text - 1, &check, NULL);
  g_assert_nonnull (flow);
  occ_test_rmtree (dir);
}

/* A reference outlives the caller's; the flow is immutable and shared. */
static void
test_refcount (void)
{
  const char text[] = HEAD PLAY_A END_Z;
  IvrFlow *flow = ivr_flow_load_from_data ("r.flow", text, sizeof text - 1, NULL, NULL);
  IvrFlow *second = ivr_flow_ref (flow);
  ivr_flow_unref (flow);
  g_assert_cmpstr (ivr_flow_get_start (second)->u.play.next->name, ==, "z");
  ivr_flow_unref (second);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ivr/flow/demo-loads", test_demo);
  g_test_add_func ("/ivr/flow/survey-loads", test_survey);
  g_test_add_func ("/ivr/flow/every-kind-parses", test_every_kind);
  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ivr/flow/refuses/%s", refusals[i].what);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_refusal);
    }
  g_test_add_func ("/ivr/flow/refusals-fixed-load", test_fixed_loads);
  g_test_add_func ("/ivr/flow/refuses/too-many-nodes", test_too_many_nodes);
  g_test_add_func ("/ivr/flow/refuses/too-big-file", test_too_big_file);
  g_test_add_func ("/ivr/flow/refuses/bad-file", test_file_errors);
  g_test_add_func ("/ivr/flow/checks-prompts-in-a-folder", test_prompts_dir);
  g_test_add_func ("/ivr/flow/reference-outlives-the-first", test_refcount);
  return g_test_run ();
}
