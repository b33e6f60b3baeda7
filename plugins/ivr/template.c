/* IVR templates (template.h). A template is kept as alternating pieces:
 * literal text (with "$$" already made "$"), then a variable name, then
 * literal text, and so on; it always begins and ends with a literal,
 * possibly empty. */
#include "template.h"

#include <gio/gio.h>
#include <string.h>

#define IVR_VAR_NAME_MAX 64

struct _IvrTemplate {
  char *source;
  GPtrArray *pieces; /* char *: literal, name, literal, …, literal */
  GPtrArray *names;  /* const char *, into pieces; NULL-terminated */
};

static gboolean
var_char (char c)
{
  return g_ascii_islower (c) || g_ascii_isdigit (c) || c == '_' || c == '.' || c == '-';
}

gboolean
ivr_var_name_is_valid (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);
  gsize n = 0;
  for (; name[n]; n++)
    if (!var_char (name[n]))
      return FALSE;
  return n >= 1 && n <= IVR_VAR_NAME_MAX;
}

void
ivr_template_free (IvrTemplate *tpl)
{
  if (!tpl)
    return;
  g_free (tpl->source);
  g_ptr_array_unref (tpl->pieces);
  g_ptr_array_unref (tpl->names);
  g_free (tpl);
}

IvrTemplate *
ivr_template_parse (const char *text, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_autoptr (GString) lit = g_string_new (NULL);
  g_autoptr (GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  for (const char *p = text; *p; p++)
    {
      if (*p != '$')
        {
          g_string_append_c (lit, *p);
          continue;
        }
      if (p[1] == '$')
        {
          g_string_append_c (lit, '$');
          p++;
          continue;
        }
      if (p[1] != '{')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "\"$\" at offset %d is neither \"${name}\" nor \"$$\"", (int) (p - text));
          return NULL;
        }
      const char *close = strchr (p + 2, '}');
      if (!close)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "\"${\" at offset %d is not closed", (int) (p - text));
          return NULL;
        }
      g_autofree char *name = g_strndup (p + 2, close - (p + 2));
      if (!ivr_var_name_is_valid (name))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "\"${%s}\" is not a variable name ([a-z0-9_.-], 64 at most)", name);
          return NULL;
        }
      g_ptr_array_add (pieces, g_strdup (lit->str));
      g_string_truncate (lit, 0);
      g_ptr_array_add (pieces, g_steal_pointer (&name));
      p = close;
    }
  g_ptr_array_add (pieces, g_strdup (lit->str));

  IvrTemplate *tpl = g_new0 (IvrTemplate, 1);
  tpl->source = g_strdup (text);
  tpl->pieces = g_steal_pointer (&pieces);
  tpl->names = g_ptr_array_new ();
  for (guint i = 1; i < tpl->pieces->len; i += 2)
    g_ptr_array_add (tpl->names, g_ptr_array_index (tpl->pieces, i));
  g_ptr_array_add (tpl->names, NULL);
  return tpl;
}

const char *
ivr_template_get_source (const IvrTemplate *tpl)
{
  g_return_val_if_fail (tpl != NULL, NULL);
  return tpl->source;
}

gboolean
ivr_template_is_literal (const IvrTemplate *tpl)
{
  g_return_val_if_fail (tpl != NULL, FALSE);
  return tpl->pieces->len == 1;
}

const char *
ivr_template_get_literal (const IvrTemplate *tpl)
{
  g_return_val_if_fail (tpl != NULL, NULL);
  return tpl->pieces->len == 1 ? g_ptr_array_index (tpl->pieces, 0) : NULL;
}

const char *const *
ivr_template_get_variables (const IvrTemplate *tpl)
{
  g_return_val_if_fail (tpl != NULL, NULL);
  return (const char *const *) tpl->names->pdata;
}

static char *
expand (const IvrTemplate *tpl, const IvrVars *vars, gboolean uri)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < tpl->pieces->len; i++)
    {
      const char *piece = g_ptr_array_index (tpl->pieces, i);
      if (i % 2 == 0)
        {
          g_string_append (out, piece);
          continue;
        }
      const char *value = vars && vars->lookup ? vars->lookup (piece, vars->data) : NULL;
      if (!value)
        {
          if (vars && vars->unknown)
            vars->unknown (piece, vars->data);
          continue;
        }
      if (uri)
        g_string_append_uri_escaped (out, value, NULL, FALSE);
      else
        g_string_append (out, value);
    }
  return g_string_free (out, FALSE);
}

char *
ivr_template_expand (const IvrTemplate *tpl, const IvrVars *vars)
{
  g_return_val_if_fail (tpl != NULL, NULL);
  return expand (tpl, vars, FALSE);
}

char *
ivr_template_expand_uri (const IvrTemplate *tpl, const IvrVars *vars)
{
  g_return_val_if_fail (tpl != NULL, NULL);
  return expand (tpl, vars, TRUE);
}
