/* Fuzz target: the dialer's books as kept in campaign.books — the input
 * is the text. What is refused is refused with the dialer's error; what
 * is accepted gives a report, goes into an engine, and the books that
 * engine saves go into another engine and come out as the very same
 * text. */
#include "engine.h"

#include "fuzz-log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
idle_decide (const OccDialerPacingContext *ctx, OccDialerDecision *out)
{
  (void) ctx;
  out->calls = 0;
}

static const OccDialerPacing idle
    = { .header = OCC_SERVICE_HEADER (OccDialerPacing, OCC_DIALER_PACING_VERSION),
        .name = "idle",
        .decide = idle_decide };

/* Books @text restored at @at, saved again at @at (transfer full). */
static char *
through_engine (const DialerSettings *s, const char *text, gint64 at)
{
  DialerEngine *e = dialer_engine_new (s, &idle, 1, NULL);
  g_assert (e != NULL);
  GError *error = NULL;
  if (!dialer_engine_books_restore (e, text, at, &error))
    g_error ("accepted books not restored: %s", error->message);
  char *saved = dialer_engine_books_save (e, at);
  dialer_engine_free (e);
  return saved;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  DialerReport r;
  gint64 at = 0;
  GError *error = NULL;
  if (!dialer_books_report (text, &r, &at, &error))
    {
      g_assert (error != NULL && error->domain == DIALER_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      g_error_free (error);
      return 0;
    }
  g_assert (r.answers >= r.abandons && r.dials >= r.answers - r.abandons - r.connected);
  dialer_report_clear (&r);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_assert (g_key_file_load_from_data (kf, "[campaign fuzz]\npacing=idle\n", -1, 0, NULL));
  DialerSettings s;
  g_assert (dialer_settings_read (kf, "fuzz", "campaign fuzz", &s, NULL));
  g_autofree char *once = through_engine (&s, text, at);
  g_autofree char *twice = through_engine (&s, once, at);
  g_assert (strcmp (once, twice) == 0);
  dialer_settings_clear (&s);
  return 0;
}
