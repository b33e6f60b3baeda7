/* backup(): pg_dump --format=custom into a temporary file beside the
 * target, then fsync and rename, so that the target is either the old
 * file or a whole new dump. pg_dump runs as a child process watched from
 * the main loop; fsync runs in a worker thread.
 *
 * Spawned with g_spawn and a child watch attached to the plugin rather
 * than with GSubprocess: a GSubprocess wait completes through a GTask
 * that could be dispatched after the plugin is unloaded, while the
 * plugin's own sources are destroyed with it, and unload can kill and
 * reap the child itself.
 *
 * The password never reaches pg_dump's command line (visible to every
 * user in ps): it goes in PGPASSWORD. */
#include "pgstore.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STDERR_MAX 16384

struct _PgBackup {
  PgStore *store;
  char *path;
  char *tmp;
  OccStoreCallback done;
  gpointer user_data;
  GPid pid;
  int err_fd;
  GString *err;
  GSource *child_source;
  GSource *err_source;
  GError *error;    /* from the fsync worker */
  gboolean waiting; /* asked for before the schema was migrated */
};

static void
backup_free (PgBackup *b)
{
  if (b->child_source)
    {
      g_source_destroy (b->child_source);
      g_source_unref (b->child_source);
    }
  if (b->err_source)
    {
      g_source_destroy (b->err_source);
      g_source_unref (b->err_source);
    }
  if (b->err_fd >= 0)
    close (b->err_fd);
  g_string_free (b->err, TRUE);
  g_clear_error (&b->error);
  g_free (b->path);
  g_free (b->tmp);
  g_free (b);
}

static void
finish (PgBackup *b, GError *error)
{
  g_ptr_array_remove_fast (b->store->backups, b);
  if (error)
    g_unlink (b->tmp);
  if (b->done)
    b->done (NULL, error, b->user_data);
  g_clear_error (&error);
  backup_free (b);
}

/* Reads what pg_dump wrote on stderr so far (non-blocking); FALSE at EOF. */
static gboolean
read_stderr (PgBackup *b)
{
  char buf[4096];
  for (;;)
    {
      ssize_t n = read (b->err_fd, buf, sizeof buf);
      if (n > 0)
        {
          if (b->err->len < STDERR_MAX)
            g_string_append_len (b->err, buf, MIN ((gsize) n, STDERR_MAX - b->err->len));
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

static gboolean
on_stderr (gint fd, GIOCondition condition, gpointer data)
{
  (void) fd;
  (void) condition;
  PgBackup *b = data;
  if (read_stderr (b))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&b->err_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gpointer
sync_thread (gpointer data)
{
  PgBackup *b = data;
  int fd = open (b->tmp, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fsync (fd) != 0)
    {
      int err = errno;
      g_set_error (&b->error, G_FILE_ERROR, g_file_error_from_errno (err), "%s: %s", b->tmp,
                   g_strerror (err));
    }
  if (fd >= 0)
    close (fd);
  if (b->error == NULL && rename (b->tmp, b->path) != 0)
    {
      int err = errno;
      g_set_error (&b->error, G_FILE_ERROR, g_file_error_from_errno (err),
                   "cannot rename %s to %s: %s", b->tmp, b->path, g_strerror (err));
    }
  if (b->error == NULL)
    {
      /* the rename itself is durable once the folder is synced */
      g_autofree char *dir = g_path_get_dirname (b->path);
      int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0)
        {
          fsync (dfd);
          close (dfd);
        }
    }
  return NULL;
}

static void
sync_done (gpointer data, gboolean unloading)
{
  (void) unloading;
  PgBackup *b = data;
  finish (b, g_steal_pointer (&b->error));
}

static void
on_dump_exit (GPid pid, gint status, gpointer data)
{
  PgBackup *b = data;
  g_spawn_close_pid (pid);
  b->pid = 0;
  g_clear_pointer (&b->child_source, g_source_unref);
  if (b->err_fd >= 0)
    read_stderr (b);
  g_autoptr (GError) e = NULL;
  if (!g_spawn_check_wait_status (status, &e))
    {
      g_autofree char *text = pg_redact (g_strstrip (b->err->str));
      finish (b, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_SQL, "pg_dump failed (%s)%s%s",
                              e->message, *text ? ": " : "", text));
      return;
    }
  pg_worker_start (b->store, "pg-backup-sync", sync_thread, sync_done, b);
}

static GSource *
attach (PgStore *s, GSource *source)
{
  occ_plugin_attach_source (s->plugin, source);
  return source;
}

static void spawn_dump (PgBackup *b);

void
pg_backup_start (PgStore *s, const char *path, OccStoreCallback done, gpointer user_data)
{
  PgBackup *b = g_new0 (PgBackup, 1);
  b->store = s;
  b->path = g_strdup (path);
  b->tmp = g_strdup_printf ("%s.partial", path);
  b->done = done;
  b->user_data = user_data;
  b->err_fd = -1;
  b->err = g_string_new (NULL);
  g_ptr_array_add (s->backups, b);
  /* a dump taken while the schema is being migrated would be a dump of
   * half a schema: it waits for pg_backup_migrated() */
  if (!s->migrated)
    {
      b->waiting = TRUE;
      return;
    }
  spawn_dump (b);
}

void
pg_backup_migrated (PgStore *s)
{
  for (guint i = s->backups->len; i > 0; i--)
    {
      PgBackup *b = g_ptr_array_index (s->backups, i - 1);
      if (b->waiting)
        {
          b->waiting = FALSE;
          spawn_dump (b);
        }
    }
}

void
pg_backup_fail_waiting (PgStore *s, const GError *error)
{
  for (guint i = s->backups->len; i > 0; i--)
    {
      PgBackup *b = g_ptr_array_index (s->backups, i - 1);
      if (b->waiting)
        finish (b, g_error_copy (error));
    }
}

static void
spawn_dump (PgBackup *b)
{
  PgStore *s = b->store;
  OccStoreCallback done = b->done;
  gpointer user_data = b->user_data;
  const char *path = b->path;
  g_autofree char *password = NULL;
  g_autofree char *conninfo = pg_conninfo_without_password (s->cfg.dsn, &password);
  g_autofree char *file = g_strdup_printf ("--file=%s", b->tmp);
  g_autofree char *dbname = g_strdup_printf ("--dbname=%s", conninfo);
  const char *argv[] = { "pg_dump", "--format=custom", "--no-password", file, dbname, NULL };
  g_auto (GStrv) env = g_get_environ ();
  if (password)
    env = g_environ_setenv (env, "PGPASSWORD", password, TRUE);
  GError *e = NULL;
  if (!g_spawn_async_with_pipes_and_fds (
          NULL, argv, (const char *const *) env,
          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
              | G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_CLOEXEC_PIPES,
          NULL, NULL, -1, -1, -1, NULL, NULL, 0, &b->pid, NULL, NULL, &b->err_fd, &e))
    {
      /* the callback must not run before backup() returns */
      g_ptr_array_remove_fast (s->backups, b);
      PgJob *job = g_new0 (PgJob, 1);
      job->callback = done;
      job->user_data = user_data;
      g_prefix_error (&e, "cannot run pg_dump: ");
      pg_pool_defer (s, job, e);
      b->err_fd = -1;
      backup_free (b);
      return;
    }
  g_unix_set_fd_nonblocking (b->err_fd, TRUE, NULL);
  b->err_source = attach (s, g_unix_fd_source_new (b->err_fd, G_IO_IN | G_IO_HUP | G_IO_ERR));
  g_source_set_callback (b->err_source, G_SOURCE_FUNC (on_stderr), b, NULL);
  b->child_source = attach (s, g_child_watch_source_new (b->pid));
  g_source_set_callback (b->child_source, G_SOURCE_FUNC (on_dump_exit), b, NULL);
  g_debug ("pg_dump started (pid %d) for %s", (int) b->pid, path);
}

void
pg_backup_shutdown (PgStore *s)
{
  g_autoptr (GError) never = g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                                          "store stopping: the backup never started");
  pg_backup_fail_waiting (s, never);
  /* those in the fsync worker finish through pg_worker_join_all() */
  for (guint i = s->backups->len; i > 0; i--)
    {
      PgBackup *b = g_ptr_array_index (s->backups, i - 1);
      if (b->pid == 0)
        continue;
      g_source_destroy (b->child_source);
      kill (b->pid, SIGKILL);
      while (waitpid (b->pid, NULL, 0) < 0 && errno == EINTR)
        ;
      g_spawn_close_pid (b->pid);
      b->pid = 0;
      finish (b, g_error_new (OCC_STORE_ERROR, OCC_STORE_ERROR_UNAVAILABLE,
                              "store stopping: the backup was interrupted"));
    }
}
