/* auth-local: the first-run administrator.
 *
 * At load, when no local account exists, the plugin creates "admin"
 * (record id AL_BOOTSTRAP_ID) with a one-time password, and writes that
 * password — and nothing else — to <state-dir>/initial-admin-password,
 * mode 0600, before the account is written: a start that stops in
 * between leaves a file no account matches, which the next start replaces.
 * The file goes when the administrator changes the password. Roles are
 * not this plugin's: the identity only says "bootstrap". */
#include "auth-local.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* A store that is not there yet (PostgreSQL starting): try again. */
#define RETRY_SECONDS 10

static void check (AuthLocal *self);

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Creates the file with O_EXCL; one left by an earlier start (no local
 * account exists, so it is stale) is replaced. */
static int
create_file (const char *path, GError **error)
{
  for (int attempt = 0;; attempt++)
    {
      int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0)
        return fd;
      int err = errno;
      if (err == EEXIST && attempt == 0)
        {
          g_message ("replacing %s: no local account matches it", path);
          if (g_unlink (path) == 0 || errno == ENOENT)
            continue;
          err = errno;
        }
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "cannot create %s: %s", path,
                   g_strerror (err));
      return -1;
    }
}

static gboolean
write_password_file (const AlSecret *password, gpointer data, GError **error)
{
  AuthLocal *self = data;
  g_autofree char *dir = g_path_get_dirname (self->bootstrap_path);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      int err = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "cannot create %s: %s", dir,
                   g_strerror (err));
      return FALSE;
    }
  int fd = create_file (self->bootstrap_path, error);
  if (fd < 0)
    return FALSE;
  /* whatever the umask */
  gboolean ok = fchmod (fd, 0600) == 0 && write_all (fd, password->data, password->len)
                && write_all (fd, "\n", 1) && fsync (fd) == 0;
  int err = errno;
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      err = errno;
    }
  if (!ok)
    {
      g_unlink (self->bootstrap_path);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "cannot write %s: %s",
                   self->bootstrap_path, g_strerror (err));
    }
  return ok;
}

static void
on_created (GVariant *result, const GError *error, gpointer data)
{
  (void) result; /* it holds the password: not logged */
  AuthLocal *self = data;
  if (error == NULL)
    g_message ("created the first-run administrator “%s”: its one-time password is in %s "
               "(readable by this user only) and must be changed at the first sign-in",
               AL_BOOTSTRAP_LOGIN, self->bootstrap_path);
  else if (self->plugin)
    {
      /* no account has the password in the file (when unloaded, the write
       * may still land: leave the file then) */
      g_unlink (self->bootstrap_path);
      g_warning ("the first-run administrator “%s” was not created: %s", AL_BOOTSTRAP_LOGIN,
                 error->message);
    }
  al_unref (self);
}

static gboolean
retry (gpointer data)
{
  AuthLocal *self = data;
  self->bootstrap_retry = 0;
  check (self);
  return G_SOURCE_REMOVE;
}

static void
checked (AlOp *op)
{
  AuthLocal *self = op->self;
  if (op->error)
    {
      g_warning ("cannot tell whether local accounts exist (%s); trying again in %d s",
                 op->error->message, RETRY_SECONDS);
      if (self->plugin && self->bootstrap_retry == 0)
        self->bootstrap_retry
            = occ_plugin_timeout_add (self->plugin, RETRY_SECONDS * 1000, retry, self, NULL);
    }
  else if (op->user == NULL)
    {
      AlNewAccount admin = {
        .id = AL_BOOTSTRAP_ID,
        .login = AL_BOOTSTRAP_LOGIN,
        .display_name = "Administrator",
        .before_write = write_password_file,
      };
      al_create_account (self, &admin, FALSE, on_created, al_ref (self));
    }
  al_op_finish (op, NULL, NULL);
}

static void
check (AuthLocal *self)
{
  AlOp *op = al_op_new (self, "first-run check", FALSE, NULL, NULL);
  if (op == NULL)
    return;
  al_op_find_user (op, checked);
}

void
al_bootstrap_start (AuthLocal *self)
{
  check (self);
}

void
al_bootstrap_password_changed (AuthLocal *self, GVariant *user)
{
  if (g_strcmp0 (al_user_string (user, "id"), AL_BOOTSTRAP_ID) != 0)
    return;
  if (g_unlink (self->bootstrap_path) == 0)
    g_message ("removed %s: the first-run administrator chose a password", self->bootstrap_path);
  else if (errno != ENOENT)
    g_warning ("cannot remove %s: %s", self->bootstrap_path, g_strerror (errno));
}
