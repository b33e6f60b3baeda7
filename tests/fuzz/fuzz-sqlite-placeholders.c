/* Fuzz target: store-sqlite's $N -> ?N placeholder rewriter. Whatever it
 * accepts, it rewrites so that a second pass changes nothing. */
#include "fuzz-log.h"
#include "placeholders.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  SqRewrite r, again;
  GError *e = NULL;
  if (!sq_placeholders_rewrite ((const char *) data, size, &r, &e))
    {
      g_assert (g_utf8_validate (e->message, -1, NULL));
      g_error_free (e);
      return 0;
    }
  g_assert (r.sql[r.length] == '\0' && r.n_params <= SQ_PLACEHOLDERS_MAX);
  g_assert (sq_placeholders_rewrite (r.sql, r.length, &again, NULL));
  g_assert (again.length == r.length && memcmp (again.sql, r.sql, r.length) == 0);
  g_assert (again.n_params == 0);
  sq_rewrite_clear (&again);
  sq_rewrite_clear (&r);
  if (size < 4096)
    {
      char *s = g_strndup ((const char *) data, size);
      (void) sq_sql_is_blank (s);
      g_free (s);
    }
  return 0;
}
