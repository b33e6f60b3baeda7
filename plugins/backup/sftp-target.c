/* See sftp-target.h. */
#include "sftp-target.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <sys/stat.h>

typedef struct {
  char *host;
  guint port;
  char *user;
  char *identity;
  char *known_hosts;
  char *dir;
  guint timeout_s;
} Sftp;

typedef struct {
  Sftp *conf;
  const char *target;
  ssh_session ssh;
  sftp_session sftp;
} Session;

typedef struct {
  Session *s;
  sftp_file file;
  char *name;
} SftpFile;

static char *
remote_path (Session *s, const char *name)
{
  return g_strconcat (s->conf->dir, "/", name, NULL);
}

/* Sets @error for a failed SFTP call: DOWN when the connection is gone. */
static void
set_sftp_error (GError **error, Session *s, const char *what, const char *name)
{
  int code = OCC_BACKUP_TARGET_ERROR_REFUSED;
  int status = sftp_get_error (s->sftp);
  if (!ssh_is_connected (s->ssh) || status == SSH_FX_CONNECTION_LOST
      || status == SSH_FX_NO_CONNECTION)
    code = OCC_BACKUP_TARGET_ERROR_DOWN;
  else if (status == SSH_FX_NO_SUCH_FILE)
    code = OCC_BACKUP_TARGET_ERROR_NOT_FOUND;
  g_set_error (error, OCC_BACKUP_TARGET_ERROR, code, "target %s: %s %s: %s (SFTP status %d)",
               s->target, what, name, ssh_get_error (s->ssh), status);
}

static void
sftp_disconnect (gpointer session)
{
  Session *s = session;
  if (s->sftp)
    sftp_free (s->sftp);
  if (ssh_is_connected (s->ssh))
    ssh_disconnect (s->ssh);
  ssh_free (s->ssh);
  g_free (s);
}

static gboolean
configure (Session *s, GError **error)
{
  Sftp *c = s->conf;
  long timeout = c->timeout_s;
  int process_config = 0;
  unsigned int port = c->port;
  if (ssh_options_set (s->ssh, SSH_OPTIONS_HOST, c->host) < 0
      || ssh_options_set (s->ssh, SSH_OPTIONS_PORT, &port) < 0
      || ssh_options_set (s->ssh, SSH_OPTIONS_USER, c->user) < 0
      || ssh_options_set (s->ssh, SSH_OPTIONS_TIMEOUT, &timeout) < 0
      || ssh_options_set (s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &process_config) < 0
      /* only the configured entry counts, never ~/.ssh or /etc/ssh */
      || ssh_options_set (s->ssh, SSH_OPTIONS_KNOWNHOSTS, c->known_hosts) < 0
      || ssh_options_set (s->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0)
    {
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_INVALID,
                   "target %s: bad SSH options: %s", s->target, ssh_get_error (s->ssh));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_host_key (Session *s, GError **error)
{
  enum ssh_known_hosts_e state = ssh_session_is_known_server (s->ssh);
  if (state == SSH_KNOWN_HOSTS_OK)
    return TRUE;
  const char *why = state == SSH_KNOWN_HOSTS_CHANGED ? "does not match"
                    : state == SSH_KNOWN_HOSTS_OTHER ? "is of another type than"
                    : state == SSH_KNOWN_HOSTS_ERROR ? "cannot be checked against"
                                                     : "is not in";
  g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_REFUSED,
               "target %s: the host key of %s:%u %s the known-hosts file %s", s->target,
               s->conf->host, s->conf->port, why, s->conf->known_hosts);
  return FALSE;
}

static gboolean
authenticate (Session *s, GError **error)
{
  ssh_key key = NULL;
  if (ssh_pki_import_privkey_file (s->conf->identity, NULL, NULL, NULL, &key) != SSH_OK)
    {
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_REFUSED,
                   "target %s: cannot read the identity %s", s->target, s->conf->identity);
      return FALSE;
    }
  int rc = ssh_userauth_publickey (s->ssh, NULL, key);
  ssh_key_free (key);
  if (rc == SSH_AUTH_SUCCESS)
    return TRUE;
  g_set_error (error, OCC_BACKUP_TARGET_ERROR,
               rc == SSH_AUTH_ERROR ? OCC_BACKUP_TARGET_ERROR_DOWN
                                    : OCC_BACKUP_TARGET_ERROR_REFUSED,
               "target %s: %s@%s refused the key %s: %s", s->target, s->conf->user, s->conf->host,
               s->conf->identity, ssh_get_error (s->ssh));
  return FALSE;
}

static gpointer
sftp_connect (BkTarget *target, GError **error)
{
  Session *s = g_new0 (Session, 1);
  s->conf = target->impl;
  s->target = target->name;
  s->ssh = ssh_new ();
  if (!configure (s, error))
    goto fail;
  if (ssh_connect (s->ssh) != SSH_OK)
    {
      g_set_error (error, OCC_BACKUP_TARGET_ERROR, OCC_BACKUP_TARGET_ERROR_DOWN,
                   "target %s: cannot connect to %s:%u: %s", s->target, s->conf->host,
                   s->conf->port, ssh_get_error (s->ssh));
      goto fail;
    }
  if (!check_host_key (s, error) || !authenticate (s, error))
    goto fail;
  s->sftp = sftp_new (s->ssh);
  if (s->sftp == NULL || sftp_init (s->sftp) != SSH_OK)
    {
      g_set_error (error, OCC_BACKUP_TARGET_ERROR,
                   ssh_is_connected (s->ssh) ? OCC_BACKUP_TARGET_ERROR_REFUSED
                                             : OCC_BACKUP_TARGET_ERROR_DOWN,
                   "target %s: no SFTP on %s: %s", s->target, s->conf->host,
                   ssh_get_error (s->ssh));
      goto fail;
    }
  return s;
fail:
  sftp_disconnect (s);
  return NULL;
}

static gboolean
sftp_stat_file (gpointer session, const char *name, guint64 *size, GError **error)
{
  Session *s = session;
  g_autofree char *path = remote_path (s, name);
  sftp_attributes a = sftp_stat (s->sftp, path);
  if (a == NULL)
    {
      set_sftp_error (error, s, "cannot stat", path);
      return FALSE;
    }
  *size = a->size;
  sftp_attributes_free (a);
  return TRUE;
}

static gpointer
open_file (Session *s, const char *name, int flags, guint64 offset, GError **error)
{
  g_autofree char *path = remote_path (s, name);
  sftp_file file = sftp_open (s->sftp, path, flags, 0640);
  if (file == NULL)
    {
      set_sftp_error (error, s, "cannot open", path);
      return NULL;
    }
  if (sftp_seek64 (file, offset) < 0)
    {
      set_sftp_error (error, s, "cannot seek in", path);
      sftp_close (file);
      return NULL;
    }
  SftpFile *f = g_new0 (SftpFile, 1);
  f->s = s;
  f->file = file;
  f->name = g_steal_pointer (&path);
  return f;
}

static gpointer
sftp_open_write (gpointer session, const char *name, guint64 offset, GError **error)
{
  /* SFTP has no ftruncate: a put only ever continues a partial copy at
   * its end, or starts over (O_TRUNC) */
  return open_file (session, name, O_WRONLY | O_CREAT | (offset == 0 ? O_TRUNC : 0), offset, error);
}

static gpointer
sftp_open_read (gpointer session, const char *name, GError **error)
{
  return open_file (session, name, O_RDONLY, 0, error);
}

static gssize
sftp_read_file (gpointer file, void *buf, gsize n, GError **error)
{
  SftpFile *f = file;
  gssize r = sftp_read (f->file, buf, n);
  if (r < 0)
    set_sftp_error (error, f->s, "cannot read", f->name);
  return r;
}

static gboolean
sftp_write_file (gpointer file, const void *buf, gsize n, GError **error)
{
  SftpFile *f = file;
  const char *p = buf;
  while (n > 0)
    {
      ssize_t w = sftp_write (f->file, p, n);
      if (w <= 0)
        {
          set_sftp_error (error, f->s, "cannot write", f->name);
          return FALSE;
        }
      p += w;
      n -= w;
    }
  return TRUE;
}

static gboolean
sftp_close_file (gpointer file, gboolean sync, GError **error)
{
  SftpFile *f = file;
  gboolean ok = TRUE;
  if (sync && sftp_extension_supported (f->s->sftp, "fsync@openssh.com", "1")
      && sftp_fsync (f->file) < 0)
    {
      set_sftp_error (error, f->s, "cannot sync", f->name);
      ok = FALSE;
    }
  if (sftp_close (f->file) < 0 && ok)
    {
      set_sftp_error (error, f->s, "cannot close", f->name);
      ok = FALSE;
    }
  g_free (f->name);
  g_free (f);
  return ok;
}

static gboolean
sftp_remove (gpointer session, const char *name, GError **error)
{
  Session *s = session;
  g_autofree char *path = remote_path (s, name);
  if (sftp_unlink (s->sftp, path) < 0)
    {
      set_sftp_error (error, s, "cannot delete", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sftp_rename_file (gpointer session, const char *from, const char *to, GError **error)
{
  Session *s = session;
  g_autofree char *src = remote_path (s, from);
  g_autofree char *dst = remote_path (s, to);
  /* plain SFTP rename refuses an existing target: drop an older copy */
  sftp_attributes a = sftp_stat (s->sftp, dst);
  if (a != NULL)
    {
      sftp_attributes_free (a);
      if (sftp_unlink (s->sftp, dst) < 0)
        {
          set_sftp_error (error, s, "cannot replace", dst);
          return FALSE;
        }
    }
  if (sftp_rename (s->sftp, src, dst) < 0)
    {
      set_sftp_error (error, s, "cannot rename", src);
      return FALSE;
    }
  return TRUE;
}

static GVariant *
sftp_list (gpointer session, GError **error)
{
  Session *s = session;
  sftp_dir dir = sftp_opendir (s->sftp, s->conf->dir);
  if (dir == NULL)
    {
      set_sftp_error (error, s, "cannot list", s->conf->dir);
      return NULL;
    }
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sxx)"));
  sftp_attributes a;
  while ((a = sftp_readdir (s->sftp, dir)) != NULL)
    {
      if (a->type == SSH_FILEXFER_TYPE_REGULAR && bk_target_name_is_valid (a->name))
        g_variant_builder_add (&b, "(sxx)", a->name, (gint64) a->size, (gint64) a->mtime);
      sftp_attributes_free (a);
    }
  gboolean complete = sftp_dir_eof (dir);
  if (!complete)
    set_sftp_error (error, s, "cannot list", s->conf->dir);
  sftp_closedir (dir);
  g_autoptr (GVariant) list = g_variant_ref_sink (g_variant_builder_end (&b));
  return complete ? g_steal_pointer (&list) : NULL;
}

static gboolean
sftp_free_space (gpointer session, gint64 *bytes, GError **error)
{
  Session *s = session;
  *bytes = -1;
  if (!sftp_extension_supported (s->sftp, "statvfs@openssh.com", "2"))
    return TRUE;
  sftp_statvfs_t vfs = sftp_statvfs (s->sftp, s->conf->dir);
  if (vfs == NULL)
    {
      set_sftp_error (error, s, "cannot measure", s->conf->dir);
      return FALSE;
    }
  *bytes = (gint64) (vfs->f_bavail * vfs->f_frsize);
  sftp_statvfs_free (vfs);
  return TRUE;
}

static void
sftp_target_free (gpointer impl)
{
  Sftp *c = impl;
  g_free (c->host);
  g_free (c->user);
  g_free (c->identity);
  g_free (c->known_hosts);
  g_free (c->dir);
  g_free (c);
}

static const BkTargetOps sftp_ops = {
  .connect = sftp_connect,
  .disconnect = sftp_disconnect,
  .stat = sftp_stat_file,
  .open_write = sftp_open_write,
  .open_read = sftp_open_read,
  .read = sftp_read_file,
  .write = sftp_write_file,
  .close = sftp_close_file,
  .remove = sftp_remove,
  .rename = sftp_rename_file,
  .list = sftp_list,
  .free_space = sftp_free_space,
  .free = sftp_target_free,
};

BkTarget *
bk_sftp_target_new (const char *name, guint retention_days, const BkSftpConfig *config)
{
  Sftp *c = g_new0 (Sftp, 1);
  c->host = g_strdup (config->host);
  c->port = config->port ? config->port : 22;
  c->user = g_strdup (config->user);
  c->identity = g_strdup (config->identity);
  c->known_hosts = g_strdup (config->known_hosts);
  c->dir = g_strdup (config->dir ? config->dir : ".");
  c->timeout_s = config->timeout_s ? config->timeout_s : 30;
  return bk_target_new (name, retention_days, &sftp_ops, c);
}
