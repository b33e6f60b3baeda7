/* IVR templates: text with ${name} variables, parsed once when a flow
 * loads and expanded for each call. Pure: GLib only, any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How the runtime answers for variables. @lookup returns the value of
 * @name (transfer none, valid until the expansion returns) or NULL when it
 * is not set; @unknown (may be NULL) hears of each variable that was not
 * set, so that the runtime can log it. */
typedef struct {
  const char *(*lookup) (const char *name, gpointer data);
  void (*unknown) (const char *name, gpointer data);
  gpointer data;
} IvrVars;

typedef struct _IvrTemplate IvrTemplate;

/* TRUE when @name is a variable name: [a-z0-9_.-]{1,64}. */
gboolean ivr_var_name_is_valid (const char *name);

/* Parses @text: "${name}" is a variable, "$$" a literal "$"; any other
 * "$" and an unclosed "${" are errors (G_IO_ERROR_INVALID_DATA, the
 * message says where). Returns (transfer full) a template to free with
 * ivr_template_free(). */
IvrTemplate *ivr_template_parse (const char *text, GError **error);
void ivr_template_free (IvrTemplate *tpl);

/* The text it was parsed from (transfer none). */
const char *ivr_template_get_source (const IvrTemplate *tpl);

/* TRUE when it has no variable; ivr_template_get_literal() then gives
 * its text ("$$" already made "$"), else NULL. */
gboolean ivr_template_is_literal (const IvrTemplate *tpl);
const char *ivr_template_get_literal (const IvrTemplate *tpl);

/* The variables it uses, in order, as a NULL-terminated array (transfer
 * none). */
const char *const *ivr_template_get_variables (const IvrTemplate *tpl);

/* Expands @tpl with @vars (NULL: every variable is unknown). A variable
 * not set expands to "" and is reported to @vars->unknown. Returns
 * (transfer full) the text. */
char *ivr_template_expand (const IvrTemplate *tpl, const IvrVars *vars);

/* The same, each variable's value percent-encoded (every byte but the
 * RFC 3986 unreserved characters), for URLs; the literal parts are kept
 * as written. */
char *ivr_template_expand_uri (const IvrTemplate *tpl, const IvrVars *vars);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IvrTemplate, ivr_template_free)

G_END_DECLS
