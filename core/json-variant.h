/* GVariant <-> JSON conversion (see json-variant.c for the mapping). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <omnicc/json.h>

#define OCC_JSON_ERROR (occ_json_error_quark ())
GQuark occ_json_error_quark (void);

/* Deepest nesting accepted from outside (GVariant allows 128 levels). */
#define OCC_JSON_MAX_DEPTH 64

/* Encodes @v (transfer full), losslessly given its type. */
JsonNode *occ_json_from_variant (GVariant *v);

/* Encodes @v for people and scripts: like occ_json_from_variant() but a
 * variant ("v") is written as its bare value. Used for command results. */
JsonNode *occ_json_from_variant_plain (GVariant *v);

/* Decodes @node as @type; errors name the place ("$[1].name: …").
 * Transfer full (not floating). */
GVariant *occ_json_to_variant (JsonNode *node, const GVariantType *type, GError **error);

/* Decodes a JSON object without a type: strings, int64, doubles,
 * booleans, string arrays (as), other arrays (av), objects (a{sv}), null
 * (mv nothing). Floating. */
GVariant *occ_json_object_to_vardict (JsonObject *object, GError **error);

/* Parses @text (UTF-8, nesting at most OCC_JSON_MAX_DEPTH). Transfer full. */
JsonNode *occ_json_parse (const char *text, gssize length, GError **error);

/* Refuses @text nested deeper than @max_depth before a parser sees it. */
gboolean occ_json_check_depth (const char *text, gsize len, guint max_depth, GError **error);

/* occ_json_to_string() is plugin API: <omnicc/json.h>. */
