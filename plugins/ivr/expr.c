/* IVR conditions (expr.h): a recursive-descent parser into a tree whose
 * `and`/`or` nodes hold all their operands (a long chain stays one level
 * deep), and nesting (parentheses, `not`) bounded so that neither the
 * parser nor the evaluation can run out of stack. */
#include "expr.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#define EXPR_MAX_DEPTH 32

typedef enum {
  EXPR_AND,
  EXPR_OR,
  EXPR_NOT,
  EXPR_TIME,
  EXPR_DAY,
  EXPR_HOLIDAY,
  EXPR_COMPARE,
  EXPR_TRUTH,
} ExprKind;

typedef enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } CmpOp;

typedef struct {
  gboolean is_var;
  char *text; /* the variable's name, or the literal */
} Operand;

struct _IvrExpr {
  ExprKind kind;
  GPtrArray *children; /* AND, OR, NOT: IvrExpr * */
  int from, to;        /* TIME: minutes of the day, both included */
  guint8 days;         /* DAY: bit (1 << day of week), Monday 1 … Sunday 7 */
  CmpOp op;            /* COMPARE */
  Operand left, right; /* COMPARE: both; TRUTH: left */
};

typedef struct {
  const char *text;
  const char *p;
  int depth;
  GError **error;
} Parser;

void
ivr_expr_free (IvrExpr *expr)
{
  if (!expr)
    return;
  if (expr->children)
    g_ptr_array_unref (expr->children);
  g_free (expr->left.text);
  g_free (expr->right.text);
  g_free (expr);
}

static IvrExpr *
expr_new (ExprKind kind)
{
  IvrExpr *e = g_new0 (IvrExpr, 1);
  e->kind = kind;
  if (kind == EXPR_AND || kind == EXPR_OR || kind == EXPR_NOT)
    e->children = g_ptr_array_new_with_free_func ((GDestroyNotify) ivr_expr_free);
  return e;
}

static gboolean
fail (Parser *ps, const char *what)
{
  const char *at = ps->p;
  while (*at == ' ' || *at == '\t')
    at++;
  if (*at)
    g_set_error (ps->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s at offset %d (\"%.16s\")",
                 what, (int) (at - ps->text), at);
  else
    g_set_error (ps->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s at the end", what);
  return FALSE;
}

static void
skip_space (Parser *ps)
{
  while (*ps->p == ' ' || *ps->p == '\t')
    ps->p++;
}

/* Consumes the keyword @word when it comes next as a whole word. */
static gboolean
accept_word (Parser *ps, const char *word)
{
  skip_space (ps);
  gsize n = strlen (word);
  if (strncmp (ps->p, word, n) != 0 || g_ascii_isalnum (ps->p[n]) || ps->p[n] == '_')
    return FALSE;
  ps->p += n;
  return TRUE;
}

/* The next run of characters up to a space or a parenthesis. */
static char *
raw_word (Parser *ps)
{
  skip_space (ps);
  const char *start = ps->p;
  while (*ps->p && *ps->p != ' ' && *ps->p != '\t' && *ps->p != '(' && *ps->p != ')')
    ps->p++;
  return g_strndup (start, ps->p - start);
}

static int
parse_clock (const char *s, gsize len)
{
  if (len != 5 || !g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]) || s[2] != ':'
      || !g_ascii_isdigit (s[3]) || !g_ascii_isdigit (s[4]))
    return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

static IvrExpr *
parse_time (Parser *ps)
{
  g_autofree char *w = raw_word (ps);
  const char *dash = strchr (w, '-');
  int from = dash ? parse_clock (w, dash - w) : -1;
  int to = dash ? parse_clock (dash + 1, strlen (dash + 1)) : -1;
  if (from < 0 || to < 0)
    {
      ps->p -= strlen (w);
      fail (ps, "expected a time range HH:MM-HH:MM after \"time\"");
      return NULL;
    }
  IvrExpr *e = expr_new (EXPR_TIME);
  e->from = from;
  e->to = to;
  return e;
}

static int
day_number (const char *s, gsize len)
{
  static const char *const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  for (int i = 0; i < 7; i++)
    if (len == 3 && strncmp (s, names[i], 3) == 0)
      return i + 1;
  return 0;
}

/* "mon-fri", "sat,sun", "fri-mon,wed": days and ranges (which may wrap
 * past Sunday), separated by commas. */
static IvrExpr *
parse_days (Parser *ps)
{
  g_autofree char *w = raw_word (ps);
  g_auto (GStrv) items = g_strsplit (w, ",", -1);
  guint8 mask = 0;
  gboolean ok = items[0] != NULL;
  for (guint i = 0; ok && items[i]; i++)
    {
      const char *dash = strchr (items[i], '-');
      int a = day_number (items[i], dash ? (gsize) (dash - items[i]) : strlen (items[i]));
      int b = dash ? day_number (dash + 1, strlen (dash + 1)) : a;
      ok = a && b;
      for (int d = a; ok; d = d % 7 + 1)
        {
          mask |= 1u << d;
          if (d == b)
            break;
        }
    }
  if (!ok)
    {
      ps->p -= strlen (w);
      fail (ps, "expected days such as mon-fri or sat,sun after \"day\"");
      return NULL;
    }
  IvrExpr *e = expr_new (EXPR_DAY);
  e->days = mask;
  return e;
}

static gboolean
parse_quoted (Parser *ps, Operand *o)
{
  GString *s = g_string_new (NULL);
  const char *p = ps->p + 1;
  for (; *p && *p != '"'; p++)
    {
      if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
        p++;
      g_string_append_c (s, *p);
    }
  if (*p != '"')
    {
      g_string_free (s, TRUE);
      return fail (ps, "unclosed string");
    }
  ps->p = p + 1;
  o->text = g_string_free (s, FALSE);
  return TRUE;
}

static gboolean
parse_operand (Parser *ps, Operand *o)
{
  skip_space (ps);
  const char *p = ps->p;
  if (p[0] == '$' && p[1] == '{')
    {
      const char *close = strchr (p, '}');
      g_autofree char *name = close ? g_strndup (p + 2, close - p - 2) : NULL;
      if (!name || !ivr_var_name_is_valid (name))
        return fail (ps, "expected a variable ${name} ([a-z0-9_.-])");
      o->is_var = TRUE;
      o->text = g_steal_pointer (&name);
      ps->p = close + 1;
      return TRUE;
    }
  if (p[0] == '"')
    return parse_quoted (ps, o);
  const char *q = p + (p[0] == '-');
  if (!g_ascii_isdigit (*q))
    return fail (ps, "expected a condition, a variable, a \"string\" or a number");
  while (g_ascii_isdigit (*q))
    q++;
  if (q[0] == '.' && g_ascii_isdigit (q[1]))
    for (q++; g_ascii_isdigit (*q);)
      q++;
  o->text = g_strndup (p, q - p);
  ps->p = q;
  return TRUE;
}

static gboolean
parse_cmp_op (Parser *ps, CmpOp *op)
{
  static const struct {
    const char *text;
    CmpOp op;
  } ops[] = { { "==", CMP_EQ }, { "!=", CMP_NE }, { "<=", CMP_LE },
              { ">=", CMP_GE }, { "<", CMP_LT },  { ">", CMP_GT } };
  skip_space (ps);
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (strncmp (ps->p, ops[i].text, strlen (ops[i].text)) == 0)
      {
        ps->p += strlen (ops[i].text);
        *op = ops[i].op;
        return TRUE;
      }
  return FALSE;
}

static IvrExpr *parse_or (Parser *ps);

static IvrExpr *
parse_comparison (Parser *ps)
{
  g_autoptr (IvrExpr) e = expr_new (EXPR_TRUTH);
  if (!parse_operand (ps, &e->left))
    return NULL;
  if (!parse_cmp_op (ps, &e->op))
    return g_steal_pointer (&e);
  e->kind = EXPR_COMPARE;
  return parse_operand (ps, &e->right) ? g_steal_pointer (&e) : NULL;
}

static IvrExpr *
parse_unary (Parser *ps)
{
  if (++ps->depth > EXPR_MAX_DEPTH)
    {
      fail (ps, "nested too deep");
      return NULL;
    }
  IvrExpr *e = NULL;
  skip_space (ps);
  if (accept_word (ps, "not"))
    {
      IvrExpr *inner = parse_unary (ps);
      if (inner)
        {
          e = expr_new (EXPR_NOT);
          g_ptr_array_add (e->children, inner);
        }
    }
  else if (*ps->p == '(')
    {
      ps->p++;
      e = parse_or (ps);
      skip_space (ps);
      if (e && *ps->p != ')')
        {
          fail (ps, "expected \")\"");
          g_clear_pointer (&e, ivr_expr_free);
        }
      else if (e)
        ps->p++;
    }
  else if (accept_word (ps, "time"))
    e = parse_time (ps);
  else if (accept_word (ps, "day"))
    e = parse_days (ps);
  else if (accept_word (ps, "holiday"))
    e = expr_new (EXPR_HOLIDAY);
  else
    e = parse_comparison (ps);
  ps->depth--;
  return e;
}

/* One level of `and` or `or`: its operands from @next, all in one node. */
static IvrExpr *
parse_chain (Parser *ps, ExprKind kind, const char *word, IvrExpr *(*next) (Parser *) )
{
  g_autoptr (IvrExpr) first = next (ps);
  if (!first || !accept_word (ps, word))
    return g_steal_pointer (&first);
  g_autoptr (IvrExpr) e = expr_new (kind);
  g_ptr_array_add (e->children, g_steal_pointer (&first));
  do
    {
      IvrExpr *more = next (ps);
      if (!more)
        return NULL;
      g_ptr_array_add (e->children, more);
    }
  while (accept_word (ps, word));
  return g_steal_pointer (&e);
}

static IvrExpr *
parse_and (Parser *ps)
{
  return parse_chain (ps, EXPR_AND, "and", parse_unary);
}

static IvrExpr *
parse_or (Parser *ps)
{
  return parse_chain (ps, EXPR_OR, "or", parse_and);
}

IvrExpr *
ivr_expr_parse (const char *text, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  Parser ps = { text, text, 0, error };
  g_autoptr (IvrExpr) e = parse_or (&ps);
  if (!e)
    return NULL;
  skip_space (&ps);
  if (*ps.p)
    {
      fail (&ps, "expected \"and\", \"or\" or the end");
      return NULL;
    }
  return g_steal_pointer (&e);
}

static void
add_variable (GPtrArray *names, const Operand *o)
{
  if (!o->is_var)
    return;
  for (guint i = 0; i < names->len; i++)
    if (strcmp (g_ptr_array_index (names, i), o->text) == 0)
      return;
  g_ptr_array_add (names, o->text);
}

void
ivr_expr_collect_variables (const IvrExpr *expr, GPtrArray *names)
{
  g_return_if_fail (expr != NULL && names != NULL);
  if (expr->children)
    for (guint i = 0; i < expr->children->len; i++)
      ivr_expr_collect_variables (g_ptr_array_index (expr->children, i), names);
  if (expr->kind == EXPR_COMPARE || expr->kind == EXPR_TRUTH)
    add_variable (names, &expr->left);
  if (expr->kind == EXPR_COMPARE)
    add_variable (names, &expr->right);
}

static const char *
operand_value (const Operand *o, const IvrExprContext *ctx)
{
  if (!o->is_var)
    return o->text;
  const char *v = NULL;
  if (ctx->vars && ctx->vars->lookup)
    v = ctx->vars->lookup (o->text, ctx->vars->data);
  return v ? v : "";
}

/* A decimal number as the expressions write them: -?D+(.D+)? */
static gboolean
as_number (const char *s, double *out)
{
  const char *p = s + (*s == '-');
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p == '.')
    {
      if (!g_ascii_isdigit (*++p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p)
    return FALSE;
  *out = g_ascii_strtod (s, NULL);
  return TRUE;
}

static gboolean
compare (const IvrExpr *e, const IvrExprContext *ctx)
{
  const char *a = operand_value (&e->left, ctx);
  const char *b = operand_value (&e->right, ctx);
  double x, y;
  int c;
  if (as_number (a, &x) && as_number (b, &y))
    c = (x > y) - (x < y);
  else
    c = strcmp (a, b);
  switch (e->op)
    {
    case CMP_EQ:
      return c == 0;
    case CMP_NE:
      return c != 0;
    case CMP_LT:
      return c < 0;
    case CMP_LE:
      return c <= 0;
    case CMP_GT:
      return c > 0;
    case CMP_GE:
      return c >= 0;
    }
  return FALSE;
}

int
ivr_julian_compare (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return (x > y) - (x < y);
}

gboolean
ivr_expr_context_is_holiday (const IvrExprContext *ctx)
{
  g_return_val_if_fail (ctx != NULL, FALSE);
  if (!ctx->now || ctx->n_holidays == 0)
    return FALSE;
  g_autoptr (GDate) d
      = g_date_new_dmy (g_date_time_get_day_of_month (ctx->now), g_date_time_get_month (ctx->now),
                        g_date_time_get_year (ctx->now));
  guint32 j = g_date_get_julian (d);
  return bsearch (&j, ctx->holidays, ctx->n_holidays, sizeof j, ivr_julian_compare) != NULL;
}

gboolean
ivr_expr_eval (const IvrExpr *e, const IvrExprContext *ctx)
{
  g_return_val_if_fail (e != NULL && ctx != NULL, FALSE);
  int minute;
  switch (e->kind)
    {
    case EXPR_AND:
      for (guint i = 0; i < e->children->len; i++)
        if (!ivr_expr_eval (g_ptr_array_index (e->children, i), ctx))
          return FALSE;
      return TRUE;
    case EXPR_OR:
      for (guint i = 0; i < e->children->len; i++)
        if (ivr_expr_eval (g_ptr_array_index (e->children, i), ctx))
          return TRUE;
      return FALSE;
    case EXPR_NOT:
      return !ivr_expr_eval (g_ptr_array_index (e->children, 0), ctx);
    case EXPR_TIME:
      if (!ctx->now)
        return FALSE;
      minute = g_date_time_get_hour (ctx->now) * 60 + g_date_time_get_minute (ctx->now);
      if (e->from <= e->to)
        return minute >= e->from && minute <= e->to;
      return minute >= e->from || minute <= e->to;
    case EXPR_DAY:
      return ctx->now && (e->days & (1u << g_date_time_get_day_of_week (ctx->now)));
    case EXPR_HOLIDAY:
      return ivr_expr_context_is_holiday (ctx);
    case EXPR_COMPARE:
      return compare (e, ctx);
    case EXPR_TRUTH:
      return operand_value (&e->left, ctx)[0] != '\0';
    }
  return FALSE;
}
