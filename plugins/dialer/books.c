/* dialer: a campaign's books in the store (campaign.books, migration
 * 0009) — written while it runs and when it stops (runner.c), continued by
 * the next run, and the report of a campaign that is not running read from
 * them; the report as the control API gives it, running or not (see
 * README.md, "The report"). */
#include "runner.h"

#include <omnicc/control.h>
#include <omnicc/store.h>

static void
books_written (GPtrArray *results, const GError *error, gpointer data)
{
  (void) results;
  if (error)
    g_warning ("campaign %s: the books were not written: %s", (const char *) data, error->message);
  g_free (data);
}

void
dialer_books_write (Dialer *d, const char *campaign, char *text)
{
  occ_store_execute1 (d->store, "UPDATE campaign SET books = $1 WHERE id = $2",
                      g_variant_new ("(ss)", text, campaign), OCC_STORE_FLAGS_NONE, books_written,
                      g_strdup (campaign));
  g_free (text);
}

static GVariant *
windows (GArray *a)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; a && i < a->len; i++)
    {
      const DialerWindowFigures *w = &g_array_index (a, DialerWindowFigures, i);
      g_variant_builder_add_parsed (
          &b, "{'start': <%x>, 'answers': <%t>, 'abandons': <%t>, 'rate': <%d>}", w->start,
          w->answers, w->abandons, w->answers ? (double) w->abandons / (double) w->answers : 0.0);
    }
  return g_variant_builder_end (&b);
}

static void
report_fill (GVariantDict *d, const char *campaign, const char *state, const DialerReport *rep)
{
  g_variant_dict_insert (d, "campaign", "s", campaign);
  g_variant_dict_insert (d, "state", "s", state);
  g_variant_dict_insert (d, "dials", "t", rep->dials);
  g_variant_dict_insert (d, "answers", "t", rep->answers);
  g_variant_dict_insert (d, "abandons", "t", rep->abandons);
  g_variant_dict_insert (d, "connected", "t", rep->connected);
  GVariantDict o;
  g_variant_dict_init (&o, NULL);
  for (guint i = 0; i < OCC_DIALER_N_OUTCOMES; i++)
    g_variant_dict_insert (&o, dialer_outcome_name (i), "t", rep->outcomes[i]);
  g_variant_dict_insert_value (d, "outcomes", g_variant_dict_end (&o));
  g_variant_dict_insert (d, "calls-outside-window", "t", rep->calls_outside_window);
  g_variant_dict_insert (d, "dnc-hits", "t", rep->dnc_hits);
  g_variant_dict_insert (d, "guard-breaches", "t", rep->guard_breaches);
  g_variant_dict_insert (d, "info-messages", "t", rep->info_messages);
  g_variant_dict_insert (d, "info-delay-max-s", "d", rep->info_delay_max_s);
  g_variant_dict_insert (d, "info-delay-mean-s", "d", rep->info_delay_mean_s);
  g_variant_dict_insert (d, "info-delay-p50-s", "d", rep->info_delay_p50_s);
  g_variant_dict_insert (d, "info-delay-p95-s", "d", rep->info_delay_p95_s);
  g_variant_dict_insert (d, "info-delay-p99-s", "d", rep->info_delay_p99_s);
  g_variant_dict_insert (d, "info-delays-over-2s", "t", rep->info_delays_over_2s);
  /* the distribution: its buckets that hold a delay, each up to "le" s
   * (the last, from the top on: up to the max) */
  GVariantBuilder h;
  g_variant_builder_init (&h, G_VARIANT_TYPE ("aa{sv}"));
  for (guint k = 0; k < DIALER_INFO_DELAY_BUCKETS; k++)
    if (rep->info_delay_hist[k])
      g_variant_builder_add_parsed (&h, "{'le': <%d>, 'count': <%t>}",
                                    k == DIALER_INFO_DELAY_BUCKETS - 1
                                        ? rep->info_delay_max_s
                                        : k * DIALER_INFO_DELAY_STEP_MS / 1000.0,
                                    rep->info_delay_hist[k]);
  g_variant_dict_insert_value (d, "info-delay-histogram", g_variant_builder_end (&h));
  g_variant_dict_insert (d, "worst-day-rate", "d", rep->worst_day_rate);
  g_variant_dict_insert (d, "worst-month-rate", "d", rep->worst_month_rate);
  g_variant_dict_insert_value (d, "days", windows (rep->day_windows));
  g_variant_dict_insert_value (d, "months", windows (rep->month_windows));
}

GVariant *
dialer_report_variant (const char *campaign, const char *state, const DialerReport *rep)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  report_fill (&d, campaign, state, rep);
  return g_variant_dict_end (&d);
}

/* --- the report of a campaign that is not running ----------------------------------- */

typedef struct {
  Dialer *d;
  OccControlCall *call;
  char *id;
} StoredReport;

static void
stored_report_free (StoredReport *s)
{
  dialer_unref (s->d);
  g_free (s->id);
  g_free (s);
}

/* The campaign's state and books read: the report they give. */
static void
stored_read (GPtrArray *results, const GError *error, gpointer data)
{
  StoredReport *s = data;
  OccStoreResult *c = results ? results->pdata[0] : NULL;
  g_autoptr (GError) e = NULL;
  DialerReport rep = { 0 };
  gint64 saved_at = 0;
  const char *books = NULL;
  if (s->d->plugin == NULL)
    return stored_report_free (s);
  if (error)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED, "reading the campaign: %s",
                     error->message);
  else if (occ_store_result_get_n_rows (c) == 0)
    e = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_NOT_FOUND, "no campaign “%s”", s->id);
  else if ((books
            = occ_store_result_is_null (c, 0, 1) ? NULL : occ_store_result_get_string (c, 0, 1))
           && !dialer_books_report (books, &rep, &saved_at, &e))
    {
      GError *why = g_error_new (OCC_CONTROL_ERROR, OCC_CONTROL_ERROR_FAILED,
                                 "campaign %s: its stored books: %s", s->id, e->message);
      g_clear_error (&e);
      e = why;
    }
  if (e)
    {
      occ_control_call_return_error (s->call, e);
      return stored_report_free (s);
    }
  /* a campaign never run has no books: a report of zeros */
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  report_fill (&d, s->id, occ_store_result_get_string (c, 0, 0), &rep);
  if (books)
    g_variant_dict_insert (&d, "books-saved-at", "x", saved_at / 1000);
  dialer_report_clear (&rep);
  occ_control_call_return (s->call, g_variant_dict_end (&d));
  stored_report_free (s);
}

void
dialer_books_report_stored (Dialer *d, OccControlCall *call, const char *id)
{
  StoredReport *s = g_new0 (StoredReport, 1);
  s->d = dialer_ref (d);
  s->call = call;
  s->id = g_strdup (id);
  occ_store_execute1 (d->store, "SELECT state, books FROM campaign WHERE id = $1",
                      g_variant_new ("(s)", id), OCC_STORE_FLAGS_NONE, stored_read, s);
}
