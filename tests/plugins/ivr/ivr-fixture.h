/* What the IVR's tests share: variables from a hash table that write
 * down the unknown ones, the common prompt names (the catalogue the demo
 * flows may use), and a local time. */
#pragma once

#include "template.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  GHashTable *values; /* name → value */
  GPtrArray *unknown; /* names reported unknown, in order */
  IvrVars vars;
} TestVars;

static inline const char *
test_vars_lookup (const char *name, gpointer data)
{
  return g_hash_table_lookup (((TestVars *) data)->values, name);
}

static inline void
test_vars_unknown (const char *name, gpointer data)
{
  g_ptr_array_add (((TestVars *) data)->unknown, g_strdup (name));
}

/* @pairs: name, value, name, value, …, NULL */
static inline TestVars *
test_vars_new (const char *const *pairs)
{
  TestVars *tv = g_new0 (TestVars, 1);
  tv->values = g_hash_table_new (g_str_hash, g_str_equal);
  tv->unknown = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; pairs && pairs[i]; i += 2)
    g_hash_table_insert (tv->values, (gpointer) pairs[i], (gpointer) pairs[i + 1]);
  tv->vars = (IvrVars){ test_vars_lookup, test_vars_unknown, tv };
  return tv;
}

static inline void
test_vars_free (TestVars *tv)
{
  g_hash_table_unref (tv->values);
  g_ptr_array_unref (tv->unknown);
  g_free (tv);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestVars, test_vars_free)

/* The prompts every language of share/prompts has (issue 5). */
static const char *const test_common_prompts[] = {
  "welcome",
  "main-menu",
  "invalid",
  "no-input",
  "balance-is",
  "balance-unavailable",
  "please-hold",
  "technical-problem",
  "closed",
  "callback-offer",
  "callback-confirm-number",
  "callback-confirm-keys",
  "callback-enter-number",
  "callback-record",
  "callback-done",
  "beep",
  "survey-intro",
  "survey-q1",
  "survey-q2",
  "survey-thanks",
  "goodbye",
  "moh",
  "english-press-9",
  NULL,
};

/* A prompt_exists that knows the common prompts in fr and en, and
 * writes down each language it was asked about in @data (a GPtrArray of
 * strings, or NULL). */
static inline gboolean
test_common_prompt_exists (const char *language, const char *name, gpointer data)
{
  GPtrArray *asked = data;
  if (asked && !g_ptr_array_find_with_equal_func (asked, language, g_str_equal, NULL))
    g_ptr_array_add (asked, g_strdup (language));
  return (strcmp (language, "fr") == 0 || strcmp (language, "en") == 0)
         && g_strv_contains (test_common_prompts, name);
}

/* @text "YYYY-MM-DD HH:MM" in UTC (the expressions read the time as
 * given, whatever its zone). */
static inline GDateTime *
test_time (const char *text)
{
  int y, mo, d, h, mi;
  g_assert_cmpint (sscanf (text, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi), ==, 5);
  return g_date_time_new_utc (y, mo, d, h, mi, 0);
}
