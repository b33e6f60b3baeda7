/* Fuzz target: one request line on the control socket, through the real
 * command table of a context with no plugins. Every request gets exactly
 * one JSON answer. */
#include "context.h"
#include "control.h"

#include <json-glib/json-glib.h>
#include "fuzz-log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
static OccContext *ctx;

static void
check_answer (const char *line, gpointer data)
{
  (*(guint *) data)++;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert (json_parser_load_from_data (p, line, -1, NULL));
  g_assert (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (ctx == NULL)
    ctx = occ_context_new (NULL);
  g_autofree char *line = g_strndup ((const char *) data, size);
  /* daemon.stop and reloads act on the process, not the request */
  if (strstr (line, "daemon.stop") || strstr (line, "config.reload"))
    return 0;
  guint answers = 0;
  occ_control_dispatch (ctx->control, line, check_answer, &answers);
  g_assert (answers == 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
