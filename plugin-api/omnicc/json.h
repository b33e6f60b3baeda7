/* omnicc plugin API — writing JSON. Include it only in a plugin that uses
 * json-glib (and then depend on json-glib-1.0 too). */
#pragma once

#include <json-glib/json-glib.h>
#include <omnicc/plugin.h>

G_BEGIN_DECLS

/**
 * occ_json_to_string:
 *
 * Writes @node as one line of JSON (transfer full). Use it instead of
 * json-glib 1.6's JsonGenerator, which writes reals such as 1e20 as
 * "1e+20.0", not JSON: here reals are valid, keep their exact value and
 * always read back as reals ("-0.0", "1e+20"); text that is not UTF-8 is
 * made valid. Any thread.
 */
OCC_API char *occ_json_to_string (JsonNode *node);

G_END_DECLS
