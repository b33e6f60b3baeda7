/* IVR conditions: the small expression language of a condition node's
 * `when` (see FLOWS.md), parsed once into a tree when a flow loads and
 * evaluated for each call against its variables and the time. Pure: GLib
 * only, any thread. */
#pragma once

#include "template.h"

G_BEGIN_DECLS

typedef struct _IvrExpr IvrExpr;

/* What an expression is evaluated against. @now is the local time to
 * test (tests inject it); @holidays the sorted Julian day numbers
 * (GDate) of the holidays, @n_holidays of them. A variable that is not
 * set reads as "" and is not reported: `${x}` alone tests just that. */
typedef struct {
  const IvrVars *vars;
  GDateTime *now;
  const guint32 *holidays;
  guint n_holidays;
} IvrExprContext;

/* Parses @text. On a syntax error returns NULL with a
 * G_IO_ERROR_INVALID_DATA whose message says what was expected where.
 * Returns (transfer full) the tree, to free with ivr_expr_free(). */
IvrExpr *ivr_expr_parse (const char *text, GError **error);
void ivr_expr_free (IvrExpr *expr);

/* The variables it reads, each once, appended to @names (const char *,
 * transfer none). */
void ivr_expr_collect_variables (const IvrExpr *expr, GPtrArray *names);

/* Orders two guint32 Julian day numbers (sorting the holidays). */
int ivr_julian_compare (gconstpointer a, gconstpointer b);

/* TRUE when @ctx->now's date is one of @ctx->holidays. */
gboolean ivr_expr_context_is_holiday (const IvrExprContext *ctx);

/* Evaluates @expr in @ctx. */
gboolean ivr_expr_eval (const IvrExpr *expr, const IvrExprContext *ctx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IvrExpr, ivr_expr_free)

G_END_DECLS
