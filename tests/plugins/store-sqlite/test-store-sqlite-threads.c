/* Tests of store-sqlite's threads: streams in bounded memory, backups and
 * reads while the writer writes, cancellation, and the drain when the
 * plugin unloads or the daemon stops. */
#include "store-fixture.h"

#include "plugin-private.h"

static void
setup (TfStore *f, gconstpointer data)
{
  tf_init (f, data, NULL);
  g_autoptr (GError) e = NULL;
  g_assert_true (tf_load (f, &e));
  g_assert_no_error (e);
}

static void
teardown (TfStore *f, gconstpointer data)
{
  (void) data;
  tf_clear (f);
}

/* A query that runs until it is interrupted (a trillion rows counted). */
#define ENDLESS                                                                      \
  "WITH RECURSIVE c (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1e12) " \
  "SELECT COUNT(*) FROM c"

/* --- streams ------------------------------------------------------------------------------ */

typedef struct {
  guint64 rows;
  guint batches;
  guint max_batch;
  guint64 stop_after;
  gint64 sum;
  gsize rss_before, rss_max;
  TfStore *f;
  guint32 most_waiting; /* batches queued for the main thread, at most */
  gboolean done;
  GError *error;
} Stream;

/* Notes the process's memory and how many batches wait for the main
 * thread (the one being consumed included). */
static void
note_memory (Stream *s)
{
  s->rss_max = MAX (s->rss_max, tf_rss ());
  g_autoptr (GVariant) status = g_variant_ref_sink (s->f->store->get_status (s->f->store));
  guint32 waiting = 0;
  g_assert_true (g_variant_lookup (status, "stream-batches", "u", &waiting));
  s->most_waiting = MAX (s->most_waiting, waiting);
}

static gboolean
stream_rows (OccStoreResult *batch, gpointer data)
{
  Stream *s = data;
  guint n = occ_store_result_get_n_rows (batch);
  for (guint i = 0; i < n; i++)
    s->sum += occ_store_result_get_int (batch, i, 0);
  s->rows += n;
  s->batches++;
  s->max_batch = MAX (s->max_batch, n);
  if (s->batches % 50 == 0)
    note_memory (s);
  return s->stop_after == 0 || s->rows < s->stop_after;
}

static void
stream_done (GPtrArray *results, const GError *error, gpointer data)
{
  Stream *s = data;
  g_assert_null (results);
  g_assert_false (s->done);
  s->done = TRUE;
  if (error)
    s->error = g_error_copy (error);
}

static gboolean
stream_over (gpointer data)
{
  return ((Stream *) data)->done;
}

static void
test_stream_million_rows (TfStore *f, gconstpointer data)
{
  (void) data;
  Stream s = { .f = f };
  s.rss_before = s.rss_max = tf_rss ();
  OccStoreStatement st = { "WITH RECURSIVE c (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                           "WHERE x < $1) SELECT x, 'row ' || x AS label FROM c",
                           g_variant_new ("(x)", (gint64) 1000000) };
  f->store->stream (f->store, &st, 1000, NULL, stream_rows, stream_done, &s);
  g_assert_true (occ_test_wait_for (stream_over, &s, 300000));
  g_assert_no_error (s.error);
  g_assert_cmpuint (s.rows, ==, 1000000);
  g_assert_cmpint (s.sum, ==, (gint64) 1000000 * 1000001 / 2);
  g_assert_cmpuint (s.batches, ==, 1000);
  g_assert_cmpuint (s.max_batch, ==, 1000);
  /* never more than a few batches between the reader and the consumer */
  g_assert_cmpuint (s.most_waiting, <=, 3);
  /* A million rows held at once would take hundreds of megabytes (two
   * GVariants a row); a few batches of a thousand take well under one. */
  g_test_message ("RSS grew by %" G_GSIZE_FORMAT " kB while streaming",
                  (s.rss_max - s.rss_before) / 1024);
#if defined(__SANITIZE_ADDRESS__)
  /* AddressSanitizer keeps freed memory in quarantine: RSS says nothing */
#else
  g_assert_cmpuint (s.rss_max - s.rss_before, <, 32 * 1024 * 1024);
#endif
}

static gboolean
slow_rows (OccStoreResult *batch, gpointer data)
{
  Stream *s = data;
  /* A slow consumer: the reader must wait for it, not pile batches up.
   * Without back-pressure it would queue thousands in this pause. */
  g_usleep (s->batches == 0 ? 300000 : 1000);
  note_memory (s);
  return stream_rows (batch, s);
}

static void
test_stream_back_pressure_and_stop (TfStore *f, gconstpointer data)
{
  (void) data;
  Stream s = { .stop_after = 30000, .f = f };
  OccStoreStatement st = { "WITH RECURSIVE c (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                           "SELECT x FROM c",
                           NULL };
  f->store->stream (f->store, &st, 100, NULL, slow_rows, stream_done, &s);
  g_assert_true (occ_test_wait_for (stream_over, &s, 60000));
  g_assert_cmpuint (s.most_waiting, >=, 1);
  g_assert_cmpuint (s.most_waiting, <=, 3);
  /* the rows callback said stop: done says cancelled, and nothing came
   * after the stop */
  g_assert_error (s.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  g_assert_cmpuint (s.rows, ==, 30000);
  g_clear_error (&s.error);
  /* the reader is free again */
  g_assert_cmpint (tf_count (f, "agent"), ==, 0);
}

static void
test_stream_refuses_writes (TfStore *f, gconstpointer data)
{
  (void) data;
  Stream s = { .f = f };
  OccStoreStatement st = { "INSERT INTO agent (id, display_name, created_at, updated_at) "
                           "VALUES ('a', 'A', 1, 1) RETURNING id",
                           NULL };
  f->store->stream (f->store, &st, 10, NULL, stream_rows, stream_done, &s);
  g_assert_true (occ_test_wait_for (stream_over, &s, 60000));
  g_assert_error (s.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  g_assert_cmpint (tf_count (f, "agent"), ==, 0);
  g_clear_error (&s.error);
}

/* --- writes beside reads ----------------------------------------------------------------- */

/* Keeps about @depth coalesced inserts in flight until told to stop. */
typedef struct {
  TfStore *f;
  guint in_flight;
  guint next;
  gboolean stop;
  guint failed;
} Writer;

static void writer_fill (Writer *w);

static void
writer_done (GPtrArray *results, const GError *error, gpointer data)
{
  Writer *w = data;
  (void) results;
  w->in_flight--;
  w->failed += error != NULL;
  writer_fill (w);
}

static void
writer_fill (Writer *w)
{
  while (!w->stop && w->in_flight < 64)
    {
      w->in_flight++;
      occ_store_execute1 (w->f->store, "INSERT INTO numbers (n, label) VALUES ($1, 'w')",
                          g_variant_new ("(x)", (gint64) w->next++), OCC_STORE_COALESCE,
                          writer_done, w);
    }
}

static gboolean
writer_drained (gpointer data)
{
  return ((Writer *) data)->in_flight == 0;
}

static void
fill_numbers (TfStore *f, gint64 n)
{
  tf_ok (f, "CREATE TABLE numbers (n BIGINT PRIMARY KEY, label TEXT)", NULL);
  tf_ok (f,
         "INSERT INTO numbers (n, label) WITH RECURSIVE c (x) AS (SELECT 1 UNION ALL "
         "SELECT x + 1 FROM c WHERE x < $1) SELECT x, printf('%0200d', x) FROM c",
         g_variant_new ("(x)", n));
}

static void
test_backup_while_writing (TfStore *f, gconstpointer data)
{
  (void) data;
  fill_numbers (f, 20000);
  Writer w = { .f = f, .next = 100000 };
  writer_fill (&w);
  occ_test_spin (20);
  g_autofree char *copy = g_build_filename (f->dir, "copies", "backup.db", NULL);
  occ_test_write (f->dir, "copies/backup.db", "an old backup, replaced whole");
  TfCall c = { 0 };
  f->store->backup (f->store, copy, tf_call_done, &c);
  c.returned = TRUE;
  tf_call_wait (&c);
  g_assert_no_error (c.error);
  guint written_before_end = w.next - 100000;
  w.stop = TRUE;
  g_assert_true (occ_test_wait_for (writer_drained, &w, 60000));
  g_assert_cmpuint (w.failed, ==, 0);
  g_assert_cmpuint (written_before_end, >, 0);

  OccStoreResult *r = g_ptr_array_index (c.results, 0);
  g_assert_cmpstr (occ_store_result_get_string (r, 0, 0), ==, copy);
  g_assert_cmpint (occ_store_result_get_int (r, 0, 1), >, 100);
  g_assert_cmpint (occ_store_result_get_int (r, 0, 2), >, 4000000);
  sqlite3 *db = tf_open_db (copy);
  g_autofree char *check = tf_db_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
  g_autofree char *mode = tf_db_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "delete");
  g_autofree char *count = tf_db_text (db, "SELECT COUNT(*) FROM numbers");
  sqlite3_close (db);
  /* a snapshot: the rows from before, and those written while it ran */
  g_assert_cmpint (g_ascii_strtoll (count, NULL, 10), >=, 20000);
  g_assert_cmpint (g_ascii_strtoll (count, NULL, 10), <=, tf_count (f, "numbers"));
  g_autofree char *partial = g_strconcat (copy, ".partial", NULL);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  tf_call_clear (&c);

  /* never over the live database */
  g_autofree char *live = tf_db_path (f);
  f->store->backup (f->store, live, tf_call_done, &c);
  c.returned = TRUE;
  tf_call_wait (&c);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_INVALID);
  /* a folder that does not exist */
  g_autofree char *nowhere = g_build_filename (f->dir, "missing", "b.db", NULL);
  tf_call_clear (&c);
  f->store->backup (f->store, nowhere, tf_call_done, &c);
  c.returned = TRUE;
  tf_call_wait (&c);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_SQL);
  tf_call_clear (&c);
}

static void
test_reads_beside_a_long_write (TfStore *f, gconstpointer data)
{
  (void) data;
  fill_numbers (f, 100);
  /* a transaction that holds the write lock until it is cancelled */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  OccStoreStatement st[] = {
    { "INSERT INTO numbers (n, label) VALUES (-1, 'uncommitted')", NULL },
    { "INSERT INTO numbers (n, label) SELECT -2, (" ENDLESS ")", NULL },
  };
  TfCall write = { 0 };
  f->store->execute (f->store, st, 2, OCC_STORE_TRANSACTION, cancel, tf_call_done, &write);
  write.returned = TRUE;
  occ_test_spin (50);
  for (guint i = 0; i < 20; i++)
    {
      TfCall c = { 0 };
      OccStoreResult *r = tf_run1 (f, &c, "SELECT COUNT(*), MIN(n) FROM numbers WHERE n < $1",
                                   g_variant_new ("(x)", (gint64) 1000));
      g_assert_no_error (c.error);
      /* read while the write runs, and without its uncommitted row */
      g_assert_cmpint (occ_store_result_get_int (r, 0, 0), ==, 100);
      g_assert_cmpint (occ_store_result_get_int (r, 0, 1), ==, 1);
      tf_call_clear (&c);
    }
  g_assert_false (write.done);
  g_cancellable_cancel (cancel);
  tf_call_wait (&write);
  g_assert_error (write.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  tf_call_clear (&write);
  g_assert_cmpint (tf_count (f, "numbers"), ==, 100);
  /* and the writer works on */
  tf_ok (f, "INSERT INTO numbers (n) VALUES (-3)", NULL);
}

static void
test_cancellation (TfStore *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GCancellable) before = g_cancellable_new ();
  g_cancellable_cancel (before);
  TfCall c = { 0 };
  OccStoreStatement w = { "CREATE TABLE never (a)", NULL };
  f->store->execute (f->store, &w, 1, OCC_STORE_FLAGS_NONE, before, tf_call_done, &c);
  c.returned = TRUE;
  tf_call_wait (&c);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  g_assert_nonnull (strstr (c.error->message, "before it started"));
  tf_call_clear (&c);
  /* a running query is interrupted */
  g_autoptr (GCancellable) during = g_cancellable_new ();
  OccStoreStatement q = { ENDLESS, NULL };
  f->store->execute (f->store, &q, 1, OCC_STORE_FLAGS_NONE, during, tf_call_done, &c);
  c.returned = TRUE;
  occ_test_spin (50);
  g_assert_false (c.done);
  g_cancellable_cancel (during);
  tf_call_wait (&c);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  tf_call_clear (&c);
  /* a coalesced write cancelled while queued fails alone */
  TfCall a = { 0 }, b = { 0 }, d = { 0 };
  g_autoptr (GCancellable) queued = g_cancellable_new ();
  OccStoreStatement ins[] = {
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('a', 'A', 1, 1)", NULL },
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('b', 'B', 1, 1)", NULL },
    { "INSERT INTO queue (id, name, created_at, updated_at) VALUES ('c', 'C', 1, 1)", NULL },
  };
  f->store->execute (f->store, &ins[0], 1, OCC_STORE_COALESCE, NULL, tf_call_done, &a);
  f->store->execute (f->store, &ins[1], 1, OCC_STORE_COALESCE, queued, tf_call_done, &b);
  f->store->execute (f->store, &ins[2], 1, OCC_STORE_COALESCE, NULL, tf_call_done, &d);
  a.returned = b.returned = d.returned = TRUE;
  g_cancellable_cancel (queued);
  tf_call_wait (&a);
  tf_call_wait (&b);
  tf_call_wait (&d);
  g_assert_no_error (a.error);
  g_assert_no_error (d.error);
  /* b raced its worker: cancelled, or written if it had already begun */
  if (b.error)
    g_assert_error (b.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  g_assert_cmpint (tf_count (f, "queue"), ==, b.error ? 2 : 3);
  tf_call_clear (&a);
  tf_call_clear (&b);
  tf_call_clear (&d);
}

/* Another process (here: another connection) holds the write lock. */
static sqlite3 *
hold_write_lock (TfStore *f)
{
  g_autofree char *path = tf_db_path (f);
  sqlite3 *other = tf_open_db (path);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  return other;
}

static void
release_write_lock (sqlite3 *other)
{
  g_assert_cmpint (sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (other);
}

static void
test_lock_held_elsewhere (TfStore *f, gconstpointer data)
{
  (void) data;
  sqlite3 *other = hold_write_lock (f);
  gint64 start = g_get_monotonic_time ();
  TfCall c = { 0 };
  tf_run1 (f, &c, "CREATE TABLE t (a)", NULL);
  gint64 took = g_get_monotonic_time () - start;
  /* busy-timeout=300: "could not be reached in time" */
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (c.error->message, "database is locked"));
  g_assert_cmpint (took, >=, 250 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (took, <, 5 * G_USEC_PER_SEC);
  /* WAL: reads go on meanwhile */
  g_assert_cmpint (tf_count (f, "agent"), ==, 0);
  release_write_lock (other);
  tf_ok (f, "CREATE TABLE t (a)", NULL);
  tf_call_clear (&c);
}

static void
test_lock_wait_cancelled (TfStore *f, gconstpointer data)
{
  (void) data;
  sqlite3 *other = hold_write_lock (f);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  TfCall c = { 0 };
  OccStoreStatement st = { "CREATE TABLE t (a)", NULL };
  f->store->execute (f->store, &st, 1, OCC_STORE_FLAGS_NONE, cancel, tf_call_done, &c);
  c.returned = TRUE;
  occ_test_spin (200);
  g_assert_false (c.done); /* busy-timeout=600000: it would wait ten minutes */
  gint64 start = g_get_monotonic_time ();
  g_cancellable_cancel (cancel);
  tf_call_wait (&c);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_error (c.error, OCC_STORE_ERROR, OCC_STORE_ERROR_CANCELLED);
  tf_call_clear (&c);
  release_write_lock (other);
  tf_ok (f, "CREATE TABLE t (a)", NULL);
}

/* --- stopping -------------------------------------------------------------------------------- */

typedef struct {
  guint ok, failed, cancelled, unavailable;
} Tally;

static void
tally_done (GPtrArray *results, const GError *error, gpointer data)
{
  Tally *t = data;
  (void) results;
  if (error == NULL)
    t->ok++;
  else if (g_error_matches (error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE))
    t->unavailable++;
  else
    t->failed++;
}

static void
queue_inserts (TfStore *f, guint n, Tally *t)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("u-%u", i);
      occ_store_execute1 (f->store,
                          "INSERT INTO interaction (id, channel, direction, offered_at, "
                          "created_at, updated_at) VALUES ($1, 'chat', 'inbound', 1, 1, 1)",
                          g_variant_new ("(s)", id), i % 3 ? OCC_STORE_COALESCE : 0, tally_done, t);
    }
}

static void
test_unload_delivers_queued_callbacks (TfStore *f, gconstpointer data)
{
  (void) data;
  guint threads_loaded = tf_count_threads ();
  Tally t = { 0 };
  queue_inserts (f, 3000, &t);
  TfCall read = { 0 };
  OccStoreStatement q = { "SELECT 1", NULL };
  f->store->execute (f->store, &q, 1, OCC_STORE_FLAGS_NONE, NULL, tf_call_done, &read);
  read.returned = TRUE;
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (f->ctx->loader, "store-sqlite", &e));
  /* every callback ran inside the unload, with success */
  g_assert_cmpuint (t.ok, ==, 3000);
  g_assert_true (read.done);
  g_assert_no_error (read.error);
  tf_call_clear (&read);
  g_assert_cmpuint (tf_count_threads (), ==, threads_loaded - 3);
  g_autofree char *path = tf_db_path (f);
  sqlite3 *db = tf_open_db (path);
  g_autofree char *n = tf_db_text (db, "SELECT COUNT(*) FROM interaction");
  g_assert_cmpstr (n, ==, "3000");
  sqlite3_close (db);
  /* closed cleanly: the WAL was checkpointed into the file */
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_unload_drain_is_bounded (TfStore *f, gconstpointer data)
{
  (void) data;
  TfCall endless = { 0 };
  OccStoreStatement st[]
      = { { "CREATE TABLE big (n)", NULL }, { "INSERT INTO big SELECT (" ENDLESS ")", NULL } };
  f->store->execute (f->store, st, 2, OCC_STORE_TRANSACTION, NULL, tf_call_done, &endless);
  endless.returned = TRUE;
  Tally t = { 0 };
  queue_inserts (f, 10, &t);
  occ_test_spin (50);
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GError) e = NULL;
  g_assert_true (occ_loader_unload (f->ctx->loader, "store-sqlite", &e));
  gint64 took = g_get_monotonic_time () - start;
  g_assert_cmpint (took, >=, 4 * G_USEC_PER_SEC);
  g_assert_cmpint (took, <, 20 * G_USEC_PER_SEC);
  g_assert_true (endless.done);
  g_assert_error (endless.error, OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (endless.error->message, "store stopping"));
  g_assert_cmpuint (t.unavailable, ==, 10);
  tf_call_clear (&endless);
}

static gboolean
plugin_unloaded (gpointer data)
{
  TfStore *f = data;
  return occ_loader_get (f->ctx->loader, "store-sqlite")->state != OCC_PLUGIN_LOADED;
}

static void
test_daemon_stop_waits_for_writes (TfStore *f, gconstpointer data)
{
  (void) data;
  Tally t = { 0 };
  queue_inserts (f, 3000, &t);
  occ_context_stop (f->ctx, "test");
  occ_bus_flush (f->ctx->bus); /* core.stopping reaches the plugin */
  g_assert_cmpuint (f->ctx->holds, ==, 1);
  /* writes still come in while the daemon drains (other plugins flush) */
  queue_inserts (f, 1, &t);
  g_assert_true (occ_test_wait_for (plugin_unloaded, f, 60000));
  g_assert_cmpuint (t.ok, ==, 3000);
  g_assert_cmpuint (t.failed, ==, 1); /* u-0 again: a unique violation */
  g_assert_cmpuint (f->ctx->holds, ==, 0);
}

int
main (int argc, char **argv)
{
  tf_test_init (&argc, &argv);
#define ADD(path, conf, fn) g_test_add ("/store-sqlite/" path, TfStore, conf, setup, fn, teardown)
  ADD ("stream/million-rows-in-bounded-memory", NULL, test_stream_million_rows);
  ADD ("stream/back-pressure-and-stop", NULL, test_stream_back_pressure_and_stop);
  ADD ("stream/refuses-writes", NULL, test_stream_refuses_writes);
  ADD ("backup/consistent-copy-while-writing", NULL, test_backup_while_writing);
  ADD ("backup/with-one-reader", "[sqlite]\nreaders=1\n", test_backup_while_writing);
  ADD ("execute/reads-run-beside-a-long-write", NULL, test_reads_beside_a_long_write);
  ADD ("execute/cancellation", NULL, test_cancellation);
  ADD ("execute/lock-held-elsewhere-times-out", "[sqlite]\nbusy-timeout=300\n",
       test_lock_held_elsewhere);
  ADD ("execute/lock-wait-cancelled", "[sqlite]\nbusy-timeout=600000\n", test_lock_wait_cancelled);
  ADD ("unload/delivers-every-queued-callback", NULL, test_unload_delivers_queued_callbacks);
  ADD ("unload/drain-is-bounded", NULL, test_unload_drain_is_bounded);
  ADD ("stop/daemon-waits-for-queued-writes", NULL, test_daemon_stop_waits_for_writes);
#undef ADD
  return g_test_run ();
}
